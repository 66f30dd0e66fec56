import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import { defaultPolicyTable, type DataItem } from '@backbone/access-control';
import { EventCodec, exampleEvent, SchemaSet, type EventTypeName } from '@backbone/contracts';
import { createLogger } from '@backbone/observability';
import { ProjectionConsumer } from '@backbone/projection';
import { EventPublisher, OutboxBacklog, OutboxRelay } from '@backbone/publisher';
import { AvroSerde } from '@backbone/serde';
import { HOME_CARE, homeNurse } from '../../../test/support/test-requesters';
import { connectTestStack, eventually as waitFor, startGroupAt, topicEnd, unseenPatient, type PartitionOffsets } from '../../../test/support/stack-clients';
import { probeTopics } from '../../../test/support/topic-probe';
import { TEST_CLIENT, testPublisherRegistry } from '../../../test/support/test-publishers';
import { ACCESS_CHANGES_TOPIC, ACCESS_PROJECTION, AccessProjection, GOVERNANCE_TOPIC } from './access-projection';
import { AccessModelReader } from './access-model-reader';
import { AccessTimeSweep } from './access-time-sweep';

const measurement = (at: Date): DataItem => ({ itemId: 'measurement-1', category: 'DHO', custodian: HOME_CARE.pointOfCare, confidentiality: 'N', occurredAt: at });

describe('access projection (real Kafka, registry and PostgreSQL)', () => {
  const secret = process.env.PATIENT_KEY_SECRET!;
  const schemas = SchemaSet.load();
  const logger = createLogger('access-projection-int', 'warn');
  const table = defaultPolicyTable();
  let kafka: Kafka;
  let dataSource: DataSource;
  let pool: Pool;
  let codec: EventCodec;
  let publisher: EventPublisher;
  let relay: OutboxRelay;
  let projector: ProjectionConsumer;
  let reader: AccessModelReader;
  // A projection name of this run's own, and consumer groups that start where the topic ended when
  // the run began: the test never waits for the topic's history (benchmarks leave 100,000s of events).
  const projection = `${ACCESS_PROJECTION}.test-${randomUUID().slice(0, 8)}`;
  let startOffsets: PartitionOffsets;

  const startProjector = async (groupId: string) => {
    await startGroupAt(kafka, groupId, GOVERNANCE_TOPIC, startOffsets);
    const consumer = new ProjectionConsumer(pool, kafka, new AccessProjection(codec, table), codec, logger, {
      projection,
      groupId,
      topics: [GOVERNANCE_TOPIC],
      chunkSize: 100,
      maxAttempts: 3,
      maxBackoffMs: 1_000,
    });
    await consumer.start();
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
    startOffsets = await topicEnd(kafka, GOVERNANCE_TOPIC);
    projector = await startProjector(`access-int-${randomUUID()}`);
    reader = new AccessModelReader(pool, table);
  }, 60_000);

  afterAll(async () => {
    await projector?.stop();
    await relay?.stop();
    await dataSource?.destroy();
  });

  /** A patient the access model has never seen, and governance events about them with fresh ids. */
  const newPatient = async () => {
    const { fnr, key } = await unseenPatient(pool, secret, ['access_patient']);
    const relationshipId = randomUUID();
    const event = (type: EventTypeName, fields: Record<string, unknown> = {}) => ({
      ...exampleEvent(schemas, type, { patientFnr: fnr }),
      ...(type.startsWith('CareRelationship') ? { relationshipId } : {}),
      ...fields,
    });
    return { key, event };
  };

  const publish = async (...events: object[]) => {
    const outcome = await publisher.publish(events, TEST_CLIENT);
    if (!outcome.ok) throw new Error(`not accepted: ${JSON.stringify(outcome)}`);
  };

  /** For a failure message: is the event stuck in the outbox, in Kafka, or in the projector? */
  const whereThingsStand = async () => {
    const outbox = await pool.query<{ n: string }>('SELECT coalesce(sum(event_count), 0) AS n FROM outbox');
    const ends = await topicEnd(kafka, GOVERNANCE_TOPIC);
    const positions = await projector.positions();
    return `outbox holds ${outbox.rows[0].n} events; governance topic ends at ${JSON.stringify(ends.map((e) => [e.partition, e.offset]))}; projector positions ${JSON.stringify(positions.map((p) => [p.partition, p.nextOffset]))}`;
  };
  const eventually = <T>(check: () => Promise<T | undefined>, what: string) => waitFor(check, what, { why: whereThingsStand });

  /** The reader's decision once it has read every change committed so far. */
  const decideNow = async (...args: Parameters<AccessModelReader['decide']>) => {
    await reader.refresh();
    return reader.decide(...args);
  };

  const deadLetterOf = (eventId: string) =>
    eventually(async () => {
      const { rows } = await pool.query<{ reason: string; detail: string; attempts: number }>(
        'SELECT reason, detail, attempts FROM dead_letter WHERE projection = $1 AND event_id = $2',
        [projection, eventId],
      );
      return rows[0];
    }, `the dead letter of ${eventId}`);

  it('grants on CareRelationshipStarted and revokes on CareRelationshipEnded: decisions, audience and AccessChanged events', async () => {
    const patient = await newPatient();
    const probe = await probeTopics(kafka, [ACCESS_CHANGES_TOPIC]);
    try {
      const now = new Date();
      await publish(patient.event('CareRelationshipStarted'));
      await eventually(async () => ((await decideNow(patient.key, homeNurse(now), measurement(now), now)).effect === 'PERMIT' ? true : undefined), 'the permit');
      const { rows: audience } = await pool.query('SELECT recipient_key, categories FROM access_audience WHERE patient_key = $1', [patient.key]);
      expect(audience).toEqual([{ recipient_key: `org:${HOME_CARE.legalEntity}/poc:${HOME_CARE.pointOfCare}`, categories: ['CRITICAL_INFO', 'DHO', 'MEDICATION'] }]);

      const ended = patient.event('CareRelationshipEnded', { endedAt: new Date(Date.now() - 1_000).toISOString() });
      await publish(ended);
      const decision = await eventually(async () => {
        const d = await decideNow(patient.key, homeNurse(new Date()), measurement(now), new Date());
        return d.effect === 'DENY' ? d : undefined;
      }, 'the revocation');
      expect(decision.reason).toBe('DENY_NO_RELATIONSHIP');
      expect((await pool.query('SELECT 1 FROM access_audience WHERE patient_key = $1', [patient.key])).rowCount).toBe(0);

      const changes = await probe.waitFor((messages) => messages.filter((m) => m.key === patient.key).length >= 2);
      const decoded = await Promise.all(changes.filter((m) => m.key === patient.key).map(async (m) => (await codec.decodeNamed(m.value)).value as { change: string; categories: string[]; causeEventId: string }));
      expect(decoded.map((c) => c.change)).toEqual(['GRANTED', 'REVOKED']);
      expect(decoded[1]).toMatchObject({ categories: [], causeEventId: ended.envelope.eventId });
    } finally {
      await probe.stop();
    }
  });

  it('publishes a time-driven REVOKED when a relationship reaches its validTo, with no event arriving', async () => {
    const patient = await newPatient();
    const probe = await probeTopics(kafka, [ACCESS_CHANGES_TOPIC]);
    try {
      const validTo = new Date(Date.now() + 60_000);
      await publish(patient.event('CareRelationshipStarted', { validFrom: new Date(Date.now() - 86_400_000).toISOString(), validTo: validTo.toISOString() }));
      await eventually(async () => ((await pool.query('SELECT 1 FROM access_patient WHERE patient_key = $1', [patient.key])).rowCount ? true : undefined), 'the relationship');
      const { rows } = await pool.query<{ next_change_at: Date }>('SELECT next_change_at FROM access_patient WHERE patient_key = $1', [patient.key]);
      expect(rows[0].next_change_at).toEqual(validTo);

      // The sweep as it would run a minute later (the clock is a parameter, the test does not wait).
      const sweep = new AccessTimeSweep(pool, codec, table);
      while ((await sweep.sweepOnce(500, new Date(validTo.getTime() + 1))) > 0);
      expect((await pool.query('SELECT 1 FROM access_audience WHERE patient_key = $1', [patient.key])).rowCount).toBe(0);
      const changes = await probe.waitFor((messages) => messages.filter((m) => m.key === patient.key).length >= 2);
      const decoded = await Promise.all(changes.filter((m) => m.key === patient.key).map(async (m) => (await codec.decodeNamed(m.value)).value as { change: string; causeEventType: string }));
      expect(decoded.map((c) => [c.change, c.causeEventType])).toEqual([
        ['GRANTED', 'CareRelationshipStarted'],
        ['REVOKED', 'TimeElapsed'],
      ]);
      expect((await pool.query<{ next_change_at: Date | null }>('SELECT next_change_at FROM access_patient WHERE patient_key = $1', [patient.key])).rows[0].next_change_at).toBeNull();
    } finally {
      await probe.stop();
    }
  });

  it('dead-letters what needs history to be wrong (an unknown relationship, a second end) with the reason, and keeps going', async () => {
    const patient = await newPatient();
    const unknown = patient.event('CareRelationshipEnded');
    await publish(unknown);
    expect(await deadLetterOf(unknown.envelope.eventId)).toMatchObject({ reason: 'UNKNOWN_RELATIONSHIP', attempts: 1 });

    await publish(patient.event('CareRelationshipStarted'));
    const firstEnd = patient.event('CareRelationshipEnded');
    const secondEnd = patient.event('CareRelationshipEnded');
    await publish(firstEnd);
    await publish(secondEnd);
    expect(await deadLetterOf(secondEnd.envelope.eventId)).toMatchObject({ reason: 'ALREADY_ENDED' });
    // The events around it were applied: the relationship exists and is ended.
    const facts = await reader.factsOf(patient.key);
    expect(facts.relationships).toHaveLength(1);
    expect(facts.relationships[0].endedAt).toBeInstanceOf(Date);
  });

  it('refuses at ingest what is wrong on its own: validTo before validFrom, an emergency access without a reason', async () => {
    const patient = await newPatient();
    const backwards = patient.event('CareRelationshipStarted', { validFrom: '2026-11-02T00:00:00.000Z', validTo: '2026-11-01T00:00:00.000Z' });
    expect(await publisher.publish([backwards], TEST_CLIENT)).toEqual({
      ok: false,
      kind: 'invalid',
      errors: [{ index: 0, field: 'validTo', rule: expect.stringContaining('VALID_TO_BEFORE_VALID_FROM') }],
    });
    const noReason = patient.event('EmergencyAccessInvoked', { reason: ' ' });
    expect(await publisher.publish([noReason], TEST_CLIENT)).toMatchObject({ ok: false, kind: 'invalid', errors: [{ field: 'reason' }] });
  });

  it('has an exactly-once effect: a second consumer group re-reading the whole topic changes nothing', async () => {
    const patient = await newPatient();
    await publish(patient.event('CareRelationshipStarted'));
    await eventually(async () => ((await reader.factsOf(patient.key)).relationships.length === 1 ? true : undefined), 'the relationship');
    const before = await pool.query('SELECT facts, change_seq FROM access_patient WHERE patient_key = $1', [patient.key]);
    const outboxBefore = await pool.query<{ n: string }>("SELECT coalesce(max(last_event_seq), 0) AS n FROM outbox");
    const positions = await projector.positions();

    // Everything this run published is redelivered to a new group; the stored positions say it is done.
    const second = await startProjector(`access-int-replay-${randomUUID()}`);
    try {
      await new Promise((resolve) => setTimeout(resolve, 3_000));
    } finally {
      await second.stop();
    }
    const after = await pool.query('SELECT facts, change_seq FROM access_patient WHERE patient_key = $1', [patient.key]);
    expect(after.rows).toEqual(before.rows);
    expect((await projector.positions()).filter((p) => p.topic === GOVERNANCE_TOPIC)).toEqual(positions.filter((p) => p.topic === GOVERNANCE_TOPIC));
    const { rows: newOutbox } = await pool.query("SELECT 1 FROM outbox WHERE last_event_seq > $1 AND 'AccessChanged' = ANY(event_types)", [outboxBefore.rows[0].n]);
    expect(newOutbox).toEqual([]);
  });
});
