import { defaultPolicyTable, recipientDecision, type Decision } from '@backbone/access-control';
import { AT, factsWith, homeCareRelationship, HOME_CARE_GAMLE_OSLO, OSLO_KOMMUNE } from '../../access-control/src/test-fixtures';
import { feedStart } from './feed-cursor';
import { decideFeedPage, type FeedRow } from './feed-page';

const HOME_CARE = `org:${OSLO_KOMMUNE}/poc:${HOME_CARE_GAMLE_OSLO}`;
const PATIENT = { system: 'FNR' as const, value: '15868512218' };

const row = (seq: number, fields: Partial<FeedRow> = {}): FeedRow => ({
  seq: String(seq),
  itemKey: `dho:obs-${seq}`,
  patientKey: 'pk-1',
  eventId: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
  category: 'DHO',
  status: 'current',
  removed: false,
  eventType: 'DhoMeasurementRecorded',
  dataRef: null,
  access: { itemId: `dho:obs-${seq}`, category: 'DHO', custodian: OSLO_KOMMUNE, confidentiality: 'N', occurredAt: '2026-11-20T09:00:00.000Z' },
  patient: PATIENT,
  content: { envelope: { eventType: 'DhoMeasurementRecorded' }, observationId: `obs-${seq}` },
  ...fields,
});

const permit: Decision = { effect: 'PERMIT', reason: 'PERMIT_CARE_RELATIONSHIP', facts: { relationshipId: 'rel-1' }, flags: { emergency: false, sperringOverride: false, reviewRequired: false } };
const deny: Decision = { effect: 'DENY', reason: 'DENY_NO_RELATIONSHIP', facts: {}, flags: { emergency: false, sperringOverride: false, reviewRequired: false } };

describe('decideFeedPage', () => {
  it('chains each entry to the one delivered before it, across pages', () => {
    const first = decideFeedPage([row(1), row(2)], feedStart(1), 'id-only', () => permit);
    expect(first.entries.map((e) => [e.seq, e.previousSeq])).toEqual([['1', null], ['2', '1']]);
    const second = decideFeedPage([row(5)], first.next, 'id-only', () => permit);
    expect(second.entries.map((e) => [e.seq, e.previousSeq])).toEqual([['5', '2']]);
    expect(second.next).toEqual({ version: 1, readSeq: 5n, deliveredSeq: 5n });
  });

  it('withholds what the engine denies now, reads past it, and chains over it', () => {
    const page = decideFeedPage([row(1), row(2), row(3)], feedStart(1), 'id-only', (_key, item) => (item.itemId === 'dho:obs-2' ? deny : permit));
    expect(page.entries.map((e) => [e.seq, e.previousSeq])).toEqual([['1', null], ['3', '1']]);
    expect(page.next).toEqual({ version: 1, readSeq: 3n, deliveredSeq: 3n });
    expect(page.deliveries).toEqual([{ patientKey: 'pk-1', patient: PATIENT, shown: [expect.objectContaining({ itemKey: 'dho:obs-1' }), expect.objectContaining({ itemKey: 'dho:obs-3' })], denied: [expect.objectContaining({ itemKey: 'dho:obs-2', decision: deny })] }]);
  });

  it('withholds an item without access data (deny by default)', () => {
    const page = decideFeedPage([row(1, { access: null })], feedStart(1), 'id-only', () => permit);
    expect(page.entries).toEqual([]);
    expect(page.next.readSeq).toBe(1n);
  });

  it('delivers tombstones id-only without asking the engine, and leaves them out of the audit', () => {
    const page = decideFeedPage([row(4, { removed: true, dataRef: 'https://x/y' })], feedStart(1), 'full', () => deny);
    expect(page.entries).toEqual([expect.objectContaining({ seq: '4', removed: true, dataRef: null })]);
    expect(page.entries[0]).not.toHaveProperty('event');
    expect(page.deliveries).toEqual([]);
  });

  it('adds the event only at content level full; id-only never carries it', () => {
    expect(decideFeedPage([row(1)], feedStart(1), 'full', () => permit).entries[0].event).toEqual({ envelope: { eventType: 'DhoMeasurementRecorded' }, observationId: 'obs-1' });
    expect(decideFeedPage([row(1)], feedStart(1), 'id-only', () => permit).entries[0]).not.toHaveProperty('event');
  });

  it('never puts the patient identifier in an entry', () => {
    const page = decideFeedPage([row(1), row(2, { removed: true })], feedStart(1), 'id-only', () => permit);
    expect(JSON.stringify(page.entries)).not.toContain(PATIENT.value);
  });

  it('keeps the cursor where it was when nothing was read', () => {
    const after = { version: 2, readSeq: 7n, deliveredSeq: 6n };
    expect(decideFeedPage([], after, 'id-only', () => permit).next).toEqual(after);
  });

  it('with the real engine: home care gets the measurement, not a lab result, and nothing once the relationship ended', () => {
    const table = defaultPolicyTable();
    const lab = row(2, { itemKey: 'lab:r-1', category: 'LAB', access: { ...row(2).access!, itemId: 'lab:r-1', category: 'LAB' } });
    const standing = factsWith({ relationships: [homeCareRelationship()] });
    const ended = factsWith({ relationships: [homeCareRelationship({ endedAt: new Date(AT.getTime() - 1_000) })] });
    const decideWith = (facts: typeof standing) => (_key: string, item: Parameters<typeof recipientDecision>[2]) => recipientDecision(facts, HOME_CARE, item, AT, table);
    expect(decideFeedPage([row(1), lab], feedStart(1), 'id-only', decideWith(standing)).entries.map((e) => e.itemKey)).toEqual(['dho:obs-1']);
    const after = decideFeedPage([row(1), lab], feedStart(1), 'id-only', decideWith(ended));
    expect(after.entries).toEqual([]);
    expect(after.deliveries[0].denied.map((d) => d.decision.reason)).toEqual(['DENY_NO_RELATIONSHIP', 'DENY_NO_RELATIONSHIP']);
  });
});
