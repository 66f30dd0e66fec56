import { randomUUID } from 'node:crypto';
import type { DataCategory, Decision, ReasonCode } from '@backbone/access-control';
import type { Principal } from '@backbone/auth';
import type { DataAccessed, Organisation } from '@backbone/contracts';

/*
 * One access to a patient's data, as the audit trail keeps it: who (from the verified principal),
 * whose data (the patient), what was done through which API, and the policy engine's answer. Pure:
 * the HTTP and delivery paths build these; AuditTrail makes them durable.
 */

export type AccessAction = DataAccessed['action'];
export type PatientIdentifier = DataAccessed['envelope']['patient'];

/** The engine's answer for one access as a whole (several items may have been decided). */
export interface AccessVerdict {
  readonly outcome: 'PERMIT' | 'DENY';
  readonly reasonCode: ReasonCode;
  readonly relationshipId?: string;
  readonly emergency: boolean;
  readonly sperringOverride: boolean;
}

export interface AccessRecordInput {
  readonly principal: Principal;
  /** Whose data: travels in the DataAccessed value (never a key, header or log line). */
  readonly patient: PatientIdentifier;
  readonly patientKey: string;
  readonly action: AccessAction;
  /** The API operation, e.g. 'POST /patients/summary': a route template, never a URL with an identifier. */
  readonly api: string;
  readonly categories: readonly DataCategory[];
  /** Ids of the items shown; empty on a deny. */
  readonly itemIds: readonly string[];
  readonly verdict: AccessVerdict;
  readonly accessedAt: Date;
  /** For a system principal: the recipient organisation it received for (webhooks, feeds). */
  readonly onBehalfOf?: Organisation;
  /** The access record's id, when the caller wants to return it (default: a new UUID). */
  readonly accessId?: string;
}

/** Rank of the permit reasons: the strongest one explains an access that used several. */
const PERMIT_STRENGTH: Partial<Record<ReasonCode, number>> = {
  PERMIT_SPERRING_OPENED_BY_EMERGENCY: 4,
  PERMIT_EMERGENCY_ACCESS: 3,
  PERMIT_SPERRING_OPENED_BY_CONSENT: 2,
  PERMIT_CARE_RELATIONSHIP: 1,
  PERMIT_CITIZEN_OWN_DATA: 1,
};

/**
 * Folds the decisions of one access into its verdict. Permitted if anything was shown; the
 * citizen's log must show an emergency or a sperring opening if any item used one, so the flags
 * are the OR of all shown items and the reason is the strongest permit. A denial reports the
 * first denial's reason (the engine evaluates rules in a fixed order, so it is the most basic one).
 */
export function verdictOf(shown: readonly Decision[], denied: readonly Decision[]): AccessVerdict {
  if (shown.length === 0) {
    const first = denied[0];
    return { outcome: 'DENY', reasonCode: first?.reason ?? 'DENY_DEFAULT', emergency: false, sperringOverride: false };
  }
  let strongest = shown[0];
  let emergency = false;
  let sperringOverride = false;
  for (const decision of shown) {
    if ((PERMIT_STRENGTH[decision.reason] ?? 0) > (PERMIT_STRENGTH[strongest.reason] ?? 0)) strongest = decision;
    emergency ||= decision.flags.emergency;
    sperringOverride ||= decision.flags.sperringOverride;
  }
  return { outcome: 'PERMIT', reasonCode: strongest.reason, relationshipId: strongest.facts.relationshipId, emergency, sperringOverride };
}

/** Who operates the backbone: the custodian of every audit record. */
export interface AuditOperator {
  readonly organisation: Organisation;
  /** The backbone's own system id, the envelope's source. */
  readonly systemId: string;
}

const org = (orgNumber: string, name?: string): Organisation => ({ orgNumber, reshId: null, herId: null, name: name ?? null });

/** The BALP-shaped DataAccessed event for one access. */
export function dataAccessedEvent(input: AccessRecordInput, operator: AuditOperator): DataAccessed {
  const { principal, verdict } = input;
  const accessId = input.accessId ?? randomUUID();
  const base = {
    envelope: {
      eventId: accessId,
      eventType: 'DataAccessed',
      occurredAt: input.accessedAt,
      recordedAt: input.accessedAt,
      source: { systemId: operator.systemId, name: null, version: null },
      patient: input.patient,
      patientKey: input.patientKey,
      custodian: operator.organisation,
      author: null,
      confidentiality: 'N' as const,
      restriction: null,
      correlationId: null,
      causationId: null,
      dataRef: null,
    },
    accessId,
    clientId: principal.clientId ?? 'unknown',
    action: input.action,
    api: input.api,
    dataCategories: [...input.categories],
    itemIds: [...input.itemIds],
    outcome: verdict.outcome,
    reasonCode: verdict.reasonCode,
    relationshipId: verdict.relationshipId ?? null,
    emergency: verdict.emergency,
    sperringOverride: verdict.sperringOverride,
    attestationHash: null as string | null,
    accessedAt: input.accessedAt,
  };
  switch (principal.kind) {
    case 'health-worker': {
      const a = principal.attestation;
      return {
        ...base,
        actorKind: 'HEALTH_PERSONNEL',
        practitioner: { hprNumber: principal.hprNumber, authorization: a.authorization?.code ?? null, name: principal.name || null },
        legalEntity: org(a.legalEntity.id, a.legalEntity.name),
        pointOfCare: org(a.pointOfCare.id, a.pointOfCare.name),
        department: a.department ? department(a.department.id, a.department.name, a.legalEntity.id) : null,
        purposeOfUse: a.purposeOfUse,
        healthcareService: { system: a.healthcareService.system, code: a.healthcareService.code, display: a.healthcareService.text ?? null },
        decisionRef: a.decisionRef.id,
        attestationHash: principal.attestationHash,
      };
    }
    case 'citizen':
      return { ...base, actorKind: 'CITIZEN', practitioner: null, legalEntity: null, pointOfCare: null, department: null, purposeOfUse: null, healthcareService: null, decisionRef: null };
    case 'system':
      return {
        ...base,
        actorKind: 'SYSTEM',
        practitioner: null,
        legalEntity: input.onBehalfOf ?? null,
        pointOfCare: null,
        department: null,
        purposeOfUse: null,
        healthcareService: null,
        decisionRef: null,
      };
  }
}

/** A department is a RESH unit of its legal entity: the Organisation record needs both. */
function department(reshId: string, name: string | undefined, legalEntity: string): Organisation {
  return { orgNumber: legalEntity, reshId, herId: null, name: name ?? null };
}
