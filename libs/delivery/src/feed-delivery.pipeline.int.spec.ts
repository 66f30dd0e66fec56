import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { AccessModelReader } from '@backbone/access-model';
import { AuditTrail } from '@backbone/audit';
import { exampleEvent, type EventTypeName } from '@backbone/contracts';
import { createLogger } from '@backbone/observability';
import { liveProjectionVersion, type ProjectionConsumer } from '@backbone/projection';
import { RECIPIENT_TOPICS, RecipientProjection, recipientModelTables, StoredEvents } from '@backbone/recipient-model';
import { startInProcessPipeline, type InProcessPipeline } from '../../../test/support/in-process-pipeline';
import { eventually, unseenPatient } from '../../../test/support/stack-clients';
import { feedStart, type FeedCursor } from './feed-cursor';
import { FeedDelivery } from './feed-delivery';
import type { FeedEntry } from './feed-page';

/*
 * The delivery-time check through the whole backbone: events published through the publisher, the
 * relay and Kafka, projected by the real access and recipient projections, read through the feed.
 */
describe('feed delivery through the real pipeline (publisher, relay, Kafka, both projections)', () => {
  const secret = process.env.PATIENT_KEY_SECRET!;
  const run = randomUUID().slice(0, 8);
  const principal = { kind: 'system' as const, clientId: 'feed-pipeline-test', scopes: ['backbone:subscribe'] };
  let pipeline: InProcessPipeline;
  let pool: Pool;
  let feed: FeedDelivery;
  let recipientConsumer: ProjectionConsumer;

  beforeAll(async () => {
    pipeline = await startInProcessPipeline(createLogger('feed-pipeline-int', 'warn'));
    pool = pipeline.pool;
    ({ recipient: recipientConsumer } = await pipeline.startProjectors(`delivery-${run}`));
    const audit = new AuditTrail(pool, pipeline.codec, { organisation: { orgNumber: '958935420', reshId: null, herId: null, name: 'Oslo kommune' }, systemId: 'delivery-int-test' });
    feed = new FeedDelivery(pool, new AccessModelReader(pool, pipeline.table), pipeline.table, audit, new StoredEvents(pipeline.codec));
  }, 90_000);

  afterAll(async () => {
    await pipeline?.stop();
  });

  it('withholds entries once CareRelationshipEnded is processed, before the recipient projector cleans up, then delivers the tombstones', async () => {
    const { fnr, key } = await unseenPatient(pool, secret, ['patient_item_v1', 'access_patient']);
    const event = (type: EventTypeName, fields: Record<string, unknown> = {}) => ({ ...exampleEvent(pipeline.schemas, type, { patientFnr: fnr }), ...fields });
    const publish = (...events: object[]) => pipeline.publish(...events);
    // Home care of Bydel Gamle Oslo, in a department of this run's own: its feed holds only this test's rows.
    const department = String(1_000_000 + Math.floor(Math.random() * 8_999_999));
    const recipientKey = `org:958935420/poc:934567897/dept:${department}`;
    const version = (await liveProjectionVersion(pool, 'recipient-model'))!;
    const read = (after: FeedCursor) => feed.deliver({ principal, recipientKey, after, limit: 100, content: 'id-only', api: 'GET /feed' });

    const relationshipId = randomUUID();
    const measurements = [event('DhoMeasurementRecorded', { observationId: randomUUID() }), event('DhoMeasurementRecorded', { observationId: randomUUID() })];
    await publish(event('CareRelationshipStarted', { relationshipId, department }), ...measurements);
    const first = await eventually(async () => {
      const page = await read(feedStart(version));
      return page.entries.length === 2 ? page : undefined;
    }, 'both measurements in the recipient\'s feed');
    expect(first.entries.map((e) => e.itemKey).sort()).toEqual(measurements.map((m) => `dho:${(m as unknown as { observationId: string }).observationId}`).sort());

    // Only the access model learns that the relationship ended: the recipient projector is stopped.
    await recipientConsumer.stop();
    await publish(event('CareRelationshipEnded', { relationshipId, endedAt: new Date(Date.now() - 1_000).toISOString() }));
    await eventually(async () => ((await read(feedStart(version))).entries.length === 0 ? true : undefined), 'the entries withheld at delivery time');
    expect((await pool.query('SELECT 1 FROM recipient_item_v1 WHERE recipient_key = $1 AND removed_at IS NULL', [recipientKey])).rowCount).toBe(2);
    const denial = await pool.query<{ outcome: string; reason_code: string }>(`SELECT outcome, reason_code FROM access_log WHERE patient_key = $1 AND outcome = 'DENY'`, [key]);
    expect(denial.rows[0]).toEqual({ outcome: 'DENY', reason_code: 'DENY_NO_RELATIONSHIP' });

    // The projector back: the rows become tombstones with new feed numbers, delivered after the first page.
    // Same projection name: it seeks to its stored positions and applies what it missed.
    recipientConsumer = await pipeline.startConsumer(`${recipientModelTables(1).projection}.test-delivery-${run}`, RECIPIENT_TOPICS, new RecipientProjection(pipeline.codec, new AccessModelReader(pipeline.pool, pipeline.table)));
    const tombstones = await eventually(async () => {
      const page = await read(first.next);
      return page.entries.length === 2 ? page.entries : undefined;
    }, 'the tombstones', { timeoutMs: 45_000 });
    expect(tombstones.map((e: FeedEntry) => [e.removed, e.dataRef])).toEqual([[true, null], [true, null]]);
    expect(tombstones[0].previousSeq).toBe(first.entries[1].seq);
  }, 120_000);
});
