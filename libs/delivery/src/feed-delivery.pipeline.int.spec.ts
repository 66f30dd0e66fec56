import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import { defaultPolicyTable } from '@backbone/access-control';
import { ACCESS_PROJECTION, AccessModelReader, AccessProjection, GOVERNANCE_TOPIC } from '@backbone/access-model';
import { AuditTrail } from '@backbone/audit';
import { EventCodec, exampleEvent, SchemaSet, type EventTypeName } from '@backbone/contracts';
import { createLogger } from '@backbone/observability';
import { liveProjectionVersion, ProjectionConsumer, type ProjectionHandler } from '@backbone/projection';
import { EventPublisher, OutboxBacklog, OutboxRelay } from '@backbone/publisher';
import { RECIPIENT_TOPICS, RecipientProjection, recipientModelTables } from '@backbone/recipient-model';
import { AvroSerde } from '@backbone/serde';
import { connectTestStack, eventually, startGroupAtEnds, unseenPatient } from '../../../test/support/stack-clients';
import { TEST_CLIENT, testPublisherRegistry } from '../../../test/support/test-publishers';
import { feedStart, type FeedCursor } from './feed-cursor';
import { FeedDelivery } from './feed-delivery';
import type { FeedEntry } from './feed-page';

/*
 * The delivery-time check through the whole backbone: events published through the publisher, the
 * relay and Kafka, projected by the real access and recipient projections, read through the feed.
 */
describe('feed delivery through the real pipeline (publisher, relay, Kafka, both projections)', () => {
  const secret = process.env.PATIENT_KEY_SECRET!;
  const schemas = SchemaSet.load();
  const logger = createLogger('feed-pipeline-int', 'warn');
  const table = defaultPolicyTable();
  const run = randomUUID().slice(0, 8);
  const principal = { kind: 'system' as const, clientId: 'feed-pipeline-test', scopes: ['backbone:subscribe'] };
  let kafka: Kafka;
  let dataSource: DataSource;
  let pool: Pool;
  let codec: EventCodec;
  let publisher: EventPublisher;
  let relay: OutboxRelay;
  let feed: FeedDelivery;
  let recipientConsumer: ProjectionConsumer;
  const consumers: ProjectionConsumer[] = [];

  const startConsumer = async (projection: string, topics: string[], handler: ProjectionHandler) => {
    const groupId = `${projection}-${randomUUID()}`;
    await startGroupAtEnds(kafka, groupId, topics);
    const consumer = new ProjectionConsumer(pool, kafka, handler, codec, logger, { projection, groupId, topics, chunkSize: 200, maxAttempts: 3, maxBackoffMs: 1_000 });
    await consumer.start();
    consumers.push(consumer);
    return consumer;
  };

  beforeAll(async () => {
    const stack = await connectTestStack(logger);
    ({ kafka, dataSource, pool } = stack);
    codec = new EventCodec(schemas, new AvroSerde(stack.config.SCHEMA_REGISTRY_URL));
    publisher = new EventPublisher(pool, schemas, codec, testPublisherRegistry(), new OutboxBacklog(), { patientKeySecret: secret, allowSyntheticIdentifiers: true, maxBacklog: 100_000 });
    await publisher.warmUp();
    relay = new OutboxRelay(pool, kafka, new OutboxBacklog(), logger, { batchSize: 500, idlePollMs: 20, maxBackoffMs: 1_000 });
    relay.start();
    await startConsumer(`${ACCESS_PROJECTION}.delivery-test-${run}`, [GOVERNANCE_TOPIC], new AccessProjection(codec, table));
    recipientConsumer = await startConsumer(`${recipientModelTables(1).projection}.delivery-test-${run}`, RECIPIENT_TOPICS, new RecipientProjection(codec, table));
    const audit = new AuditTrail(pool, codec, { organisation: { orgNumber: '958935420', reshId: null, herId: null, name: 'Oslo kommune' }, systemId: 'delivery-int-test' });
    feed = new FeedDelivery(pool, new AccessModelReader(pool, table), table, audit);
  }, 90_000);

  afterAll(async () => {
    for (const consumer of consumers) await consumer.stop();
    await relay?.stop();
    await dataSource?.destroy();
  });

  it('withholds entries once CareRelationshipEnded is processed, before the recipient projector cleans up, then delivers the tombstones', async () => {
    const { fnr, key } = await unseenPatient(pool, secret, ['patient_item_v1', 'access_patient']);
    const event = (type: EventTypeName, fields: Record<string, unknown> = {}) => ({ ...exampleEvent(schemas, type, { patientFnr: fnr }), ...fields });
    const publish = async (...events: object[]) => {
      const outcome = await publisher.publish(events, TEST_CLIENT);
      if (!outcome.ok) throw new Error(`not accepted: ${JSON.stringify(outcome)}`);
    };
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
    recipientConsumer = await startConsumer(`${recipientModelTables(1).projection}.delivery-test-${run}`, RECIPIENT_TOPICS, new RecipientProjection(codec, table));
    const tombstones = await eventually(async () => {
      const page = await read(first.next);
      return page.entries.length === 2 ? page.entries : undefined;
    }, 'the tombstones', { timeoutMs: 45_000 });
    expect(tombstones.map((e: FeedEntry) => [e.removed, e.dataRef])).toEqual([[true, null], [true, null]]);
    expect(tombstones[0].previousSeq).toBe(first.entries[1].seq);
  }, 120_000);
});
