import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import { loadConfig, stackEnv } from '@backbone/config';
import {
  EVENT_TOPICS,
  EventCodec,
  EventTypeName,
  exampleEvent,
  loadTopicCatalog,
  patientKey,
  provisionTopics,
  SchemaSet,
  syntheticFnr,
} from '@backbone/contracts';
import { createKafka } from '@backbone/messaging';
import { createLogger } from '@backbone/observability';
import { createDataSource, migrate, pgPoolOf } from '@backbone/persistence';
import { AvroSerde } from '@backbone/serde';
import { probeTopics } from '../../../test/support/topic-probe';
import { TEST_CLIENT, testPublisherRegistry } from '../../../test/support/test-publishers';
import { EventPublisher } from './event-publisher';
import { OutboxBacklog } from './outbox-backlog';
import { OutboxRelay } from './outbox-relay';

const SECRET = 'integration-test-patient-key-secret-0123456789';

describe('EventPublisher and OutboxRelay (real PostgreSQL, registry and Kafka)', () => {
  const config = loadConfig(stackEnv);
  const schemas = SchemaSet.load();
  const logger = createLogger('publisher-int', 'warn');
  let kafka: Kafka;
  let dataSource: DataSource;
  let pool: Pool;
  let codec: EventCodec;
  let relay: OutboxRelay;
  const backlog = new OutboxBacklog();
  const settings = { patientKeySecret: SECRET, allowSyntheticIdentifiers: true, maxBacklog: 100_000 };
  let publisher: EventPublisher;

  beforeAll(async () => {
    kafka = createKafka(config, logger);
    dataSource = createDataSource(config);
    await dataSource.initialize();
    await migrate(dataSource);
    pool = pgPoolOf(dataSource);
    await provisionTopics(kafka, loadTopicCatalog());
    codec = new EventCodec(schemas, new AvroSerde(config.SCHEMA_REGISTRY_URL));
    publisher = new EventPublisher(pool, schemas, codec, testPublisherRegistry(), backlog, settings);
    await publisher.warmUp();
    relay = new OutboxRelay(pool, kafka, backlog, logger, { batchSize: 500, idlePollMs: 100, maxBackoffMs: 1_000 });
    relay.start();
  });

  afterAll(async () => {
    await relay?.stop();
    await dataSource?.destroy();
  });

  it('accepts one event of every type, keyed by the pseudonymous patient key, and the relay publishes each once', async () => {
    const names = (Object.keys(EVENT_TOPICS) as EventTypeName[]).filter((n) => n !== 'DataAccessed');
    const events = names.map((name) => exampleEvent(schemas, name));
    const probe = await probeTopics(kafka, [...new Set(names.map((n) => EVENT_TOPICS[n]))]);
    try {
      const outcome = await publisher.publish(events, TEST_CLIENT);
      expect(outcome).toMatchObject({ ok: true });
      if (!outcome.ok) return;
      expect(outcome.items.map((i) => i.status)).toEqual(names.map(() => 'accepted'));

      const ids = new Set(events.map((e) => e.envelope.eventId));
      const arrived = await probe.waitFor((messages) => messages.filter((m) => ids.has(m.headers.eventId)).length >= ids.size);
      const ours = arrived.filter((m) => ids.has(m.headers.eventId));
      expect(ours).toHaveLength(ids.size);
      const fnr = (events[0].envelope.patient as { value: string }).value;
      for (const message of ours) {
        expect(message.key).toBe(patientKey(SECRET, fnr));
        expect(JSON.stringify(message.headers)).not.toContain(fnr);
        const decoded = await codec.decode(message.value);
        expect(decoded.envelope.eventId).toBe(message.headers.eventId);
        expect(decoded.envelope.patientKey).toBe(message.key);
        expect(message.topic).toBe(EVENT_TOPICS[decoded.envelope.eventType as EventTypeName]);
      }
    } finally {
      await probe.stop();
    }
  });

  it('answers a repeated post with the first result and writes no second outbox row', async () => {
    const event = exampleEvent(schemas, 'LabResultReported');
    const first = await publisher.publish([event], TEST_CLIENT);
    // The same content with another JSON layout (keys reordered) is the same event.
    const reordered = Object.fromEntries(Object.entries(structuredClone(event)).reverse());
    const second = await publisher.publish([reordered], TEST_CLIENT);
    expect(first).toMatchObject({ ok: true, items: [{ status: 'accepted' }] });
    expect(second).toMatchObject({ ok: true, items: [{ status: 'duplicate', acceptedAt: (first as { items: Array<{ acceptedAt: string }> }).items[0].acceptedAt }] });
    const { rows } = await pool.query('SELECT count(*)::int AS n FROM ingest_event WHERE event_id = $1', [event.envelope.eventId]);
    expect(rows[0].n).toBe(1);
  });

  it('refuses a different body under a used eventId as a conflict, accepting nothing of the batch', async () => {
    const event = exampleEvent(schemas, 'DataBlocked');
    await publisher.publish([event], TEST_CLIENT);
    const changed = structuredClone(event);
    changed.effectiveFrom = '2026-11-16T00:00:00.000Z';
    const fresh = exampleEvent(schemas, 'DataUnblocked');
    const outcome = await publisher.publish([fresh, changed], TEST_CLIENT);
    expect(outcome).toEqual({ ok: false, kind: 'conflict', eventIds: [event.envelope.eventId] });
    const { rows } = await pool.query('SELECT count(*)::int AS n FROM ingest_event WHERE event_id = $1', [fresh.envelope.eventId]);
    expect(rows[0].n).toBe(0);
  });

  it('names every invalid field with its index, and stores nothing', async () => {
    const good = exampleEvent(schemas, 'DocumentPublished');
    const badFnr = exampleEvent(schemas, 'DocumentPublished', { patientFnr: '15868512219' });
    const badType = { envelope: { ...exampleEvent(schemas, 'DataUnblocked').envelope }, blockId: 42 };
    const outcome = await publisher.publish([good, badFnr, badType], TEST_CLIENT);
    expect(outcome).toMatchObject({
      ok: false,
      kind: 'invalid',
      errors: expect.arrayContaining([
        { index: 1, field: 'envelope.patient.value', rule: expect.stringContaining('check digit') },
        { index: 2, field: 'blockId', rule: 'expected a UUID' },
        { index: 2, field: 'unblockedAt', rule: 'is required' },
      ]),
    });
    const { rows } = await pool.query('SELECT count(*)::int AS n FROM ingest_event WHERE event_id = $1', [good.envelope.eventId]);
    expect(rows[0].n).toBe(0);
  });

  it('refuses a client publishing as a custodian it does not own', async () => {
    const restricted = new EventPublisher(
      pool,
      schemas,
      codec,
      testPublisherRegistry([{ clientId: 'gp', name: 'gp', custodians: ['923456783'], eventTypes: ['DocumentPublished'] }]),
      backlog,
      settings,
    );
    const outcome = await restricted.publish([exampleEvent(schemas, 'DocumentPublished')], 'gp');
    expect(outcome).toEqual({
      ok: false,
      kind: 'forbidden',
      errors: [{ index: 0, field: 'envelope.custodian.orgNumber', rule: expect.stringContaining('may not publish as custodian 993467049') }],
    });
  });

  it("keeps each patient's order across batches, through the outbox and the relay", async () => {
    const patients = [0, 1, 2, 3].map((n) => syntheticFnr(9_000 + n));
    const perPatient = new Map(patients.map((p) => [patientKey(SECRET, p), [] as string[]]));
    const probe = await probeTopics(kafka, [EVENT_TOPICS.DhoMeasurementRecorded]);
    try {
      const batches = Array.from({ length: 20 }, () =>
        patients.map((fnr) => {
          const event = exampleEvent(schemas, 'DhoMeasurementRecorded', { patientFnr: fnr, eventId: randomUUID() });
          event.observationId = randomUUID();
          return event;
        }),
      );
      // Sequential per batch so the expected order is known; batches carry all four patients.
      for (const batch of batches) {
        const outcome = await publisher.publish(batch, TEST_CLIENT);
        expect(outcome.ok).toBe(true);
        batch.forEach((e, i) => perPatient.get(patientKey(SECRET, patients[i]))!.push(e.envelope.eventId));
      }
      const expected = new Set(batches.flat().map((e) => e.envelope.eventId));
      const arrived = await probe.waitFor((m) => m.filter((x) => expected.has(x.headers.eventId)).length >= expected.size);
      for (const [key, ids] of perPatient) {
        const order = arrived.filter((m) => m.key === key && expected.has(m.headers.eventId)).map((m) => m.headers.eventId);
        expect(order).toEqual(ids);
      }
    } finally {
      await probe.stop();
    }
  });

  it('takes the lead again after its leader connection is killed, and goes on publishing', async () => {
    // The relay's session holds the leader lock; terminate it as a network cut or a failover would.
    const { rows } = await pool.query<{ pid: number }>("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = 7101978 AND granted");
    expect(rows).toHaveLength(1);
    await pool.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
    const event = exampleEvent(schemas, 'DocumentPublished');
    const probe = await probeTopics(kafka, [EVENT_TOPICS.DocumentPublished]);
    try {
      expect((await publisher.publish([event], TEST_CLIENT)).ok).toBe(true);
      const arrived = await probe.waitFor((m) => m.some((x) => x.headers.eventId === event.envelope.eventId));
      expect(arrived.filter((x) => x.headers.eventId === event.envelope.eventId)).toHaveLength(1);
      const { rows: leaders } = await pool.query<{ pid: number }>("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = 7101978 AND granted");
      expect(leaders).toHaveLength(1);
      expect(leaders[0].pid).not.toBe(rows[0].pid);
    } finally {
      await probe.stop();
    }
  });

  it('answers "retry later" when the outbox backlog is over its bound', async () => {
    const full = new OutboxBacklog();
    full.observed(10, new Date());
    const bounded = new EventPublisher(pool, schemas, codec, testPublisherRegistry(), full, { ...settings, maxBacklog: 10 });
    const outcome = await bounded.publish([exampleEvent(schemas, 'DataUnblocked')], TEST_CLIENT);
    expect(outcome).toMatchObject({ ok: false, kind: 'backlog-full', backlog: 10, retryAfterSeconds: expect.any(Number) });
  });
});
