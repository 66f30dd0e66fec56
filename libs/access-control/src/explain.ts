import { evaluate, type Decision, type FactNote, type StepOutcome, type Tracer } from './decide';
import type { PatientAccessFacts } from './facts';
import type { PolicyTable } from './policy-table';
import type { ReasonCode, RuleName } from './reasons';
import type { DataItem, Requester } from './request';

/*
 * "Why was X permitted or denied for Y at T": the same evaluation as decide (one implementation,
 * run with a tracer), with every rule it evaluated, in order, and the facts each rule looked at.
 * Rules after the deciding one are not evaluated and so not listed. Contains no person numbers.
 */

export interface ExplanationStep {
  readonly rule: RuleName;
  readonly outcome: StepOutcome;
  readonly reason?: ReasonCode;
  readonly detail: string;
  readonly facts: readonly FactNote[];
}

export interface Explanation {
  readonly decision: Decision;
  readonly at: Date;
  readonly policy: { readonly version: number; readonly effectiveFrom: Date };
  readonly requester: string;
  readonly item: string;
  readonly steps: readonly ExplanationStep[];
}

export function explain(facts: PatientAccessFacts, requester: Requester, item: DataItem, at: Date, table: PolicyTable): Explanation {
  const steps: ExplanationStep[] = [];
  const tracer: Tracer = {
    step(rule, outcome, detail, looked, reason) {
      steps.push(reason === undefined ? { rule, outcome, detail, facts: [...looked] } : { rule, outcome, reason, detail, facts: [...looked] });
    },
  };
  const decision = evaluate(facts, requester, item, at, table, tracer);
  steps.push({ rule: 'decision', outcome: decision.effect, reason: decision.reason, detail: describeDecision(decision), facts: [] });
  return {
    decision,
    at,
    policy: { version: table.version, effectiveFrom: table.effectiveFrom },
    requester: describeRequester(requester),
    item: describeItem(item),
    steps,
  };
}

/** Readable lines, for a support ticket or the ops CLI. */
export function formatExplanation(explanation: Explanation): string[] {
  const { decision } = explanation;
  const lines = [
    `${decision.effect} ${decision.reason} at ${explanation.at.toISOString()} (policy table v${explanation.policy.version} from ${explanation.policy.effectiveFrom.toISOString()})`,
    `requester: ${explanation.requester}`,
    `item: ${explanation.item}`,
  ];
  const width = Math.max(...explanation.steps.map((s) => s.rule.length));
  explanation.steps.forEach((step, index) => {
    const reason = step.reason ? ` [${step.reason}]` : '';
    lines.push(`${String(index + 1).padStart(2)}. ${step.rule.padEnd(width)}  ${step.outcome.padEnd(6)} ${step.detail}${reason}`);
    for (const fact of step.facts) lines.push(`      ${fact.kind} ${fact.id}: ${fact.verdict}`);
  });
  return lines;
}

function describeDecision(decision: Decision): string {
  const facts = Object.entries(decision.facts).map(([key, value]) => `${key}=${value}`);
  const flags = Object.entries(decision.flags)
    .filter(([, value]) => value !== false && value !== undefined)
    .map(([key, value]) => (value === true ? key : `${key}=${value instanceof Date ? value.toISOString() : String(value)}`));
  return [facts.length ? `facts: ${facts.join(', ')}` : 'no facts', flags.length ? `flags: ${flags.join(', ')}` : 'no flags'].join('; ');
}

function describeRequester(requester: Requester): string {
  switch (requester?.kind) {
    case 'health-worker': {
      const unit = [requester.legalEntity, requester.pointOfCare, requester.department].filter(Boolean).join('/');
      return `health worker HPR ${requester.hprNumber} at ${unit}, ${requester.purposeOfUse}, service ${requester.healthcareService.code}, decision ${requester.decisionRef}, level ${requester.securityLevel}`;
    }
    case 'citizen':
      return `citizen (${requester.isPatient ? 'the patient' : 'not the patient'}), level ${requester.securityLevel}`;
    case 'system':
      return `system client ${requester.clientId}`;
    default:
      return 'unknown requester';
  }
}

function describeItem(item: DataItem): string {
  const parts = [
    `${item.category} ${item.itemId}`,
    item.documentId ? `document ${item.documentId}` : '',
    `custodian ${item.custodian}`,
    `confidentiality ${item.confidentiality}${item.restriction ? `/${item.restriction}` : ''}`,
    `occurred ${item.occurredAt.toISOString()}`,
    item.releaseToCitizenAt ? `released to citizen ${item.releaseToCitizenAt.toISOString()}` : '',
    item.missionId ? `mission ${item.missionId}` : '',
    item.handedOverTo ? `handed over to ${item.handedOverTo.orgNumber}${item.handedOverTo.reshId ? `/${item.handedOverTo.reshId}` : ''}` : '',
  ];
  return parts.filter(Boolean).join(', ');
}
