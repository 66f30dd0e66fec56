import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import { EventCodec, SchemaSet } from '@backbone/contracts';
import { createLogger } from '@backbone/observability';
import { AvroSerde } from '@backbone/serde';
import { connectTestStack } from '../../../test/support/stack-clients';
import { ProjectionConsumer, type ProjectionHandler } from './projection-consumer';

/**
 * The consumer's guarantees with a handler of our own on a topic of our own: every message applied
 * exactly once across a restart, a message that keeps failing dead-lettered after its attempts
 * with its neighbours applied, a message refused as bad input dead-lettered at once.
 */
describe('ProjectionConsumer (real Kafka and PostgreSQL)', () => {
  const logger = createLogger('projection-int', 'warn');
  const run = randomUUID().slice(0, 8);
  const topic = `test.projection.${run}`;
  const projection = `test-projection-${run}.v1`;
  let kafka: Kafka;
  let dataSource: DataSource;
  let pool: Pool;
  let codec: EventCodec;
  let calls = new Map<string, number>();

  // Applies "n" by inserting it; "poison" throws every time; "bad" is refused as bad input.
  const handler: ProjectionHandler = {
    async apply(tx, messages) {
      const refused = [];
      for (const message of messages) {
        const value = message.value!.toString();
        calls.set(value, (calls.get(value) ?? 0) + 1);
        if (value === 'poison') throw new Error('cannot apply poison');
        if (value === 'bad') refused.push({ message, reason: 'BAD_INPUT', detail: 'refused by the test handler' });
        else await tx.query('INSERT INTO projection_test_rows (run, value) VALUES ($1, $2)', [run, value]);
      }
      return refused;
    },
  };

  const consumerFor = (groupId: string) =>
    new ProjectionConsumer(pool, kafka, handler, codec, logger, { projection, groupId, topics: [topic], chunkSize: 10, maxAttempts: 3, maxBackoffMs: 500 });

  const waitForPosition = async (offset: number) => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const { rows } = await pool.query<{ next_offset: string }>('SELECT next_offset FROM projection_position WHERE projection = $1', [projection]);
      if (rows[0] && Number(rows[0].next_offset) >= offset) return;
      if (Date.now() > deadline) throw new Error(`position did not reach ${offset}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  const produce = async (values: string[]) => {
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: values.map((value) => ({ value })) });
    await producer.disconnect();
  };

  beforeAll(async () => {
    const stack = await connectTestStack(logger);
    ({ kafka, dataSource, pool } = stack);
    codec = new EventCodec(SchemaSet.load(), new AvroSerde(stack.config.SCHEMA_REGISTRY_URL));
    await pool.query('CREATE TABLE IF NOT EXISTS projection_test_rows (run text NOT NULL, value text NOT NULL)');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
    await admin.disconnect();
  });

  afterAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
    await dataSource?.destroy();
  });

  it('applies each message once across a restart and a replay by a new group, and dead-letters poison after its attempts', async () => {
    const values = Array.from({ length: 25 }, (_, i) => `m${i}`);
    values.splice(12, 0, 'poison');
    values.splice(20, 0, 'bad');
    calls = new Map();
    const first = consumerFor(`test-group-${run}`);
    await first.start();
    await produce(values.slice(0, 15));
    await waitForPosition(15);
    await first.stop();

    // Restarted, and then everything redelivered to a group that has never committed an offset.
    const second = consumerFor(`test-group-${run}`);
    await second.start();
    await produce(values.slice(15));
    await waitForPosition(values.length);
    await second.stop();
    const replay = consumerFor(`test-replay-${run}`);
    await replay.start();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await replay.stop();

    const { rows } = await pool.query<{ value: string; n: string }>('SELECT value, count(*) AS n FROM projection_test_rows WHERE run = $1 GROUP BY value', [run]);
    const applied = values.filter((v) => v !== 'poison' && v !== 'bad');
    expect(rows.map((r) => r.value).sort()).toEqual([...applied].sort());
    expect(rows.every((r) => r.n === '1')).toBe(true);

    const { rows: dead } = await pool.query('SELECT "offset", reason, attempts, payload FROM dead_letter WHERE projection = $1 ORDER BY "offset"', [projection]);
    expect(dead).toEqual([
      { offset: '12', reason: 'PROJECTION_FAILED', attempts: 3, payload: Buffer.from('poison') },
      { offset: '20', reason: 'BAD_INPUT', attempts: 1, payload: Buffer.from('bad') },
    ]);
    // Poison: three tries in its chunk, then three on its own; the replay never saw it again.
    expect(calls.get('poison')).toBe(6);
  }, 60_000);

  it('keeps every partition in order and applies each message once when a second instance joins mid-load (chunks across partitions, several at a time)', async () => {
    const spread = `${topic}.spread`;
    const spreadProjection = `test-spread-${run}.v1`;
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: spread, numPartitions: 4, replicationFactor: 1 }], waitForLeaders: true });
    await admin.disconnect();
    await pool.query('CREATE TABLE IF NOT EXISTS projection_test_ordered (id bigserial PRIMARY KEY, run text NOT NULL, key text NOT NULL, seq int NOT NULL)');
    // Applies "key:seq" by appending it: the id says in which order the rows were applied.
    const ordered: ProjectionHandler = {
      async apply(tx, messages) {
        for (const message of messages) {
          const [key, seq] = message.value!.toString().split(':');
          await tx.query('INSERT INTO projection_test_ordered (run, key, seq) VALUES ($1, $2, $3)', [run, key, Number(seq)]);
        }
        return [];
      },
    };
    const instance = () =>
      new ProjectionConsumer(pool, kafka, ordered, codec, logger, {
        projection: spreadProjection,
        groupId: `test-spread-${run}`,
        topics: [spread],
        chunkSize: 7,
        concurrentChunks: 3,
        maxAttempts: 3,
        maxBackoffMs: 500,
        sessionTimeoutMs: 6_000,
      });
    const keys = Array.from({ length: 8 }, (_, k) => `k${k}`);
    const send = async (from: number, to: number) => {
      const producer = kafka.producer();
      await producer.connect();
      for (let seq = from; seq < to; seq += 1) await producer.send({ topic: spread, acks: -1, messages: keys.map((key) => ({ key, value: `${key}:${seq}` })) });
      await producer.disconnect();
    };
    const applied = async () => Number((await pool.query<{ n: string }>('SELECT coalesce(sum(next_offset), 0) AS n FROM projection_position WHERE projection = $1', [spreadProjection])).rows[0].n);

    const first = instance();
    await first.start();
    await send(0, 25);
    const second = instance();
    await second.start();
    await send(25, 50);
    const deadline = Date.now() + 60_000;
    while ((await applied()) < keys.length * 50 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
    await Promise.all([first.stop(), second.stop()]);

    const { rows } = await pool.query<{ key: string; seq: number }>('SELECT key, seq FROM projection_test_ordered WHERE run = $1 ORDER BY id', [run]);
    expect(rows).toHaveLength(keys.length * 50);
    for (const key of keys) expect(rows.filter((r) => r.key === key).map((r) => r.seq)).toEqual(Array.from({ length: 50 }, (_, seq) => seq));
    const cleanup = kafka.admin();
    await cleanup.connect();
    await cleanup.deleteTopics({ topics: [spread] }).catch(() => undefined);
    await cleanup.disconnect();
  }, 120_000);
});
