import { AccessIndex } from './access-index';
import { audienceChanges, audienceOf, nextTimeBoundary, recipientDecision, recipientKeyOf, recipientFromKey, recipientMayHold } from './audience';
import { factsFromJson, factsToJson } from './facts-json';
import { defaultPolicyTable } from './policy-table';
import {
  AT,
  block,
  doctor,
  emergencyAccess,
  factsWith,
  fastlegeRelationship,
  FASTLEGE,
  homeCareRelationship,
  HOME_CARE_GAMLE_OSLO,
  item,
  minutes,
  OSLO_KOMMUNE,
  relationship,
  sperring,
} from './test-fixtures';

const table = defaultPolicyTable();

describe('audienceOf', () => {
  it('lists each recipient of a standing relationship with the categories its policy row allows', () => {
    const audience = audienceOf(factsWith({ relationships: [homeCareRelationship()] }), AT, table);
    const key = recipientKeyOf({ legalEntity: OSLO_KOMMUNE, pointOfCare: HOME_CARE_GAMLE_OSLO });
    expect([...audience.keys()]).toEqual([key]);
    expect(audience.get(key)!.categories).toEqual(['CRITICAL_INFO', 'DHO', 'MEDICATION']);
  });

  it('leaves out ended relationships and everyone under a reservasjon', () => {
    expect(audienceOf(factsWith({ relationships: [relationship({ endedAt: minutes(-1) })] }), AT, table).size).toBe(0);
    const reserved = factsWith({ relationships: [relationship(), fastlegeRelationship()], blocks: [block({ kind: 'RESERVASJON', effectiveFrom: minutes(-5) })] });
    expect(audienceOf(reserved, AT, table).size).toBe(0);
  });

  it('drops the blocked fastlege (a practitioner-level recipient) but keeps organisation-level ones', () => {
    const facts = factsWith({
      relationships: [relationship(), fastlegeRelationship()],
      blocks: [block({ kind: 'BLOKKERING', blockedPractitionerHpr: FASTLEGE, effectiveFrom: minutes(-5) })],
    });
    const keys = [...audienceOf(facts, AT, table).keys()];
    expect(keys.some((k) => k.includes(`hpr:${FASTLEGE}`))).toBe(false);
    expect(keys).toHaveLength(1);
  });

  it('removes a category closed by a sperring', () => {
    const facts = factsWith({ relationships: [relationship()], blocks: [sperring({ sperringScope: 'CATEGORY', dataCategories: ['LAB'], effectiveFrom: minutes(-5) })] });
    const [entry] = audienceOf(facts, AT, table).values();
    expect(entry.categories).not.toContain('LAB');
    expect(entry.categories).toContain('DOCUMENTS');
  });

  it('includes the practitioner of an active emergency access until it expires', () => {
    const facts = factsWith({ emergencyAccesses: [emergencyAccess()] });
    const access = facts.emergencyAccesses[0];
    expect(audienceOf(facts, AT, table).size).toBe(1);
    expect(audienceOf(facts, access.expiresAt, table).size).toBe(0);
  });
});

describe('audienceChanges', () => {
  const granted = audienceOf(factsWith({ relationships: [relationship()] }), AT, table);
  const none = audienceOf(factsWith({}), AT, table);

  it('says GRANTED, REVOKED and CHANGED per recipient', () => {
    expect(audienceChanges(none, granted, false).map((c) => c.change)).toEqual(['GRANTED']);
    expect(audienceChanges(granted, none, false)).toEqual([expect.objectContaining({ change: 'REVOKED', categories: [] })]);
    expect(audienceChanges(granted, granted, false)).toEqual([]);
    expect(audienceChanges(granted, granted, true).map((c) => c.change)).toEqual(['CHANGED']);
  });
});

describe('facts as JSON', () => {
  it('round-trips every fact with its instants as Dates', () => {
    const facts = factsWith({
      relationships: [relationship({ endedAt: minutes(30), validTo: minutes(60) })],
      blocks: [sperring({ sperringScope: 'TIME_WINDOW', timeWindow: { start: minutes(-90), end: minutes(-30) }, effectiveFrom: minutes(-5), liftedAt: minutes(5) })],
      emergencyAccesses: [emergencyAccess()],
    });
    expect(factsFromJson(factsToJson(facts))).toEqual(facts);
    expect(factsFromJson(JSON.parse(factsToJson(facts))).relationships[0].validFrom).toBeInstanceOf(Date);
  });
});

describe('AccessIndex', () => {
  it('decides from the facts it holds and denies a patient it does not know', () => {
    const index = new AccessIndex(table);
    index.put('patient-a', factsWith({ relationships: [relationship()] }));
    expect(index.decide('patient-a', doctor(), item({ category: 'LAB' }), AT).effect).toBe('PERMIT');
    expect(index.decide('patient-b', doctor(), item({ category: 'LAB' }), AT)).toEqual(expect.objectContaining({ effect: 'DENY', reason: 'DENY_NO_RELATIONSHIP' }));
  });
});

describe('nextTimeBoundary', () => {
  it('is the earliest future instant of any fact, and undefined when nothing lies ahead', () => {
    const facts = factsWith({
      relationships: [relationship({ validFrom: minutes(-60), validTo: minutes(120) })],
      emergencyAccesses: [emergencyAccess({ invokedAt: minutes(-10), expiresAt: minutes(50) })],
      blocks: [sperring({ effectiveFrom: minutes(-5), liftedAt: minutes(90) })],
    });
    expect(nextTimeBoundary(facts, AT)).toEqual(minutes(50));
    expect(nextTimeBoundary(facts, minutes(50))).toEqual(minutes(90));
    expect(nextTimeBoundary(facts, minutes(120))).toBeUndefined();
  });
});

describe('recipientMayHold', () => {
  it('decides one item for one recipient of the audience: its categories, and item-level sperringer', () => {
    const homeCare = recipientKeyOf({ legalEntity: OSLO_KOMMUNE, pointOfCare: HOME_CARE_GAMLE_OSLO });
    const facts = factsWith({ relationships: [homeCareRelationship(), relationship()] });
    expect(recipientMayHold(facts, homeCare, item({ category: 'DHO' }), AT, table)).toBe(true);
    expect(recipientMayHold(facts, homeCare, item({ category: 'LAB' }), AT, table)).toBe(false);
    expect(recipientMayHold(facts, 'org:982791952', item({ category: 'DHO' }), AT, table)).toBe(false);
    const hospital = [...audienceOf(facts, AT, table).keys()].find((k) => k !== homeCare)!;
    const closed = factsWith({ relationships: [relationship()], blocks: [sperring({ sperringScope: 'DOCUMENT', documentIds: ['doc-1'], effectiveFrom: minutes(-5) })] });
    expect(recipientMayHold(closed, hospital, item({ category: 'DOCUMENTS', documentId: 'doc-1' }), AT, table)).toBe(false);
    expect(recipientMayHold(closed, hospital, item({ category: 'DOCUMENTS', documentId: 'doc-2' }), AT, table)).toBe(true);
  });
});

describe('recipientDecision', () => {
  it('gives the permit with its reason and relationship, and a denial with its reason', () => {
    const homeCare = recipientKeyOf({ legalEntity: OSLO_KOMMUNE, pointOfCare: HOME_CARE_GAMLE_OSLO });
    const care = homeCareRelationship();
    const facts = factsWith({ relationships: [care] });
    const permit = recipientDecision(facts, homeCare, item({ category: 'DHO' }), AT, table);
    expect(permit).toMatchObject({ effect: 'PERMIT', reason: 'PERMIT_CARE_RELATIONSHIP', facts: { relationshipId: care.relationshipId } });
    expect(recipientDecision(facts, homeCare, item({ category: 'LAB' }), AT, table)).toMatchObject({ effect: 'DENY', reason: 'DENY_CATEGORY_NOT_ALLOWED' });
    expect(recipientDecision(facts, 'org:982791952', item({ category: 'DHO' }), AT, table)).toMatchObject({ effect: 'DENY', reason: 'DENY_NO_RELATIONSHIP' });
  });
});

describe('recipientFromKey', () => {
  it('reads back every recipient recipientKeyOf writes, and nothing else', () => {
    const recipients = [
      { legalEntity: '993467049' },
      { legalEntity: '993467049', pointOfCare: '974589095', department: '4001031' },
      { legalEntity: '958935420', pointOfCare: '934567897', practitionerHpr: '9144897' },
      { legalEntity: '993467049', department: '4001031', practitionerHpr: '9144900' },
    ];
    for (const recipient of recipients) expect(recipientFromKey(recipientKeyOf(recipient))).toEqual(recipient);
    for (const text of ['', 'org:99346704', 'poc:974589095', 'org:993467049/dept:x', "org:993467049' OR 1=1", '15868512218']) expect(recipientFromKey(text)).toBeUndefined();
  });
});
