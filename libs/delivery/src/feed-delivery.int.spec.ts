import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import { defaultPolicyTable } from '@backbone/access-control';
import { AccessModelReader } from '@backbone/access-model';
import { AuditTrail } from '@backbone/audit';
import { EventCodec, SchemaSet } from '@backbone/contracts';
import { createLogger } from '@backbone/observability';
import { liveProjectionVersion } from '@backbone/projection';
import { StoredEvents } from '@backbone/recipient-model';
import { AvroSerde } from '@backbone/serde';
import { connectTestStack, unseenPatient } from '../../../test/support/stack-clients';
import { homeCareRecipient, homeCareRelationship, writeAccessFacts, writeFeedItems } from './delivery-test-support';
import { feedStart, type FeedCursor } from './feed-cursor';
import { FeedDelivery, type FeedRequest } from './feed-delivery';

const NO_OTHER_FACTS = { consents: [], blocks: [], emergencyAccesses: [] };

describe('feed delivery (real PostgreSQL: read model, access model, audit trail)', () => {
  const secret = process.env.PATIENT_KEY_SECRET!;
  const table = defaultPolicyTable();
  const principal = { kind: 'system' as const, clientId: 'feed-int-test', scopes: ['backbone:subscribe'] };
  let dataSource: DataSource;
  let pool: Pool;
  let feed: FeedDelivery;
  let events: StoredEvents;
  let codec: EventCodec;
  let version: number;

  beforeAll(async () => {
    const stack = await connectTestStack(createLogger('feed-int', 'warn'));
    ({ dataSource, pool } = stack);
    codec = new EventCodec(SchemaSet.load(), new AvroSerde(stack.config.SCHEMA_REGISTRY_URL));
    events = new StoredEvents(codec);
    const audit = new AuditTrail(pool, codec, {
      organisation: { orgNumber: '958935420', reshId: null, herId: null, name: 'Oslo kommune' },
      systemId: 'delivery-int-test',
    });
    feed = new FeedDelivery(pool, new AccessModelReader(pool, table), table, audit, events);
    version = (await liveProjectionVersion(pool, 'recipient-model'))!;
  }, 60_000);

  afterAll(async () => {
    await dataSource?.destroy();
  });

  /** A recipient of its own, a patient under its home care, and `n` home measurements in its feed. */
  const setUp = async (n: number, relationship: Partial<Parameters<typeof homeCareRelationship>[1]> = {}) => {
    const recipient = homeCareRecipient();
    const patient = await unseenPatient(pool, secret, ['patient_item_v1', 'access_patient']);
    const care = homeCareRelationship(recipient, relationship);
    await writeAccessFacts(pool, new Map([[patient.key, { relationships: [care], ...NO_OTHER_FACTS }]]));
    const seqs = await writeFeedItems(pool, codec, recipient.recipientKey, Array.from({ length: n }, () => ({ patientKey: patient.key, patientFnr: patient.fnr })));
    return { recipient, patient, care, seqs };
  };
  const request = (recipientKey: string, after: FeedCursor, fields: Partial<FeedRequest> = {}): FeedRequest => ({ principal, recipientKey, after, limit: 100, content: 'id-only', api: 'GET /feed', ...fields });
  const auditOf = async (patientKey: string) =>
    (await pool.query<{ outcome: string; reason_code: string; entry: { action: string; itemIds: string[]; clientId: string; legalEntity: { orgNumber: string } } }>('SELECT outcome, reason_code, entry FROM access_log WHERE patient_key = $1 ORDER BY accessed_at, access_id', [patientKey])).rows;

  it('pages in feed order with a previousSeq chain, keeps an empty page\'s cursor, and picks up what arrives later', async () => {
    const { recipient, patient, seqs } = await setUp(5);
    const first = await feed.deliver(request(recipient.recipientKey, feedStart(version), { limit: 2 }));
    const second = await feed.deliver(request(recipient.recipientKey, first.next, { limit: 2 }));
    const third = await feed.deliver(request(recipient.recipientKey, second.next, { limit: 2 }));
    const chain = [...first.entries, ...second.entries, ...third.entries];
    expect(chain.map((e) => e.seq)).toEqual(seqs);
    expect(chain.map((e) => e.previousSeq)).toEqual([null, ...seqs.slice(0, -1)]);
    expect([first.hasMore, second.hasMore, third.hasMore]).toEqual([true, true, false]);
    expect(chain.every((e) => e.patientKey === patient.key && !('event' in e))).toBe(true);

    const empty = await feed.deliver(request(recipient.recipientKey, third.next));
    expect(empty).toEqual({ entries: [], next: third.next, hasMore: false });
    const [later] = await writeFeedItems(pool, codec, recipient.recipientKey, [{ patientKey: patient.key, patientFnr: patient.fnr }]);
    expect((await feed.deliver(request(recipient.recipientKey, third.next))).entries.map((e) => [e.seq, e.previousSeq])).toEqual([[later, seqs[4]]]);
  });

  it('audits each delivered page before returning it: one DELIVER per patient, by the subscribing system for the recipient', async () => {
    const { recipient, patient } = await setUp(3);
    const page = await feed.deliver(request(recipient.recipientKey, feedStart(version)));
    const audit = await auditOf(patient.key);
    expect(audit).toEqual([
      {
        outcome: 'PERMIT',
        reason_code: 'PERMIT_CARE_RELATIONSHIP',
        entry: expect.objectContaining({ action: 'DELIVER', api: 'GET /feed', clientId: 'feed-int-test', itemIds: page.entries.map((e) => e.itemKey), legalEntity: expect.objectContaining({ orgNumber: '958935420', reshId: recipient.department }) }),
      },
    ]);
  });

  it('delivers nothing when the audit cannot be written', async () => {
    const { recipient } = await setUp(1);
    const failing = new FeedDelivery(pool, new AccessModelReader(pool, table), table, { record: () => Promise.reject(new Error('audit database down')) }, events);
    await expect(failing.deliver(request(recipient.recipientKey, feedStart(version)))).rejects.toThrow('audit database down');
  });

  it('re-checks at delivery time: once the relationship has ended the entries are withheld (and the denial audited), before any projector cleans up', async () => {
    const { recipient, patient, care, seqs } = await setUp(2);
    expect((await feed.deliver(request(recipient.recipientKey, feedStart(version)))).entries).toHaveLength(2);

    // The access projector's write for CareRelationshipEnded; the read model still holds both rows.
    await writeAccessFacts(pool, new Map([[patient.key, { relationships: [{ ...care, endedAt: new Date(Date.now() - 1_000) }], ...NO_OTHER_FACTS }]]));
    const after = await feed.deliver(request(recipient.recipientKey, feedStart(version)));
    expect(after.entries).toEqual([]);
    // The withheld rows are read past, so a subscriber is not handed them again and again.
    expect(after.next.readSeq).toBe(BigInt(seqs[1]));
    expect((await auditOf(patient.key)).map((a) => [a.outcome, a.reason_code])).toEqual([
      ['PERMIT', 'PERMIT_CARE_RELATIONSHIP'],
      ['DENY', 'DENY_NO_RELATIONSHIP'],
    ]);
    expect((await pool.query('SELECT 1 FROM recipient_item_v1 WHERE recipient_key = $1 AND removed_at IS NULL', [recipient.recipientKey])).rowCount).toBe(2);
  });

  it('delivers tombstones id-only even when the item itself is no longer permitted, so the copy can be deleted', async () => {
    const { recipient, patient, care } = await setUp(1);
    const [first] = (await feed.deliver(request(recipient.recipientKey, feedStart(version)))).entries;
    await writeAccessFacts(pool, new Map([[patient.key, { relationships: [{ ...care, endedAt: new Date(Date.now() - 1_000) }], ...NO_OTHER_FACTS }]]));
    const [tombstoneSeq] = await writeFeedItems(pool, codec, recipient.recipientKey, [{ patientKey: patient.key, patientFnr: patient.fnr, itemKey: first.itemKey, removed: true }]);
    const page = await feed.deliver(request(recipient.recipientKey, feedStart(version), { content: 'full' }));
    expect(page.entries).toEqual([expect.objectContaining({ seq: tombstoneSeq, previousSeq: null, itemKey: first.itemKey, removed: true, dataRef: null })]);
    expect(page.entries[0]).not.toHaveProperty('event');
  });

  it('adds the event at content level full, and never the identity number in an id-only entry', async () => {
    const { recipient, patient } = await setUp(1);
    const full = await feed.deliver(request(recipient.recipientKey, feedStart(version), { content: 'full' }));
    expect(full.entries[0].event).toMatchObject({ envelope: { patientKey: patient.key } });
    const idOnly = await feed.deliver(request(recipient.recipientKey, feedStart(version)));
    expect(JSON.stringify(idOnly.entries)).not.toContain(patient.fnr);
  });

  it('shows one recipient nothing of another recipient\'s feed', async () => {
    const { recipient } = await setUp(2);
    const other = homeCareRecipient();
    expect((await feed.deliver(request(other.recipientKey, feedStart(version)))).entries).toEqual([]);
    expect((await feed.deliver(request(recipient.recipientKey, feedStart(version)))).entries).toHaveLength(2);
  });
});
