import { decide, type Decision } from './decide';
import type { CareRelationship, EmergencyAccess, PatientAccessFacts } from './facts';
import { policyRowFor, type PolicyTable } from './policy-table';
import type { DataItem, HealthWorkerRequester } from './request';
import { DATA_CATEGORIES, type DataCategory, type PurposeOfUse } from './vocabulary';

/**
 * Who may see something of a patient, and which categories: the "audience" the fan-out projectors
 * keep read models for. Derived from the facts with the engine itself (one decision per recipient
 * and category for an ordinary item), so it can never be more generous than a query-time decision
 * for such an item. Item-level rules (a document sperring, restricted documents, delayed release)
 * are left to the decision for each item.
 */

export interface Recipient {
  readonly recipientKey: string;
  readonly legalEntity: string;
  readonly pointOfCare?: string;
  readonly department?: string;
  readonly practitionerHpr?: string;
}

export interface AudienceEntry {
  readonly recipient: Recipient;
  /** Sorted, never empty. */
  readonly categories: readonly DataCategory[];
}

/** recipientKey → what that recipient may see of the patient now. */
export type Audience = ReadonlyMap<string, AudienceEntry>;

export type AccessChangeKind = 'GRANTED' | 'REVOKED' | 'CHANGED';

export interface AudienceChange {
  readonly recipient: Recipient;
  readonly change: AccessChangeKind;
  readonly categories: readonly DataCategory[];
}

/** A readable, stable key: the same recipient fields always give the same key. */
export function recipientKeyOf(recipient: Omit<Recipient, 'recipientKey'>): string {
  return [
    `org:${recipient.legalEntity}`,
    recipient.pointOfCare ? `poc:${recipient.pointOfCare}` : '',
    recipient.department ? `dept:${recipient.department}` : '',
    recipient.practitionerHpr ? `hpr:${recipient.practitionerHpr}` : '',
  ]
    .filter(Boolean)
    .join('/');
}

/** The shape recipientKeyOf gives: org, then optionally point of care, department, practitioner. */
export const RECIPIENT_KEY_PATTERN = /^org:(\d{9})(?:\/poc:(\d{9}))?(?:\/dept:(\d{1,12}))?(?:\/hpr:(\d{1,10}))?$/;
export const RECIPIENT_KEY_RULE =
  'must be a recipient key such as org:993467049/poc:974589095/dept:4001031 (org:<9 digits>, then optionally /poc:<9 digits>, /dept:<digits>, /hpr:<digits>)';

/** The recipient a key names (the inverse of recipientKeyOf), or undefined when the text is not a recipient key. */
export function recipientFromKey(key: string): Omit<Recipient, 'recipientKey'> | undefined {
  const match = RECIPIENT_KEY_PATTERN.exec(key);
  if (!match) return undefined;
  const [, legalEntity, pointOfCare, department, practitionerHpr] = match;
  return { legalEntity, ...(pointOfCare ? { pointOfCare } : {}), ...(department ? { department } : {}), ...(practitionerHpr ? { practitionerHpr } : {}) };
}

function recipient(fields: Omit<Recipient, 'recipientKey'>): Recipient {
  const clean: { -readonly [K in keyof Recipient]?: Recipient[K] } = { legalEntity: fields.legalEntity };
  if (fields.pointOfCare) clean.pointOfCare = fields.pointOfCare;
  if (fields.department) clean.department = fields.department;
  if (fields.practitionerHpr) clean.practitionerHpr = fields.practitionerHpr;
  return { recipientKey: recipientKeyOf(clean as Recipient), ...(clean as Omit<Recipient, 'recipientKey'>) };
}

/** Not ended and not expired: current, or starting later (granted early; every read re-checks the window). */
function relationshipStanding(relationship: CareRelationship, at: number): boolean {
  if (relationship.endedAt && relationship.endedAt.getTime() <= at) return false;
  return !relationship.validTo || relationship.validTo.getTime() > at;
}

function emergencyStanding(access: EmergencyAccess, at: number): boolean {
  return access.invokedAt.getTime() <= at && access.expiresAt.getTime() > at;
}

/** One way a recipient may see the patient's data now: a standing relationship or emergency access. */
interface Basis {
  readonly who: Recipient;
  /** The requester that stands for the recipient (organisation level unless the basis names a practitioner). */
  readonly requester: HealthWorkerRequester;
  /** When to decide: now, or the start of a relationship that starts later (granted early). */
  readonly decideAt: Date;
  readonly missionId?: string;
}

function* basesOf(facts: PatientAccessFacts, at: Date, table: PolicyTable): Generator<Basis> {
  const now = at.getTime();
  for (const relationship of facts.relationships) {
    if (!relationshipStanding(relationship, now)) continue;
    const row = policyRowFor(table, relationship);
    if (!row) continue;
    const purpose = [...row.purposes][0] as PurposeOfUse | undefined;
    if (!purpose) continue;
    const who = recipient(relationship);
    const decideAt = new Date(Math.max(now, relationship.validFrom.getTime()));
    yield { who, requester: requesterFor(who, purpose, relationship.healthcareService, relationship.decisionRef, decideAt), decideAt, missionId: relationship.missionId };
  }
  for (const access of facts.emergencyAccesses) {
    if (!emergencyStanding(access, now)) continue;
    const who = recipient({ ...access });
    yield { who, requester: requesterFor(who, access.purposeOfUse, { system: '', code: '' }, `emergency:${access.accessId}`, at), decideAt: at };
  }
}

export function audienceOf(facts: PatientAccessFacts, at: Date, table: PolicyTable): Audience {
  const audience = new Map<string, { recipient: Recipient; categories: Set<DataCategory> }>();
  for (const { who, requester, decideAt, missionId } of basesOf(facts, at, table)) {
    for (const category of DATA_CATEGORIES) {
      const item: DataItem = {
        itemId: '(any ordinary item)',
        category,
        custodian: '',
        confidentiality: 'N',
        occurredAt: decideAt,
        missionId,
        handedOverTo: missionId ? { orgNumber: who.legalEntity, reshId: who.department } : undefined,
      };
      if (decide(facts, requester, item, decideAt, table).effect !== 'PERMIT') continue;
      const entry = audience.get(who.recipientKey) ?? { recipient: who, categories: new Set<DataCategory>() };
      entry.categories.add(category);
      audience.set(who.recipientKey, entry);
    }
  }
  const result = new Map<string, AudienceEntry>();
  for (const [key, { recipient: who, categories }] of audience) result.set(key, { recipient: who, categories: [...categories].sort() });
  return result;
}

/**
 * May this recipient (a key of the audience) hold this item in its read model now? The engine's
 * decision for the requester that stands for the recipient, under each of the recipient's bases;
 * the first permit wins. A practitioner's own read is still decided again at query time (their
 * blokkering, their attestation).
 */
export function recipientMayHold(facts: PatientAccessFacts, recipientKey: string, item: DataItem, at: Date, table: PolicyTable): boolean {
  return recipientDecision(facts, recipientKey, item, at, table).effect === 'PERMIT';
}

const NO_BASIS: Decision = Object.freeze({ effect: 'DENY', reason: 'DENY_NO_RELATIONSHIP', facts: Object.freeze({}), flags: Object.freeze({ emergency: false, sperringOverride: false, reviewRequired: false }) });

/**
 * recipientMayHold with the decision behind it (the first permit, else the last denial; with no
 * basis at all DENY_NO_RELATIONSHIP): what a delivery records in the audit trail (reason code,
 * relationship, emergency and sperring flags).
 */
export function recipientDecision(facts: PatientAccessFacts, recipientKey: string, item: DataItem, at: Date, table: PolicyTable): Decision {
  let last = NO_BASIS;
  for (const { who, requester, decideAt } of basesOf(facts, at, table)) {
    if (who.recipientKey !== recipientKey) continue;
    last = decide(facts, requester, item, decideAt, table);
    if (last.effect === 'PERMIT') return last;
  }
  return last;
}

function requesterFor(
  who: Recipient,
  purposeOfUse: PurposeOfUse,
  healthcareService: { system: string; code: string },
  decisionRef: string,
  at: Date,
): HealthWorkerRequester {
  return {
    kind: 'health-worker',
    // An organisation-level recipient: no single practitioner; a blokkering is then checked per
    // practitioner when one of them reads.
    hprNumber: who.practitionerHpr ?? '',
    legalEntity: who.legalEntity,
    pointOfCare: who.pointOfCare,
    department: who.department,
    purposeOfUse,
    healthcareService,
    decisionRef,
    attestedAt: at,
    securityLevel: 4,
  };
}

/**
 * What changed between two audiences of one patient. `itemRulesChanged` (a document sperring, a
 * consent) makes every remaining recipient CHANGED, since single items may have appeared or gone
 * even where the categories stayed the same.
 */
export function audienceChanges(before: Audience, after: Audience, itemRulesChanged: boolean): AudienceChange[] {
  const changes: AudienceChange[] = [];
  for (const [key, entry] of after) {
    const previous = before.get(key);
    if (!previous) changes.push({ recipient: entry.recipient, change: 'GRANTED', categories: entry.categories });
    else if (itemRulesChanged || previous.categories.join() !== entry.categories.join()) {
      changes.push({ recipient: entry.recipient, change: 'CHANGED', categories: entry.categories });
    }
  }
  for (const [key, entry] of before) {
    if (!after.has(key)) changes.push({ recipient: entry.recipient, change: 'REVOKED', categories: [] });
  }
  return changes.sort((a, b) => a.recipient.recipientKey.localeCompare(b.recipient.recipientKey));
}

/**
 * The first instant after `at` at which the audience may change by time alone (a relationship
 * starting or ending, a block taking effect or lifted, a consent period, an emergency access
 * expiring), or undefined when no fact has a future boundary. The access projector sweeps patients
 * whose boundary has passed, so time-driven grants and revocations are published like the others.
 */
export function nextTimeBoundary(facts: PatientAccessFacts, at: Date): Date | undefined {
  const now = at.getTime();
  let next = Infinity;
  const consider = (instant: Date | undefined) => {
    const t = instant?.getTime();
    if (t !== undefined && t > now && t < next) next = t;
  };
  for (const r of facts.relationships) [r.validFrom, r.validTo, r.endedAt].forEach(consider);
  for (const b of facts.blocks) [b.effectiveFrom, b.liftedAt].forEach(consider);
  for (const c of facts.consents) [c.period.start, c.period.end, c.withdrawnAt].forEach(consider);
  for (const e of facts.emergencyAccesses) [e.invokedAt, e.expiresAt].forEach(consider);
  return next === Infinity ? undefined : new Date(next);
}
