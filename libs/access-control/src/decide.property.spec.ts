import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { decide, type Decision } from './decide';
import { explain } from './explain';
import type { Block, CareRelationship, Consent, ConsentProvision, EmergencyAccess, PatientAccessFacts } from './facts';
import { compilePolicyTable, defaultPolicyTable, defaultPolicyTablePath, type PolicyDocument, type PolicyTable } from './policy-table';
import { REASON_CODES, type ReasonCode } from './reasons';
import type { DataItem, HealthWorkerRequester, Requester } from './request';
import { CARE_RELATIONSHIP_BASES, DATA_CATEGORIES } from './vocabulary';

/*
 * Random histories against an oracle: a second implementation of the rules, written plainly and
 * differently (filters and sets over the whole history, the policy table read from its document),
 * sharing no code with decide. They must agree on every field of every decision. Then invariants
 * that must hold whatever the rules' details: blokkering and reservasjon always deny, nothing is
 * permitted without a relationship or an emergency access, an opened sperring is always flagged.
 */

// ---------------------------------------------------------------------------------------------
// The oracle

const MINUTE = 60_000;

function oracle(facts: PatientAccessFacts, requester: Requester, item: DataItem, at: Date, table: PolicyTable): Decision {
  const doc = table.document;
  const now = at.getTime();
  const noFlags = { emergency: false, sperringOverride: false, reviewRequired: false };
  const denial = (reason: ReasonCode, ids: Decision['facts'] = {}): Decision => ({ effect: 'DENY', reason, facts: ids, flags: noFlags });

  if (requester.kind === 'system') return denial('DENY_SYSTEM_REQUESTER');
  if (requester.kind === 'citizen') {
    if (requester.securityLevel < doc.limits.requiredSecurityLevel) return denial('DENY_SECURITY_LEVEL');
    if (!requester.isPatient) return denial('DENY_CITIZEN_NOT_PATIENT');
    const release = item.releaseToCitizenAt?.getTime();
    if (release !== undefined && release > now) {
      return { effect: 'DENY', reason: 'DENY_NOT_RELEASED_TO_CITIZEN', facts: {}, flags: { ...noFlags, hiddenFromCitizenUntil: item.releaseToCitizenAt } };
    }
    if (release === undefined && item.restriction === 'NORU') return denial('DENY_NOT_RELEASED_TO_CITIZEN');
    return { effect: 'PERMIT', reason: 'PERMIT_CITIZEN_OWN_DATA', facts: {}, flags: noFlags };
  }
  if (requester.kind !== 'health-worker') return denial('DENY_DEFAULT');
  const me = requester;

  if (me.securityLevel < doc.limits.requiredSecurityLevel) return denial('DENY_SECURITY_LEVEL');
  const attestedAt = me.attestedAt.getTime();
  if (attestedAt - now > doc.limits.attestationClockSkewSeconds * 1000) return denial('DENY_ATTESTATION_IN_FUTURE');
  if (now - attestedAt >= doc.limits.attestationMaxAgeMinutes * MINUTE) return denial('DENY_ATTESTATION_EXPIRED');

  const inForce = (start: Date, ...ends: (Date | undefined)[]) => start.getTime() <= now && ends.every((end) => end === undefined || now < end.getTime());
  const activeBlocks = facts.blocks.filter((b) => inForce(b.effectiveFrom, b.liftedAt));

  const reservasjon = activeBlocks.find((b) => b.kind === 'RESERVASJON');
  if (reservasjon) return denial('DENY_RESERVASJON', { blockId: reservasjon.blockId });
  const blokkering = activeBlocks.find((b) => b.kind === 'BLOKKERING' && b.blockedPractitionerHpr === me.hprNumber);
  if (blokkering) return denial('DENY_BLOKKERING', { blockId: blokkering.blockId });

  const myOrgNumbers = new Set([me.legalEntity, me.pointOfCare].filter((x): x is string => x !== undefined));
  const provisionNamesMe = (p: ConsentProvision) =>
    (p.actorOrgNumber === undefined || myOrgNumbers.has(p.actorOrgNumber)) &&
    (p.actorReshId === undefined || p.actorReshId === me.department) &&
    (p.actorHprNumber === undefined || p.actorHprNumber === me.hprNumber) &&
    (p.purposes.length === 0 || p.purposes.includes(me.purposeOfUse)) &&
    (p.dataCategories.length === 0 || p.dataCategories.includes(item.category)) &&
    (p.documentIds.length === 0 || (item.documentId !== undefined && p.documentIds.includes(item.documentId)));
  const consentsInForce = facts.consents.filter((c) => inForce(c.period.start, c.period.end, c.withdrawnAt) && c.provisions.some(provisionNamesMe));
  const refusals = consentsInForce.filter((c) => c.decision === 'DENY');
  const permissions = consentsInForce.filter((c) => c.decision === 'PERMIT');
  if (refusals.length > 0) return denial('DENY_CONSENT_DENIED', { consentId: refusals[0].consentId });

  // How far each relationship gets: 0 not mine or not active, 1 no row, 2 purpose, 3 category, 4 mission, 5 permits.
  const levels = facts.relationships.map((r) => relationshipLevel(r, me, item, now, doc));
  const permitting = facts.relationships.filter((_, i) => levels[i] === 5);
  const usableEmergencies = facts.emergencyAccesses.filter(
    (e) =>
      e.practitionerHpr === me.hprNumber &&
      e.legalEntity === me.legalEntity &&
      e.invokedAt.getTime() <= now &&
      now < e.expiresAt.getTime() &&
      now - e.invokedAt.getTime() < doc.limits.emergencyAccessMaxMinutes * MINUTE &&
      (e.purposeOfUse === 'BTG' || e.purposeOfUse === 'ETREAT') &&
      e.reason.trim().length > 0,
  );

  const relationship = permitting[0];
  const basisEmergency = relationship ? undefined : usableEmergencies[0];
  if (!relationship && !basisEmergency) {
    const best = Math.max(0, ...levels);
    const reasons: Record<number, ReasonCode> = {
      0: 'DENY_NO_RELATIONSHIP',
      1: 'DENY_SERVICE_NOT_IN_POLICY',
      2: 'DENY_PURPOSE_NOT_ALLOWED',
      3: 'DENY_CATEGORY_NOT_ALLOWED',
      4: 'DENY_MISSION_NOT_HANDED_OVER',
    };
    const closest = best > 0 ? facts.relationships[levels.indexOf(best)] : undefined;
    return denial(reasons[best], closest ? { relationshipId: closest.relationshipId } : {});
  }
  const basisIds: Decision['facts'] = relationship ? { relationshipId: relationship.relationshipId } : { emergencyAccessId: basisEmergency!.accessId };

  const restricted = ['R', 'V'].includes(item.confidentiality) || item.restriction === 'NORS';
  if (restricted && permissions.length === 0) return denial('DENY_RESTRICTED_WITHOUT_CONSENT', basisIds);

  const closing = activeBlocks.filter((b) => b.kind === 'SPERRING' && sperringCloses(b, me, item));
  if (closing.length === 0) {
    const emergency = basisEmergency !== undefined;
    return {
      effect: 'PERMIT',
      reason: relationship ? 'PERMIT_CARE_RELATIONSHIP' : 'PERMIT_EMERGENCY_ACCESS',
      facts: { ...basisIds, ...(restricted ? { consentId: permissions[0].consentId } : {}) },
      flags: { emergency, sperringOverride: false, reviewRequired: emergency },
    };
  }
  if (permissions.length > 0) {
    const emergency = basisEmergency !== undefined;
    return {
      effect: 'PERMIT',
      reason: 'PERMIT_SPERRING_OPENED_BY_CONSENT',
      facts: { ...basisIds, consentId: permissions[0].consentId, blockId: closing[0].blockId },
      flags: { emergency, sperringOverride: true, reviewRequired: emergency },
    };
  }
  const openers = closing.map((s) => usableEmergencies.find((e) => e.overriddenBlockIds.includes(s.blockId)));
  const stillClosed = closing.find((_, i) => openers[i] === undefined);
  if (stillClosed) return denial('DENY_SPERRING', { ...basisIds, blockId: stillClosed.blockId });
  return {
    effect: 'PERMIT',
    reason: 'PERMIT_SPERRING_OPENED_BY_EMERGENCY',
    facts: { ...basisIds, emergencyAccessId: openers[0]!.accessId, blockId: closing[0].blockId },
    flags: { emergency: true, sperringOverride: true, reviewRequired: true },
  };
}

function relationshipLevel(r: CareRelationship, me: HealthWorkerRequester, item: DataItem, now: number, doc: PolicyDocument): number {
  const active = r.validFrom.getTime() <= now && [r.validTo, r.endedAt].every((end) => !end || now < end.getTime());
  const mine =
    r.legalEntity === me.legalEntity &&
    [
      [r.pointOfCare, me.pointOfCare],
      [r.department, me.department],
      [r.practitionerHpr, me.hprNumber],
    ].every(([required, actual]) => required === undefined || required === actual);
  if (!active || !mine) return 0;
  const row = rowFromDocument(doc, r);
  if (!row) return 1;
  if (!(row.purposes as string[]).includes(me.purposeOfUse)) return 2;
  const handedOver =
    (item.missionId !== undefined && item.missionId === r.missionId) ||
    (item.handedOverTo !== undefined &&
      [me.legalEntity, me.pointOfCare].includes(item.handedOverTo.orgNumber) &&
      (item.handedOverTo.reshId === undefined || item.handedOverTo.reshId === me.department));
  const allowed = new Set([...row.categories, ...(handedOver ? row.missionCategories : [])]);
  if (allowed.has(item.category)) return 5;
  return row.missionCategories.includes(item.category) ? 4 : 3;
}

function rowFromDocument(doc: PolicyDocument, r: CareRelationship) {
  const strip = (system: string) => system.replace(/^urn:oid:/, '');
  const { system, code } = r.healthcareService;
  return doc.rows.find(
    (row) =>
      (row.match.bases === undefined || row.match.bases.includes(r.basis)) &&
      (row.match.services === undefined ||
        row.match.services.some(
          (s) => strip(s.system) === strip(system) && s.codes.some((c) => c === '*' || c === code || (c.endsWith('*') && code.startsWith(c.slice(0, -1)))),
        )),
  );
}

function sperringCloses(b: Block, me: HealthWorkerRequester, item: DataItem): boolean {
  if (b.sperringScope === 'CATEGORY' && b.dataCategories.length > 0) return b.dataCategories.includes(item.category);
  if (b.sperringScope === 'DOCUMENT' && b.documentIds.length > 0) return item.documentId !== undefined && b.documentIds.includes(item.documentId);
  if (b.sperringScope === 'ORGANISATION' && b.organisation !== undefined) return b.organisation === me.legalEntity || b.organisation === me.pointOfCare;
  if (b.sperringScope === 'TIME_WINDOW' && b.timeWindow !== undefined) {
    const t = item.occurredAt.getTime();
    return b.timeWindow.start.getTime() <= t && (b.timeWindow.end === undefined || t < b.timeWindow.end.getTime());
  }
  return true; // ALL, or a sperring missing its target: closes everything
}

// ---------------------------------------------------------------------------------------------
// Generators: a small world, so that histories collide often

const T0 = Date.UTC(2026, 10, 20, 8, 0, 0);
const ORGS = ['100000001', '100000002'];
const POINTS_OF_CARE = ['200000001', '200000002'];
const DEPARTMENTS = ['3001', '3002'];
const HPRS = ['11', '12', '13'];
const MISSIONS = ['m1', 'm2'];
const DOCUMENTS = ['d1', 'd2'];
const BLOCK_IDS = ['b0', 'b1', 'b2', 'b3'];
const SERVICES = [
  { system: 'urn:oid:2.16.578.1.12.4.1.1.8655', code: 'S03' },
  { system: '2.16.578.1.12.4.1.1.8655', code: 'S0301' },
  { system: 'urn:oid:2.16.578.1.12.4.1.1.8655', code: 'PV01' },
  { system: 'urn:oid:2.16.578.1.12.4.1.1.8663', code: 'KP02' },
  { system: 'urn:oid:2.16.578.1.12.4.1.1.8663', code: 'KP01' },
  { system: 'urn:oid:2.16.578.1.12.4.1.1.8663', code: 'KA02' },
  { system: 'urn:oid:2.16.578.1.12.4.1.1.8663', code: 'KP03' },
  { system: 'urn:oid:2.16.578.1.12.4.1.1.8451', code: 'X1' },
  { system: 'urn:oid:9.9.9', code: 'AMB' },
];

const opt = <T>(arb: fc.Arbitrary<T>, freq = 2) => fc.option(arb, { nil: undefined, freq });
/** Mostly absent (an open end, no lift): present one time in `oneIn`. */
const rarely = <T>(arb: fc.Arbitrary<T>, oneIn = 4) => fc.oneof({ arbitrary: fc.constant(undefined), weight: oneIn - 1 }, { arbitrary: arb, weight: 1 });
/** Times on a 10-minute grid over 2 hours: boundaries (at == validTo, ...) come up often. */
const time = fc.integer({ min: 0, max: 12 }).map((k) => new Date(T0 + k * 10 * MINUTE));
/** Starts lean early in the grid, so that most facts are in force at a random `at`. */
const start = fc.constantFrom(0, 0, 0, 0, 1, 2, 3, 4, 6, 9, 12).map((k) => new Date(T0 + k * 10 * MINUTE));
const org = fc.constantFrom(...ORGS);
const orgOrPoc = fc.constantFrom(...ORGS, ...POINTS_OF_CARE);
const category = fc.constantFrom(...DATA_CATEGORIES, 'AMBULANCE', 'LAB', 'MEDICATION');

const relationshipArb = fc.record({
  legalEntity: org,
  pointOfCare: opt(fc.constantFrom(...POINTS_OF_CARE)),
  department: opt(fc.constantFrom(...DEPARTMENTS)),
  practitionerHpr: rarely(fc.constantFrom(...HPRS), 3),
  healthcareService: fc.constantFrom(...SERVICES),
  purposeOfUse: fc.constantFrom('TREAT', 'ETREAT', 'COC') as fc.Arbitrary<CareRelationship['purposeOfUse']>,
  decisionRef: fc.constant('decision'),
  basis: fc.constantFrom(...CARE_RELATIONSHIP_BASES, 'EMERGENCY_CLINIC', 'ADMISSION'),
  missionId: opt(fc.constantFrom(...MISSIONS)),
  validFrom: start,
  validTo: rarely(time, 3),
  endedAt: rarely(time, 4),
});

const provisionArb: fc.Arbitrary<ConsentProvision> = fc.record({
  actorOrgNumber: rarely(orgOrPoc, 2),
  actorReshId: rarely(fc.constantFrom(...DEPARTMENTS)),
  actorHprNumber: rarely(fc.constantFrom(...HPRS)),
  purposes: fc.oneof({ arbitrary: fc.constant([]), weight: 2 }, { arbitrary: fc.subarray(['TREAT', 'ETREAT', 'COC', 'BTG'] as const), weight: 1 }),
  dataCategories: fc.oneof({ arbitrary: fc.constant([]), weight: 2 }, { arbitrary: fc.subarray(['LAB', 'DOCUMENTS', 'MEDICATION', 'CRITICAL_INFO'] as const, { maxLength: 2 }), weight: 1 }),
  documentIds: fc.oneof({ arbitrary: fc.constant([]), weight: 3 }, { arbitrary: fc.subarray(DOCUMENTS, { maxLength: 1 }), weight: 1 }),
});

const consentArb = fc.record({
  decision: fc.constantFrom('PERMIT', 'PERMIT', 'PERMIT', 'DENY') as fc.Arbitrary<Consent['decision']>,
  provisions: fc.array(provisionArb, { minLength: 1, maxLength: 2 }),
  period: fc.record({ start, end: rarely(time, 3) }),
  withdrawnAt: rarely(time, 4),
});

const blockArb = fc.record({
  kind: fc.constantFrom('RESERVASJON', 'SPERRING', 'SPERRING', 'SPERRING', 'SPERRING', 'SPERRING', 'BLOKKERING', 'BLOKKERING') as fc.Arbitrary<Block['kind']>,
  sperringScope: opt(fc.constantFrom('ALL', 'ALL', 'CATEGORY', 'DOCUMENT', 'ORGANISATION', 'TIME_WINDOW') as fc.Arbitrary<NonNullable<Block['sperringScope']>>, 10),
  dataCategories: fc.subarray([...DATA_CATEGORIES], { maxLength: 3 }),
  documentIds: fc.subarray(DOCUMENTS),
  organisation: opt(orgOrPoc, 10),
  timeWindow: opt(fc.record({ start: time, end: opt(time) }), 10),
  blockedPractitionerHpr: fc.constantFrom(...HPRS),
  effectiveFrom: start,
  liftedAt: rarely(time, 3),
});

const emergencyArb = fc.record({
  practitionerHpr: fc.constantFrom(...HPRS),
  legalEntity: org,
  purposeOfUse: fc.constantFrom('BTG', 'BTG', 'BTG', 'ETREAT', 'ETREAT', 'TREAT') as fc.Arbitrary<EmergencyAccess['purposeOfUse']>,
  reason: fc.constantFrom('Bevisstløs pasient', 'Bevisstløs pasient', 'Akutt', 'Akutt', '', '  '),
  invokedAt: start,
  /** Relative to invokedAt: sometimes empty or negative, sometimes past the tight table's 30-minute cap. */
  duration: fc.constantFrom(-1, 0, 1, 3, 6, 12, 12, 12),
  overriddenBlockIds: fc.oneof({ arbitrary: fc.constant([]), weight: 1 }, { arbitrary: fc.subarray(BLOCK_IDS, { minLength: 1 }), weight: 2 }),
  /** Often invoked inside a unit that also has a relationship (index into the relationships). */
  unitOf: opt(fc.nat(3), 3),
});

const factsArb: fc.Arbitrary<PatientAccessFacts> = fc
  .record({
    relationships: fc.array(relationshipArb, { maxLength: 4 }),
    consents: fc.array(consentArb, { maxLength: 3 }),
    blocks: fc.array(blockArb, { maxLength: 3 }),
    emergencyAccesses: fc.array(emergencyArb, { maxLength: 2 }),
  })
  .map((f) => ({
    relationships: f.relationships.map((r, i) => ({ ...r, relationshipId: `r${i}` })),
    consents: f.consents.map((c, i) => ({ ...c, consentId: `c${i}` })),
    blocks: f.blocks.map((b, i) => ({ ...b, blockId: BLOCK_IDS[i] })),
    emergencyAccesses: f.emergencyAccesses.map(({ duration, unitOf, ...e }, i) => ({
      ...e,
      legalEntity: unitOf !== undefined && f.relationships.length > 0 ? f.relationships[unitOf % f.relationships.length].legalEntity : e.legalEntity,
      accessId: `e${i}`,
      expiresAt: new Date(e.invokedAt.getTime() + duration * 10 * MINUTE),
    })),
  }));

/** Attestation ages around the limits of both tables (60 s skew, 20 and 60 minutes); mostly a fresh one. */
const BOUNDARY_AGES = [-61_000, -60_000, -1, 0, 20 * MINUTE - 1, 20 * MINUTE, 60 * MINUTE - 1, 60 * MINUTE, 61 * MINUTE];
const attestationAge = fc.oneof({ arbitrary: fc.constantFrom(MINUTE, 5 * MINUTE), weight: 6 }, { arbitrary: fc.constantFrom(...BOUNDARY_AGES), weight: 1 });
const purpose = fc.constantFrom('TREAT', 'TREAT', 'ETREAT', 'ETREAT', 'COC', 'BTG') as fc.Arbitrary<HealthWorkerRequester['purposeOfUse']>;
const securityLevel = fc.oneof({ arbitrary: fc.constant(4), weight: 19 }, { arbitrary: fc.constantFrom(1, 3), weight: 1 });

interface GeneratedHealthWorker extends Omit<HealthWorkerRequester, 'attestedAt'> {
  attestationAge: number;
}

const randomHealthWorker: fc.Arbitrary<GeneratedHealthWorker> = fc.record({
  kind: fc.constant('health-worker' as const),
  hprNumber: fc.constantFrom(...HPRS),
  legalEntity: org,
  pointOfCare: opt(fc.constantFrom(...POINTS_OF_CARE), 3),
  department: opt(fc.constantFrom(...DEPARTMENTS), 3),
  purposeOfUse: purpose,
  healthcareService: fc.constantFrom(...SERVICES),
  decisionRef: fc.constant('decision'),
  attestationAge,
  securityLevel,
});

/** A health worker of the unit (and practitioner) a relationship or an emergency access names, so deep rules are reached. */
function anchoredHealthWorker(facts: PatientAccessFacts): fc.Arbitrary<GeneratedHealthWorker> {
  const anchors: { legalEntity: string; pointOfCare?: string; department?: string; hpr?: string }[] = [
    ...facts.relationships.map((r) => ({ legalEntity: r.legalEntity, pointOfCare: r.pointOfCare, department: r.department, hpr: r.practitionerHpr })),
    ...facts.emergencyAccesses.map((e) => ({ legalEntity: e.legalEntity, hpr: e.practitionerHpr })),
  ];
  if (anchors.length === 0) return randomHealthWorker;
  return fc.tuple(fc.constantFrom(...anchors), randomHealthWorker, fc.boolean()).map(([anchor, random, likeAnEmergency]) => {
    // Half the time, the practitioner who invoked an emergency access in this unit (if any).
    const invoker = likeAnEmergency ? facts.emergencyAccesses.find((e) => e.legalEntity === anchor.legalEntity)?.practitionerHpr : undefined;
    return {
      ...random,
      legalEntity: anchor.legalEntity,
      pointOfCare: anchor.pointOfCare ?? random.pointOfCare,
      department: anchor.department ?? random.department,
      hprNumber: anchor.hpr ?? invoker ?? random.hprNumber,
    };
  });
}

const requesterFor = (facts: PatientAccessFacts) =>
  fc.oneof(
    { arbitrary: anchoredHealthWorker(facts) as fc.Arbitrary<GeneratedHealthWorker | Requester | { kind: 'robot' }>, weight: 30 },
    { arbitrary: randomHealthWorker, weight: 10 },
    { arbitrary: fc.record({ kind: fc.constant('citizen' as const), isPatient: fc.boolean(), securityLevel }), weight: 4 },
    { arbitrary: fc.record({ kind: fc.constant('system' as const), clientId: fc.constant('client'), legalEntity: opt(org) }), weight: 1 },
    { arbitrary: fc.constant({ kind: 'robot' as const }), weight: 1 },
  );

const itemArb: fc.Arbitrary<DataItem> = fc.record({
  itemId: fc.constant('item'),
  category,
  documentId: opt(fc.constantFrom(...DOCUMENTS)),
  custodian: org,
  confidentiality: fc.constantFrom('N', 'N', 'N', 'N', 'R', 'V') as fc.Arbitrary<DataItem['confidentiality']>,
  restriction: opt(fc.constantFrom('NORS', 'NORU') as fc.Arbitrary<NonNullable<DataItem['restriction']>>, 4),
  occurredAt: time,
  releaseToCitizenAt: opt(time),
  missionId: opt(fc.constantFrom(...MISSIONS)),
  handedOverTo: opt(fc.record({ orgNumber: orgOrPoc, reshId: opt(fc.constantFrom(...DEPARTMENTS)) })),
});

const defaultTable = defaultPolicyTable();
// The same rows with tighter limits, so that the emergency cap and a 20-minute attestation are exercised too.
const tightDocument = parse(readFileSync(defaultPolicyTablePath(), 'utf8'));
tightDocument.limits.attestationMaxAgeMinutes = 20;
tightDocument.limits.emergencyAccessMaxMinutes = 30;
const tightTable = compilePolicyTable(tightDocument, 'tight');

const historyArb = factsArb.chain((facts) =>
  fc.record({
    facts: fc.constant(facts),
    queries: fc.array(fc.record({ requester: requesterFor(facts), item: itemArb, at: time }), { minLength: 1, maxLength: 8 }),
    table: fc.constantFrom(defaultTable, tightTable),
  }),
);

function toRequester(generated: GeneratedHealthWorker | Requester | { kind: 'robot' }, at: Date): Requester {
  if (generated.kind !== 'health-worker' || !('attestationAge' in generated)) return generated as Requester;
  const { attestationAge: age, ...rest } = generated;
  return { ...rest, attestedAt: new Date(at.getTime() - age) };
}

// ---------------------------------------------------------------------------------------------
// Properties

const NUM_RUNS = 3000;

describe('decide against an independent oracle (property-based)', () => {
  const reasonsSeen = new Map<ReasonCode, number>();

  it(`agrees with the oracle on every field, over ${NUM_RUNS} random histories`, () => {
    fc.assert(
      fc.property(historyArb, ({ facts, queries, table }) => {
        for (const query of queries) {
          const requester = toRequester(query.requester, query.at);
          const actual = decide(facts, requester, query.item, query.at, table);
          reasonsSeen.set(actual.reason, (reasonsSeen.get(actual.reason) ?? 0) + 1);
          expect(actual).toEqual(oracle(facts, requester, query.item, query.at, table));
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('met every reason code along the way (the generators reach every rule)', () => {
    // SHOW_REASONS=1 prints how often each reason came up, to check that the generators reach deep.
    if (process.env.SHOW_REASONS) console.log([...reasonsSeen].sort((a, b) => b[1] - a[1]));
    expect(REASON_CODES.filter((code) => !reasonsSeen.has(code))).toEqual([]);
  });

  it('holds the invariants, and explain agrees with decide', () => {
    fc.assert(
      fc.property(historyArb, ({ facts, queries, table }) => {
        for (const query of queries) {
          const requester = toRequester(query.requester, query.at);
          const decision = decide(facts, requester, query.item, query.at, table);
          expect(explain(facts, requester, query.item, query.at, table).decision).toEqual(decision);
          expect(decision.flags.reviewRequired).toBe(decision.flags.emergency);
          if (requester.kind === 'system') expect(decision.effect).toBe('DENY');
          if (requester.kind === 'citizen' && decision.effect === 'PERMIT') expect(requester.isPatient).toBe(true);
          if (requester.kind !== 'health-worker') continue;

          const now = query.at.getTime();
          const active = (from: Date, to?: Date) => from.getTime() <= now && (!to || now < to.getTime());
          const blocksNow = facts.blocks.filter((b) => active(b.effectiveFrom, b.liftedAt));
          if (blocksNow.some((b) => b.kind === 'BLOKKERING' && b.blockedPractitionerHpr === requester.hprNumber)) expect(decision.effect).toBe('DENY');
          if (blocksNow.some((b) => b.kind === 'RESERVASJON')) expect(decision.effect).toBe('DENY');
          if (decision.effect !== 'PERMIT') continue;

          const relationshipOfMine = facts.relationships.some(
            (r) =>
              active(r.validFrom, r.validTo) &&
              active(r.validFrom, r.endedAt) &&
              r.legalEntity === requester.legalEntity &&
              (!r.pointOfCare || r.pointOfCare === requester.pointOfCare) &&
              (!r.department || r.department === requester.department) &&
              (!r.practitionerHpr || r.practitionerHpr === requester.hprNumber),
          );
          const emergencyOfMine = facts.emergencyAccesses.some(
            (e) => e.practitionerHpr === requester.hprNumber && e.legalEntity === requester.legalEntity && active(e.invokedAt, e.expiresAt),
          );
          expect(relationshipOfMine || emergencyOfMine).toBe(true);
          if (!relationshipOfMine) expect(decision.flags.emergency).toBe(true);
          if (blocksNow.some((b) => b.kind === 'SPERRING' && sperringCloses(b, requester, query.item))) expect(decision.flags.sperringOverride).toBe(true);
          if (['R', 'V'].includes(query.item.confidentiality) || query.item.restriction === 'NORS') expect(decision.facts.consentId).toBeDefined();
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
