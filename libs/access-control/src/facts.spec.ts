import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  SchemaSet,
  validateEvent,
  type CareRelationshipStarted,
  type ConsentGiven,
  type DataBlocked,
  type EmergencyAccessInvoked,
  type EventEnvelope,
} from '@backbone/contracts';
import { decide } from './decide';
import {
  GOVERNANCE_EVENT_TYPES,
  NO_FACTS,
  applyGovernanceEvent,
  foldGovernanceEvents,
  type ApplyResult,
  type GovernanceEvent,
  type PatientAccessFacts,
} from './facts';
import { defaultPolicyTable } from './policy-table';
import { AT, DOCTOR, OUS, OUS_MEDICINE, OUS_ULLEVAL, doctor, item, minutes } from './test-fixtures';

function envelope(eventType: string): EventEnvelope {
  return {
    eventId: `evt-${eventType}`,
    eventType,
    occurredAt: AT,
    recordedAt: AT,
    source: { systemId: 'ous-dips-arena', name: null, version: null },
    patient: { system: 'FNR', value: '15868512218' },
    patientKey: 'key',
    custodian: { orgNumber: OUS, reshId: null, herId: null, name: null },
    author: null,
    confidentiality: 'N',
    restriction: null,
    correlationId: null,
    causationId: null,
    dataRef: null,
  };
}

const started = (overrides: Partial<CareRelationshipStarted> = {}): GovernanceEvent => ({
  type: 'CareRelationshipStarted',
  event: {
    envelope: envelope('CareRelationshipStarted'),
    relationshipId: 'rel-1',
    legalEntity: OUS,
    pointOfCare: OUS_ULLEVAL,
    department: OUS_MEDICINE,
    practitioner: null,
    healthcareService: { system: 'urn:oid:2.16.578.1.12.4.1.1.8655', code: 'S03', display: 'Indremedisin' },
    purposeOfUse: 'TREAT',
    purposeOfUseDetails: null,
    decisionRef: 'INNLEGGELSE-1',
    basis: 'ADMISSION',
    missionId: null,
    validFrom: minutes(-60),
    validTo: null,
    ...overrides,
  },
});
const ended = (relationshipId = 'rel-1', endedAt = minutes(-1)): GovernanceEvent => ({
  type: 'CareRelationshipEnded',
  event: { envelope: envelope('CareRelationshipEnded'), relationshipId, endedAt, reason: 'utskrevet' },
});
const given = (overrides: Partial<ConsentGiven> = {}): GovernanceEvent => ({
  type: 'ConsentGiven',
  event: {
    envelope: envelope('ConsentGiven'),
    consentId: 'consent-1',
    decision: 'PERMIT',
    basis: 'HPMOTTATTSAMTYKKE',
    provisions: [{ actorOrgNumber: OUS, actorReshId: null, actorHprNumber: null, purposes: [], dataCategories: [], documentIds: [] }],
    period: { start: minutes(-60), end: null },
    ...overrides,
  },
});
const withdrawn = (consentId = 'consent-1'): GovernanceEvent => ({
  type: 'ConsentWithdrawn',
  event: { envelope: envelope('ConsentWithdrawn'), consentId, withdrawnAt: minutes(-1) },
});
const blocked = (overrides: Partial<DataBlocked> = {}): GovernanceEvent => ({
  type: 'DataBlocked',
  event: {
    envelope: envelope('DataBlocked'),
    blockId: 'block-1',
    kind: 'SPERRING',
    sperringScope: 'ALL',
    dataCategories: [],
    documentIds: [],
    organisation: null,
    timeWindow: null,
    blockedPractitioner: null,
    effectiveFrom: minutes(-30),
    ...overrides,
  },
});
const unblocked = (blockId = 'block-1'): GovernanceEvent => ({
  type: 'DataUnblocked',
  event: { envelope: envelope('DataUnblocked'), blockId, unblockedAt: minutes(-1) },
});
const invoked = (overrides: Partial<EmergencyAccessInvoked> = {}): GovernanceEvent => ({
  type: 'EmergencyAccessInvoked',
  event: {
    envelope: envelope('EmergencyAccessInvoked'),
    accessId: 'ea-1',
    practitioner: { hprNumber: DOCTOR, authorization: 'LE', name: null },
    legalEntity: OUS,
    pointOfCare: null,
    department: OUS_MEDICINE,
    purposeOfUse: 'BTG',
    reason: 'Bevisstløs pasient',
    invokedAt: minutes(-10),
    expiresAt: minutes(230),
    overriddenBlockIds: [],
    reviewStatus: 'PENDING',
    ...overrides,
  },
});

function apply(events: GovernanceEvent[]): PatientAccessFacts {
  const result = foldGovernanceEvents(events);
  if (!result.ok) throw new Error(`${result.reason}: ${result.detail}`);
  return result.facts;
}

const rejected = (result: ApplyResult) => (result.ok ? 'accepted' : result.reason);

describe('governance reducers', () => {
  it('builds plain facts: nulls become absent fields, Avro shapes disappear', () => {
    const facts = apply([started(), given(), blocked(), invoked()]);
    expect(facts.relationships).toEqual([
      {
        relationshipId: 'rel-1',
        legalEntity: OUS,
        pointOfCare: OUS_ULLEVAL,
        department: OUS_MEDICINE,
        healthcareService: { system: 'urn:oid:2.16.578.1.12.4.1.1.8655', code: 'S03' },
        purposeOfUse: 'TREAT',
        decisionRef: 'INNLEGGELSE-1',
        basis: 'ADMISSION',
        validFrom: minutes(-60),
      },
    ]);
    expect(facts.consents[0]).toEqual({
      consentId: 'consent-1',
      decision: 'PERMIT',
      provisions: [{ actorOrgNumber: OUS, purposes: [], dataCategories: [], documentIds: [] }],
      period: { start: minutes(-60) },
    });
    expect(facts.blocks[0]).toEqual({ blockId: 'block-1', kind: 'SPERRING', sperringScope: 'ALL', dataCategories: [], documentIds: [], effectiveFrom: minutes(-30) });
    expect(facts.emergencyAccesses[0]).toMatchObject({ accessId: 'ea-1', practitionerHpr: DOCTOR, purposeOfUse: 'BTG', overriddenBlockIds: [] });
    expect('pointOfCare' in facts.emergencyAccesses[0]).toBe(false);
  });

  it('records ends, withdrawals and lifts as times, keeping the history', () => {
    const facts = apply([started(), ended(), given(), withdrawn(), blocked(), unblocked()]);
    expect(facts.relationships[0].endedAt).toEqual(minutes(-1));
    expect(facts.consents[0].withdrawnAt).toEqual(minutes(-1));
    expect(facts.blocks[0].liftedAt).toEqual(minutes(-1));
  });

  it('never changes the facts it is given', () => {
    const before = apply([started()]);
    const snapshot = JSON.stringify(before);
    const after = applyGovernanceEvent(before, ended());
    expect(after.ok).toBe(true);
    expect(JSON.stringify(before)).toBe(snapshot);
    expect(NO_FACTS.relationships).toEqual([]);
  });

  it('drives decisions: a relationship permits until it ends', () => {
    const table = defaultPolicyTable();
    const open = apply([started()]);
    expect(decide(open, doctor(), item(), AT, table).reason).toBe('PERMIT_CARE_RELATIONSHIP');
    const closed = apply([started(), ended()]);
    expect(decide(closed, doctor(), item(), AT, table).reason).toBe('DENY_NO_RELATIONSHIP');
    expect(decide(closed, doctor({ attestedAt: minutes(-3) }), item(), minutes(-2), table).reason).toBe('PERMIT_CARE_RELATIONSHIP');
  });

  it('keeps only what belongs to the block kind', () => {
    const facts = apply([blocked({ kind: 'RESERVASJON', sperringScope: 'CATEGORY', dataCategories: ['LAB'] })]);
    expect(facts.blocks[0]).toEqual({ blockId: 'block-1', kind: 'RESERVASJON', dataCategories: [], documentIds: [], effectiveFrom: minutes(-30) });
    const blokkering = apply([blocked({ kind: 'BLOKKERING', sperringScope: null, blockedPractitioner: { hprNumber: DOCTOR, authorization: null, name: null } })]);
    expect(blokkering.blocks[0].blockedPractitionerHpr).toBe(DOCTOR);
  });

  it('accepts an end, withdrawal or lift before the start (a cancellation: never active)', () => {
    const facts = apply([started({ validFrom: minutes(60) }), ended('rel-1', minutes(-5))]);
    expect(decide(facts, doctor(), item(), minutes(90), defaultPolicyTable()).reason).not.toBe('PERMIT_CARE_RELATIONSHIP');
  });

  it('folds the repository\'s valid governance examples (schemas/examples/valid) in order', () => {
    const schemas = SchemaSet.load();
    const events = GOVERNANCE_EVENT_TYPES.map((type) => {
      const json = JSON.parse(readFileSync(join(schemas.root, 'examples', 'valid', `${type}.json`), 'utf8'));
      const result = validateEvent(schemas, type, json, { allowSyntheticIdentifiers: true });
      if (!result.ok) throw new Error(`${type}: ${JSON.stringify(result.errors)}`);
      return { type, event: result.event } as unknown as GovernanceEvent;
    });
    const result = foldGovernanceEvents(events);
    expect(result).toMatchObject({ ok: true });
    if (result.ok) {
      expect(result.facts.relationships[0].endedAt).toBeInstanceOf(Date);
      expect(result.facts.blocks[0]).toMatchObject({ kind: 'BLOKKERING', blockedPractitionerHpr: '7654321' });
    }
  });
});

describe('governance reducers: bad input the projector dead-letters', () => {
  it('UNKNOWN_RELATIONSHIP: ending a relationship that never started', () => {
    expect(rejected(applyGovernanceEvent(NO_FACTS, ended('nope')))).toBe('UNKNOWN_RELATIONSHIP');
  });

  it('ALREADY_ENDED: ending a relationship twice', () => {
    const result = applyGovernanceEvent(apply([started(), ended()]), ended());
    expect(result).toEqual({ ok: false, reason: 'ALREADY_ENDED', detail: expect.stringContaining('rel-1 already ended') });
  });

  it('VALID_TO_BEFORE_VALID_FROM: a validity that ends before (or when) it starts', () => {
    expect(rejected(applyGovernanceEvent(NO_FACTS, started({ validTo: minutes(-61) })))).toBe('VALID_TO_BEFORE_VALID_FROM');
    expect(rejected(applyGovernanceEvent(NO_FACTS, started({ validTo: minutes(-60) })))).toBe('VALID_TO_BEFORE_VALID_FROM');
    expect(rejected(applyGovernanceEvent(NO_FACTS, started({ validTo: minutes(-59) })))).toBe('accepted');
  });

  it('INVALID_PURPOSE: a relationship for BTG, an emergency access for TREAT', () => {
    expect(rejected(applyGovernanceEvent(NO_FACTS, started({ purposeOfUse: 'BTG' })))).toBe('INVALID_PURPOSE');
    expect(rejected(applyGovernanceEvent(NO_FACTS, invoked({ purposeOfUse: 'TREAT' })))).toBe('INVALID_PURPOSE');
  });

  it('EMERGENCY_WITHOUT_REASON: empty or blank reason', () => {
    expect(rejected(applyGovernanceEvent(NO_FACTS, invoked({ reason: '' })))).toBe('EMERGENCY_WITHOUT_REASON');
    expect(rejected(applyGovernanceEvent(NO_FACTS, invoked({ reason: ' \n ' })))).toBe('EMERGENCY_WITHOUT_REASON');
  });

  it('EXPIRES_BEFORE_INVOKED: an emergency access that is over before it starts', () => {
    expect(rejected(applyGovernanceEvent(NO_FACTS, invoked({ expiresAt: minutes(-10) })))).toBe('EXPIRES_BEFORE_INVOKED');
  });

  it('UNKNOWN_CONSENT and ALREADY_WITHDRAWN', () => {
    expect(rejected(applyGovernanceEvent(NO_FACTS, withdrawn()))).toBe('UNKNOWN_CONSENT');
    expect(rejected(applyGovernanceEvent(apply([given(), withdrawn()]), withdrawn()))).toBe('ALREADY_WITHDRAWN');
  });

  it('NO_PROVISIONS and PERIOD_END_BEFORE_START for consents', () => {
    expect(rejected(applyGovernanceEvent(NO_FACTS, given({ provisions: [] })))).toBe('NO_PROVISIONS');
    expect(rejected(applyGovernanceEvent(NO_FACTS, given({ period: { start: AT, end: minutes(-1) } })))).toBe('PERIOD_END_BEFORE_START');
  });

  it('UNKNOWN_BLOCK and ALREADY_LIFTED', () => {
    expect(rejected(applyGovernanceEvent(NO_FACTS, unblocked()))).toBe('UNKNOWN_BLOCK');
    expect(rejected(applyGovernanceEvent(apply([blocked(), unblocked()]), unblocked()))).toBe('ALREADY_LIFTED');
  });

  it.each([
    ['a sperring without scope', { sperringScope: null }],
    ['a CATEGORY sperring without categories', { sperringScope: 'CATEGORY' }],
    ['a DOCUMENT sperring without documents', { sperringScope: 'DOCUMENT' }],
    ['an ORGANISATION sperring without organisation', { sperringScope: 'ORGANISATION' }],
    ['a TIME_WINDOW sperring without window', { sperringScope: 'TIME_WINDOW' }],
    ['a blokkering without practitioner', { kind: 'BLOKKERING', sperringScope: null }],
  ] as const)('INCOMPLETE_BLOCK: %s', (_, overrides) => {
    expect(rejected(applyGovernanceEvent(NO_FACTS, blocked(overrides as Partial<DataBlocked>)))).toBe('INCOMPLETE_BLOCK');
  });

  it('PERIOD_END_BEFORE_START for a time-window sperring', () => {
    const event = blocked({ sperringScope: 'TIME_WINDOW', timeWindow: { start: AT, end: AT } });
    expect(rejected(applyGovernanceEvent(NO_FACTS, event))).toBe('PERIOD_END_BEFORE_START');
  });

  it('DUPLICATE_ID: the same id started, given, blocked or invoked twice', () => {
    expect(rejected(applyGovernanceEvent(apply([started()]), started()))).toBe('DUPLICATE_ID');
    expect(rejected(applyGovernanceEvent(apply([given()]), given()))).toBe('DUPLICATE_ID');
    expect(rejected(applyGovernanceEvent(apply([blocked()]), blocked()))).toBe('DUPLICATE_ID');
    expect(rejected(applyGovernanceEvent(apply([invoked()]), invoked()))).toBe('DUPLICATE_ID');
  });

  it('UNKNOWN_EVENT_TYPE: anything else', () => {
    expect(rejected(applyGovernanceEvent(NO_FACTS, { type: 'DocumentPublished', event: {} } as unknown as GovernanceEvent))).toBe('UNKNOWN_EVENT_TYPE');
  });

  it('says which event of a fold was rejected', () => {
    expect(foldGovernanceEvents([started(), ended(), ended()])).toMatchObject({ ok: false, index: 2, reason: 'ALREADY_ENDED' });
  });
});
