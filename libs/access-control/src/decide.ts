import type { Block, CareRelationship, Consent, ConsentProvision, EmergencyAccess, PatientAccessFacts } from './facts';
import { policyRowFor, type PolicyTable } from './policy-table';
import type { ReasonCode, RuleName } from './reasons';
import type { CitizenRequester, DataItem, HealthWorkerRequester, Requester } from './request';

/*
 * The policy engine: one pure function from (facts, requester, item, time, table) to a decision
 * with a reason code. Each rule is one small named function below, in the order `evaluate` applies
 * them. The common path allocates only the returned decision: no closures, no array methods, no
 * string building (explanations pass a tracer; decide passes none, and `trace?.step(...)` then
 * evaluates nothing, not even its arguments).
 */

export interface DecisionFacts {
  readonly relationshipId?: string;
  readonly consentId?: string;
  readonly emergencyAccessId?: string;
  readonly blockId?: string;
}

export interface DecisionFlags {
  /** An emergency access was used (as the basis, or to open a sperring): shown to the citizen. */
  readonly emergency: boolean;
  /** A sperring was opened by consent or emergency access: always shown in the citizen's access log. */
  readonly sperringOverride: boolean;
  /** The access must be reviewed after the fact (every emergency access). */
  readonly reviewRequired: boolean;
  /** For the citizen: the item is withheld until this time. */
  readonly hiddenFromCitizenUntil?: Date;
}

export interface Decision {
  readonly effect: 'PERMIT' | 'DENY';
  readonly reason: ReasonCode;
  readonly facts: DecisionFacts;
  readonly flags: DecisionFlags;
}

// ---------------------------------------------------------------------------------------------
// Tracing (used by explain; decide passes none)

export type StepOutcome = 'PASS' | 'DENY' | 'PERMIT' | 'FOUND' | 'NONE';
export type FactKind = 'relationship' | 'consent' | 'block' | 'emergency-access';

/** One fact a rule looked at, and what the rule made of it. */
export interface FactNote {
  readonly kind: FactKind;
  readonly id: string;
  readonly verdict: string;
}

export interface Tracer {
  step(rule: RuleName, outcome: StepOutcome, detail: string, facts: readonly FactNote[], reason?: ReasonCode): void;
}

const NO_NOTES: readonly FactNote[] = Object.freeze([]);
const notesFor = (trace: Tracer | undefined): FactNote[] | undefined => (trace ? [] : undefined);

// ---------------------------------------------------------------------------------------------
// Decisions

const NO_FLAGS: DecisionFlags = Object.freeze({ emergency: false, sperringOverride: false, reviewRequired: false });
const NO_FACTS: DecisionFacts = Object.freeze({});

/** Fact-less denials are shared frozen objects: the deny path allocates nothing. */
const BARE_DENIALS = new Map<ReasonCode, Decision>();
function bare(reason: ReasonCode): Decision {
  let decision = BARE_DENIALS.get(reason);
  if (decision === undefined) {
    decision = Object.freeze({ effect: 'DENY', reason, facts: NO_FACTS, flags: NO_FLAGS });
    BARE_DENIALS.set(reason, decision);
  }
  return decision;
}

function factsOf(relationship?: CareRelationship, consent?: Consent, emergency?: EmergencyAccess, block?: Block): DecisionFacts {
  const facts: { -readonly [K in keyof DecisionFacts]: DecisionFacts[K] } = {};
  if (relationship !== undefined) facts.relationshipId = relationship.relationshipId;
  if (consent !== undefined) facts.consentId = consent.consentId;
  if (emergency !== undefined) facts.emergencyAccessId = emergency.accessId;
  if (block !== undefined) facts.blockId = block.blockId;
  return facts;
}

const deny = (reason: ReasonCode, facts: DecisionFacts): Decision => ({ effect: 'DENY', reason, facts, flags: NO_FLAGS });

// ---------------------------------------------------------------------------------------------
// Time

/** from ≤ at < to (to absent: open-ended). */
function within(from: Date, to: Date | undefined, at: number): boolean {
  return from.getTime() <= at && (to === undefined || at < to.getTime());
}

export function relationshipActive(relationship: CareRelationship, at: number): boolean {
  return (
    within(relationship.validFrom, relationship.validTo, at) && (relationship.endedAt === undefined || at < relationship.endedAt.getTime())
  );
}

export function blockActive(block: Block, at: number): boolean {
  return within(block.effectiveFrom, block.liftedAt, at);
}

export function consentActive(consent: Consent, at: number): boolean {
  return within(consent.period.start, consent.period.end, at) && (consent.withdrawnAt === undefined || at < consent.withdrawnAt.getTime());
}

/** invokedAt ≤ at < expiresAt, and never longer than the table's cap. */
export function emergencyActive(access: EmergencyAccess, at: number, table: PolicyTable): boolean {
  const invokedAt = access.invokedAt.getTime();
  return invokedAt <= at && at < access.expiresAt.getTime() && at - invokedAt < table.emergencyAccessMaxMs;
}

// ---------------------------------------------------------------------------------------------
// Rules: health workers

/** Rule: clinical data needs the table's security level (4). */
export function securityLevelTooLow(securityLevel: number, table: PolicyTable): boolean {
  return !(securityLevel >= table.requiredSecurityLevel);
}

/** Rule: the attestation is at most 60 minutes old (attestedAt + 60 min > at) and not from the future beyond the skew. */
export function attestationProblem(
  requester: HealthWorkerRequester,
  at: number,
  table: PolicyTable,
): 'DENY_ATTESTATION_EXPIRED' | 'DENY_ATTESTATION_IN_FUTURE' | undefined {
  const attestedAt = requester.attestedAt.getTime();
  if (!(attestedAt <= at + table.attestationClockSkewMs)) return 'DENY_ATTESTATION_IN_FUTURE';
  if (!(at < attestedAt + table.attestationMaxAgeMs)) return 'DENY_ATTESTATION_EXPIRED';
  return undefined;
}

/** Rule: an active reservasjon closes everything to health personnel. */
export function activeReservasjon(facts: PatientAccessFacts, at: number, notes?: FactNote[]): Block | undefined {
  const blocks = facts.blocks;
  for (let i = 0; i < blocks.length; i++) {
    const block = blocks[i];
    if (block.kind !== 'RESERVASJON') continue;
    const active = blockActive(block, at);
    notes?.push({ kind: 'block', id: block.blockId, verdict: active ? 'active reservasjon' : 'reservasjon not active at this time' });
    if (active) return block;
  }
  return undefined;
}

/** Rule: an active blokkering of this practitioner denies, emergencies included. */
export function activeBlokkering(facts: PatientAccessFacts, hprNumber: string, at: number, notes?: FactNote[]): Block | undefined {
  const blocks = facts.blocks;
  for (let i = 0; i < blocks.length; i++) {
    const block = blocks[i];
    if (block.kind !== 'BLOKKERING') continue;
    const mine = block.blockedPractitionerHpr === hprNumber;
    const active = blockActive(block, at);
    notes?.push({
      kind: 'block',
      id: block.blockId,
      verdict: !mine
        ? `blokkering of another practitioner (HPR ${block.blockedPractitionerHpr})`
        : active
          ? 'active blokkering of this practitioner'
          : 'blokkering not active at this time',
    });
    if (mine && active) return block;
  }
  return undefined;
}

/** Does a consent provision name this requester (org or point of care, department, HPR, purpose) and this item (category, document)? */
export function provisionCovers(provision: ConsentProvision, requester: HealthWorkerRequester, item: DataItem): boolean {
  const org = provision.actorOrgNumber;
  if (org !== undefined && org !== requester.legalEntity && org !== requester.pointOfCare) return false;
  if (provision.actorReshId !== undefined && provision.actorReshId !== requester.department) return false;
  if (provision.actorHprNumber !== undefined && provision.actorHprNumber !== requester.hprNumber) return false;
  if (provision.purposes.length > 0 && !provision.purposes.includes(requester.purposeOfUse)) return false;
  if (provision.dataCategories.length > 0 && !provision.dataCategories.includes(item.category)) return false;
  if (provision.documentIds.length > 0 && (item.documentId === undefined || !provision.documentIds.includes(item.documentId))) return false;
  return true;
}

function consentCovers(consent: Consent, requester: HealthWorkerRequester, item: DataItem): boolean {
  const provisions = consent.provisions;
  for (let i = 0; i < provisions.length; i++) if (provisionCovers(provisions[i], requester, item)) return true;
  return false;
}

function findConsent(
  decision: 'PERMIT' | 'DENY',
  facts: PatientAccessFacts,
  requester: HealthWorkerRequester,
  item: DataItem,
  at: number,
  notes?: FactNote[],
): Consent | undefined {
  const consents = facts.consents;
  for (let i = 0; i < consents.length; i++) {
    const consent = consents[i];
    if (consent.decision !== decision) continue;
    const active = consentActive(consent, at);
    const covers = active && consentCovers(consent, requester, item);
    notes?.push({
      kind: 'consent',
      id: consent.consentId,
      verdict: !active
        ? `${decision} consent not active at this time`
        : covers
          ? `${decision} consent covers this requester and item`
          : `${decision} consent does not cover this requester and item`,
    });
    if (covers) return consent;
  }
  return undefined;
}

/** Rule: an active DENY consent covering this requester and item denies; like a blokkering, emergency access does not open it. */
export function denyingConsent(facts: PatientAccessFacts, requester: HealthWorkerRequester, item: DataItem, at: number, notes?: FactNote[]): Consent | undefined {
  return findConsent('DENY', facts, requester, item, at, notes);
}

/** An active PERMIT consent covering this requester and item: opens restricted items and sperringer. */
export function permittingConsent(
  facts: PatientAccessFacts,
  requester: HealthWorkerRequester,
  item: DataItem,
  at: number,
  notes?: FactNote[],
): Consent | undefined {
  return findConsent('PERMIT', facts, requester, item, at, notes);
}

/** What one relationship says about this request, from "not even active" to "permits". */
export type RelationshipVerdict =
  | 'NOT_ACTIVE'
  | 'OTHER_RECIPIENT'
  | 'NO_POLICY_ROW'
  | 'PURPOSE_NOT_ALLOWED'
  | 'CATEGORY_NOT_ALLOWED'
  | 'MISSION_NOT_HANDED_OVER'
  | 'PERMITS';

/** A failing verdict's rank: the denial reports the relationship that came closest. */
const VERDICT_RANK: Readonly<Record<RelationshipVerdict, number>> = {
  NOT_ACTIVE: 0,
  OTHER_RECIPIENT: 0,
  NO_POLICY_ROW: 1,
  PURPOSE_NOT_ALLOWED: 2,
  CATEGORY_NOT_ALLOWED: 3,
  MISSION_NOT_HANDED_OVER: 4,
  PERMITS: 5,
};

const VERDICT_REASON: Readonly<Record<Exclude<RelationshipVerdict, 'PERMITS'>, ReasonCode>> = {
  NOT_ACTIVE: 'DENY_NO_RELATIONSHIP',
  OTHER_RECIPIENT: 'DENY_NO_RELATIONSHIP',
  NO_POLICY_ROW: 'DENY_SERVICE_NOT_IN_POLICY',
  PURPOSE_NOT_ALLOWED: 'DENY_PURPOSE_NOT_ALLOWED',
  CATEGORY_NOT_ALLOWED: 'DENY_CATEGORY_NOT_ALLOWED',
  MISSION_NOT_HANDED_OVER: 'DENY_MISSION_NOT_HANDED_OVER',
};

/** Same legal entity; point of care, department and (personal relationship) practitioner when the relationship names them. */
export function relationshipMatchesRequester(relationship: CareRelationship, requester: HealthWorkerRequester): boolean {
  return (
    relationship.legalEntity === requester.legalEntity &&
    (relationship.pointOfCare === undefined || relationship.pointOfCare === requester.pointOfCare) &&
    (relationship.department === undefined || relationship.department === requester.department) &&
    (relationship.practitionerHpr === undefined || relationship.practitionerHpr === requester.hprNumber)
  );
}

/** The item's ambulance mission is this relationship's mission, or was handed over to the requester's unit. */
export function missionHandedOver(relationship: CareRelationship, requester: HealthWorkerRequester, item: DataItem): boolean {
  if (item.missionId !== undefined && item.missionId === relationship.missionId) return true;
  const to = item.handedOverTo;
  return (
    to !== undefined &&
    (to.orgNumber === requester.legalEntity || to.orgNumber === requester.pointOfCare) &&
    (to.reshId === undefined || to.reshId === requester.department)
  );
}

export function relationshipVerdict(
  relationship: CareRelationship,
  requester: HealthWorkerRequester,
  item: DataItem,
  at: number,
  table: PolicyTable,
): RelationshipVerdict {
  if (!relationshipActive(relationship, at)) return 'NOT_ACTIVE';
  if (!relationshipMatchesRequester(relationship, requester)) return 'OTHER_RECIPIENT';
  const row = policyRowFor(table, relationship);
  if (row === undefined) return 'NO_POLICY_ROW';
  if (!row.purposes.has(requester.purposeOfUse)) return 'PURPOSE_NOT_ALLOWED';
  if (row.categories.has(item.category)) return 'PERMITS';
  if (!row.missionCategories.has(item.category)) return 'CATEGORY_NOT_ALLOWED';
  return missionHandedOver(relationship, requester, item) ? 'PERMITS' : 'MISSION_NOT_HANDED_OVER';
}

/**
 * Rule: permit only under an active care relationship matching the requester, whose policy row
 * allows the attested purpose and the item's category. Returns the first such relationship, or
 * the best verdict among the others (the denial reason).
 */
export function careRelationshipBasis(
  facts: PatientAccessFacts,
  requester: HealthWorkerRequester,
  item: DataItem,
  at: number,
  table: PolicyTable,
  notes?: FactNote[],
): CareRelationship | Exclude<RelationshipVerdict, 'PERMITS'> {
  let best: Exclude<RelationshipVerdict, 'PERMITS'> = 'NOT_ACTIVE';
  const relationships = facts.relationships;
  for (let i = 0; i < relationships.length; i++) {
    const relationship = relationships[i];
    const verdict = relationshipVerdict(relationship, requester, item, at, table);
    notes?.push({ kind: 'relationship', id: relationship.relationshipId, verdict: describeVerdict(verdict, relationship, table) });
    if (verdict === 'PERMITS') return relationship;
    if (VERDICT_RANK[verdict] > VERDICT_RANK[best]) best = verdict;
  }
  return best;
}

/** On a denial: the first relationship with the best verdict, when it was the requester's own (for support). */
function closestRelationship(
  facts: PatientAccessFacts,
  requester: HealthWorkerRequester,
  item: DataItem,
  at: number,
  table: PolicyTable,
  best: RelationshipVerdict,
): CareRelationship | undefined {
  if (VERDICT_RANK[best] === 0) return undefined;
  for (const relationship of facts.relationships) if (relationshipVerdict(relationship, requester, item, at, table) === best) return relationship;
  return undefined;
}

export type EmergencyVerdict = 'OTHER_PRACTITIONER' | 'NOT_ACTIVE' | 'INVALID_PURPOSE' | 'NO_REASON' | 'USABLE';

const HAS_TEXT = /\S/;

export function emergencyVerdict(access: EmergencyAccess, requester: HealthWorkerRequester, at: number, table: PolicyTable): EmergencyVerdict {
  if (access.practitionerHpr !== requester.hprNumber || access.legalEntity !== requester.legalEntity) return 'OTHER_PRACTITIONER';
  if (!emergencyActive(access, at, table)) return 'NOT_ACTIVE';
  if (access.purposeOfUse !== 'BTG' && access.purposeOfUse !== 'ETREAT') return 'INVALID_PURPOSE';
  if (!HAS_TEXT.test(access.reason)) return 'NO_REASON';
  return 'USABLE';
}

/** Rule: an active emergency access of this practitioner (and legal entity) permits without a relationship, any category. */
export function emergencyBasis(
  facts: PatientAccessFacts,
  requester: HealthWorkerRequester,
  at: number,
  table: PolicyTable,
  notes?: FactNote[],
): EmergencyAccess | undefined {
  const accesses = facts.emergencyAccesses;
  for (let i = 0; i < accesses.length; i++) {
    const verdict = emergencyVerdict(accesses[i], requester, at, table);
    notes?.push({ kind: 'emergency-access', id: accesses[i].accessId, verdict: EMERGENCY_VERDICT_TEXT[verdict] });
    if (verdict === 'USABLE') return accesses[i];
  }
  return undefined;
}

/** Rule: confidentiality R or V, or restriction NORS, needs a recorded PERMIT consent. */
export function isRestricted(item: DataItem): boolean {
  return item.confidentiality === 'R' || item.confidentiality === 'V' || item.restriction === 'NORS';
}

/**
 * Does this active sperring close this item to this requester? A sperring whose target is missing
 * (no scope, an empty list) closes everything: fail closed. The reducer never builds one.
 */
export function sperringApplies(block: Block, requester: HealthWorkerRequester, item: DataItem): boolean {
  switch (block.sperringScope) {
    case 'CATEGORY':
      return block.dataCategories.length === 0 || block.dataCategories.includes(item.category);
    case 'DOCUMENT':
      return block.documentIds.length === 0 || (item.documentId !== undefined && block.documentIds.includes(item.documentId));
    case 'ORGANISATION':
      return block.organisation === undefined || block.organisation === requester.legalEntity || block.organisation === requester.pointOfCare;
    case 'TIME_WINDOW':
      return block.timeWindow === undefined || within(block.timeWindow.start, block.timeWindow.end, item.occurredAt.getTime());
    default:
      return true;
  }
}

/** An emergency access of this practitioner that names this sperring. An empty overriddenBlockIds opens none. */
export function emergencyOpening(
  facts: PatientAccessFacts,
  requester: HealthWorkerRequester,
  blockId: string,
  at: number,
  table: PolicyTable,
): EmergencyAccess | undefined {
  const accesses = facts.emergencyAccesses;
  for (let i = 0; i < accesses.length; i++) {
    const access = accesses[i];
    if (access.overriddenBlockIds.includes(blockId) && emergencyVerdict(access, requester, at, table) === 'USABLE') return access;
  }
  return undefined;
}

export type SperringOutcome =
  | { readonly open: false; readonly block: Block }
  | { readonly open: true; readonly block: Block; readonly consent?: Consent; readonly emergency?: EmergencyAccess };

/**
 * Rule: every active sperring that applies must be opened, by a PERMIT consent covering the
 * requester and item (which opens them all) or by an emergency access of this practitioner naming
 * it. Undefined when no sperring applies; otherwise the first closed one, or the first opened one
 * with what opened it.
 */
export function sperringCheck(
  facts: PatientAccessFacts,
  requester: HealthWorkerRequester,
  item: DataItem,
  at: number,
  table: PolicyTable,
  notes?: FactNote[],
): SperringOutcome | undefined {
  let first: Block | undefined;
  let consent: Consent | undefined;
  let emergency: EmergencyAccess | undefined;
  const blocks = facts.blocks;
  for (let i = 0; i < blocks.length; i++) {
    const block = blocks[i];
    if (block.kind !== 'SPERRING') continue;
    if (!blockActive(block, at)) {
      notes?.push({ kind: 'block', id: block.blockId, verdict: 'sperring not active at this time' });
      continue;
    }
    if (!sperringApplies(block, requester, item)) {
      notes?.push({ kind: 'block', id: block.blockId, verdict: `${block.sperringScope} sperring does not apply to this item` });
      continue;
    }
    if (first === undefined) {
      first = block;
      consent = permittingConsent(facts, requester, item, at, notes);
    }
    if (consent !== undefined) {
      notes?.push({ kind: 'block', id: block.blockId, verdict: `${block.sperringScope} sperring applies; opened by consent ${consent.consentId}` });
      continue;
    }
    const opening = emergencyOpening(facts, requester, block.blockId, at, table);
    if (opening === undefined) {
      notes?.push({ kind: 'block', id: block.blockId, verdict: `${block.sperringScope} sperring applies; no consent or emergency access opens it` });
      return { open: false, block };
    }
    notes?.push({ kind: 'block', id: block.blockId, verdict: `${block.sperringScope} sperring applies; opened by emergency access ${opening.accessId}` });
    emergency ??= opening;
  }
  if (first === undefined) return undefined;
  return consent !== undefined ? { open: true, block: first, consent } : { open: true, block: first, emergency };
}

// ---------------------------------------------------------------------------------------------
// Rules: citizens

/** Rule: delayed release. Hidden while releaseToCitizenAt > at; NORU without a release time hides until a later version releases it. */
export function citizenWithheld(item: DataItem, at: number): { until?: Date } | undefined {
  const release = item.releaseToCitizenAt;
  if (release !== undefined) return release.getTime() > at ? { until: release } : undefined;
  return item.restriction === 'NORU' ? {} : undefined;
}

// ---------------------------------------------------------------------------------------------
// The engine

/** Decides whether `requester` may see `item` of the patient described by `facts`, at time `at`. */
export function decide(facts: PatientAccessFacts, requester: Requester, item: DataItem, at: Date, table: PolicyTable): Decision {
  return evaluate(facts, requester, item, at, table, undefined);
}

/** decide, reporting each rule to `trace`. explain() is the public way in. */
export function evaluate(facts: PatientAccessFacts, requester: Requester, item: DataItem, at: Date, table: PolicyTable, trace: Tracer | undefined): Decision {
  switch (requester?.kind) {
    case 'health-worker':
      trace?.step('requester-kind', 'PASS', 'health worker', NO_NOTES);
      return evaluateHealthWorker(facts, requester, item, at.getTime(), table, trace);
    case 'citizen':
      trace?.step('requester-kind', 'PASS', 'citizen', NO_NOTES);
      return evaluateCitizen(requester, item, at.getTime(), table, trace);
    case 'system':
      // Projectors decide per recipient through the recipient's relationships; a system itself sees nothing.
      trace?.step('requester-kind', 'DENY', `system client ${requester.clientId}: systems are never recipients`, NO_NOTES, 'DENY_SYSTEM_REQUESTER');
      return bare('DENY_SYSTEM_REQUESTER');
    default:
      trace?.step('requester-kind', 'DENY', 'unknown requester kind: deny by default', NO_NOTES, 'DENY_DEFAULT');
      return bare('DENY_DEFAULT');
  }
}

function evaluateHealthWorker(
  facts: PatientAccessFacts,
  requester: HealthWorkerRequester,
  item: DataItem,
  at: number,
  table: PolicyTable,
  trace: Tracer | undefined,
): Decision {
  if (securityLevelTooLow(requester.securityLevel, table)) {
    trace?.step('security-level', 'DENY', `level ${requester.securityLevel} < ${table.requiredSecurityLevel}`, NO_NOTES, 'DENY_SECURITY_LEVEL');
    return bare('DENY_SECURITY_LEVEL');
  }
  trace?.step('security-level', 'PASS', `level ${requester.securityLevel} ≥ ${table.requiredSecurityLevel}`, NO_NOTES);

  const attestation = attestationProblem(requester, at, table);
  trace?.step('attestation', attestation ? 'DENY' : 'PASS', describeAttestation(requester, at, table), NO_NOTES, attestation);
  if (attestation !== undefined) return bare(attestation);

  let notes = notesFor(trace);
  const reservasjon = activeReservasjon(facts, at, notes);
  trace?.step(
    'reservasjon',
    reservasjon ? 'DENY' : 'PASS',
    reservasjon ? 'the patient has reserved against all sharing' : 'no active reservasjon',
    notes ?? NO_NOTES,
    reservasjon && 'DENY_RESERVASJON',
  );
  if (reservasjon !== undefined) return deny('DENY_RESERVASJON', factsOf(undefined, undefined, undefined, reservasjon));

  notes = notesFor(trace);
  const blokkering = activeBlokkering(facts, requester.hprNumber, at, notes);
  trace?.step(
    'blokkering',
    blokkering ? 'DENY' : 'PASS',
    blokkering ? `HPR ${requester.hprNumber} is blocked by the patient` : `no active blokkering of HPR ${requester.hprNumber}`,
    notes ?? NO_NOTES,
    blokkering && 'DENY_BLOKKERING',
  );
  if (blokkering !== undefined) return deny('DENY_BLOKKERING', factsOf(undefined, undefined, undefined, blokkering));

  notes = notesFor(trace);
  const refusal = denyingConsent(facts, requester, item, at, notes);
  trace?.step(
    'consent-denied',
    refusal ? 'DENY' : 'PASS',
    refusal ? 'the patient refused consent for this requester and item' : 'no active DENY consent covers this request',
    notes ?? NO_NOTES,
    refusal && 'DENY_CONSENT_DENIED',
  );
  if (refusal !== undefined) return deny('DENY_CONSENT_DENIED', factsOf(undefined, refusal));

  notes = notesFor(trace);
  const basis = careRelationshipBasis(facts, requester, item, at, table, notes);
  let relationship: CareRelationship | undefined;
  let emergencyBasisAccess: EmergencyAccess | undefined;
  if (typeof basis !== 'string') {
    relationship = basis;
    trace?.step(
      'care-relationship',
      'FOUND',
      `relationship ${basis.relationshipId} (${basis.basis}, ${basis.healthcareService.code}) allows ${item.category} for ${requester.purposeOfUse}`,
      notes ?? NO_NOTES,
      'PERMIT_CARE_RELATIONSHIP',
    );
  } else {
    trace?.step('care-relationship', 'NONE', `no relationship permits: ${VERDICT_TEXT[basis]}`, notes ?? NO_NOTES, VERDICT_REASON[basis]);
    notes = notesFor(trace);
    emergencyBasisAccess = emergencyBasis(facts, requester, at, table, notes);
    trace?.step(
      'emergency-access',
      emergencyBasisAccess ? 'FOUND' : 'NONE',
      emergencyBasisAccess
        ? `emergency access ${emergencyBasisAccess.accessId} (${emergencyBasisAccess.purposeOfUse}): ${emergencyBasisAccess.reason}`
        : 'no active emergency access of this practitioner',
      notes ?? NO_NOTES,
      emergencyBasisAccess && 'PERMIT_EMERGENCY_ACCESS',
    );
    if (emergencyBasisAccess === undefined) {
      return deny(VERDICT_REASON[basis], factsOf(closestRelationship(facts, requester, item, at, table, basis)));
    }
  }

  let consent: Consent | undefined;
  if (isRestricted(item)) {
    notes = notesFor(trace);
    consent = permittingConsent(facts, requester, item, at, notes);
    trace?.step(
      'restricted-confidentiality',
      consent ? 'PASS' : 'DENY',
      `${describeRestriction(item)}: ${consent ? `consent ${consent.consentId} covers it` : 'no PERMIT consent covers it'}`,
      notes ?? NO_NOTES,
      consent ? undefined : 'DENY_RESTRICTED_WITHOUT_CONSENT',
    );
    if (consent === undefined) return deny('DENY_RESTRICTED_WITHOUT_CONSENT', factsOf(relationship, undefined, emergencyBasisAccess));
  } else {
    trace?.step('restricted-confidentiality', 'PASS', 'confidentiality N, not NORS: no consent needed', NO_NOTES);
  }

  notes = notesFor(trace);
  const sperring = sperringCheck(facts, requester, item, at, table, notes);
  if (sperring !== undefined && !sperring.open) {
    trace?.step('sperring', 'DENY', `sperring ${sperring.block.blockId} closes this item`, notes ?? NO_NOTES, 'DENY_SPERRING');
    return deny('DENY_SPERRING', factsOf(relationship, consent, emergencyBasisAccess, sperring.block));
  }
  trace?.step(
    'sperring',
    'PASS',
    sperring ? `sperring ${sperring.block.blockId} applies and is opened (${sperring.consent ? 'consent' : 'emergency access'})` : 'no active sperring applies',
    notes ?? NO_NOTES,
    sperring && (sperring.emergency ? 'PERMIT_SPERRING_OPENED_BY_EMERGENCY' : 'PERMIT_SPERRING_OPENED_BY_CONSENT'),
  );

  const emergency = sperring?.emergency ?? emergencyBasisAccess;
  const reason: ReasonCode = sperring
    ? sperring.emergency
      ? 'PERMIT_SPERRING_OPENED_BY_EMERGENCY'
      : 'PERMIT_SPERRING_OPENED_BY_CONSENT'
    : relationship
      ? 'PERMIT_CARE_RELATIONSHIP'
      : 'PERMIT_EMERGENCY_ACCESS';
  const usedEmergency = emergency !== undefined;
  return {
    effect: 'PERMIT',
    reason,
    facts: factsOf(relationship, consent ?? sperring?.consent, emergency, sperring?.block),
    flags: { emergency: usedEmergency, sperringOverride: sperring !== undefined, reviewRequired: usedEmergency },
  };
}

function evaluateCitizen(requester: CitizenRequester, item: DataItem, at: number, table: PolicyTable, trace: Tracer | undefined): Decision {
  if (securityLevelTooLow(requester.securityLevel, table)) {
    trace?.step('security-level', 'DENY', `level ${requester.securityLevel} < ${table.requiredSecurityLevel}`, NO_NOTES, 'DENY_SECURITY_LEVEL');
    return bare('DENY_SECURITY_LEVEL');
  }
  trace?.step('security-level', 'PASS', `level ${requester.securityLevel} ≥ ${table.requiredSecurityLevel}`, NO_NOTES);
  if (!requester.isPatient) {
    trace?.step('citizen-is-patient', 'DENY', 'a citizen sees only their own data (proxies are not modelled)', NO_NOTES, 'DENY_CITIZEN_NOT_PATIENT');
    return bare('DENY_CITIZEN_NOT_PATIENT');
  }
  trace?.step('citizen-is-patient', 'PASS', 'the citizen is the patient; blocks and relationships do not apply to their own view', NO_NOTES);
  const withheld = citizenWithheld(item, at);
  if (withheld !== undefined) {
    trace?.step('citizen-release', 'DENY', withheld.until ? `withheld until ${withheld.until.toISOString()}` : 'NORU: withheld until released', NO_NOTES, 'DENY_NOT_RELEASED_TO_CITIZEN');
    const flags: DecisionFlags = withheld.until ? { ...NO_FLAGS, hiddenFromCitizenUntil: withheld.until } : NO_FLAGS;
    return { effect: 'DENY', reason: 'DENY_NOT_RELEASED_TO_CITIZEN', facts: NO_FACTS, flags };
  }
  trace?.step('citizen-release', 'PERMIT', 'released to the citizen', NO_NOTES, 'PERMIT_CITIZEN_OWN_DATA');
  return PERMIT_OWN_DATA;
}

const PERMIT_OWN_DATA: Decision = Object.freeze({ effect: 'PERMIT', reason: 'PERMIT_CITIZEN_OWN_DATA', facts: NO_FACTS, flags: NO_FLAGS });

// ---------------------------------------------------------------------------------------------
// Words for explanations (only reached with a tracer)

const VERDICT_TEXT: Readonly<Record<RelationshipVerdict, string>> = {
  NOT_ACTIVE: 'not active at this time',
  OTHER_RECIPIENT: 'with another recipient (legal entity, point of care, department or named practitioner differ)',
  NO_POLICY_ROW: 'its healthcare service and basis have no row in the policy table',
  PURPOSE_NOT_ALLOWED: 'its policy row does not allow the attested purpose of use',
  CATEGORY_NOT_ALLOWED: "its policy row does not allow the item's category",
  MISSION_NOT_HANDED_OVER: 'the ambulance mission was neither this relationship\'s nor handed over to this unit',
  PERMITS: 'permits',
};

const EMERGENCY_VERDICT_TEXT: Readonly<Record<EmergencyVerdict, string>> = {
  OTHER_PRACTITIONER: 'invoked by another practitioner or legal entity',
  NOT_ACTIVE: 'not active at this time (or beyond the policy cap)',
  INVALID_PURPOSE: 'purpose is not BTG or ETREAT',
  NO_REASON: 'gives no reason',
  USABLE: 'active, this practitioner',
};

function describeVerdict(verdict: RelationshipVerdict, relationship: CareRelationship, table: PolicyTable): string {
  const row = verdict === 'NOT_ACTIVE' || verdict === 'OTHER_RECIPIENT' || verdict === 'NO_POLICY_ROW' ? undefined : policyRowFor(table, relationship);
  return row ? `${VERDICT_TEXT[verdict]} (row ${row.id})` : VERDICT_TEXT[verdict];
}

function describeAttestation(requester: HealthWorkerRequester, at: number, table: PolicyTable): string {
  const ageSeconds = Math.round((at - requester.attestedAt.getTime()) / 1000);
  return `attested ${requester.attestedAt.toISOString()}, ${ageSeconds} s before the decision (max ${table.attestationMaxAgeMs / 60_000} min, skew ${table.attestationClockSkewMs / 1000} s)`;
}

function describeRestriction(item: DataItem): string {
  return `confidentiality ${item.confidentiality}${item.restriction ? `, ${item.restriction}` : ''}`;
}
