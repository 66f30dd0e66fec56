import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import { loadConfig, stackEnv, type StackConfig } from '@backbone/config';
import { loadTopicCatalog, patientKey, provisionTopics, syntheticFnr } from '@backbone/contracts';
import { createKafka } from '@backbone/messaging';
import { createDataSource, migrate, pgPoolOf } from '@backbone/persistence';
import type { Logger } from 'pino';

export interface TestStack {
  config: StackConfig;
  kafka: Kafka;
  dataSource: DataSource;
  pool: Pool;
}

/** The real stack for an integration test: Kafka, the test database migrated, the catalog's topics. */
export async function connectTestStack(logger: Logger): Promise<TestStack> {
  const config = loadConfig(stackEnv);
  const kafka = createKafka(config, logger);
  const dataSource = createDataSource(config);
  await dataSource.initialize();
  await migrate(dataSource);
  await provisionTopics(kafka, loadTopicCatalog());
  return { config, kafka, dataSource, pool: pgPoolOf(dataSource) };
}

/** Polls `check` until it returns a value; a timeout says what was awaited (and `why()`, if given). */
export async function eventually<T>(check: () => Promise<T | undefined>, what: string, options: { timeoutMs?: number; why?: () => Promise<string> } = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${options.why ? `; ${await options.why()}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export type PartitionOffsets = Array<{ partition: number; offset: string }>;

/**
 * Where each partition of a topic ends now. Right after a fresh broker creates a topic it may still
 * answer "not the leader" for a moment; that error is retriable, so it is retried.
 */
export async function topicEnd(kafka: Kafka, topic: string): Promise<PartitionOffsets> {
  await catalogTopicsExist(kafka);
  const admin = kafka.admin();
  await admin.connect();
  try {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return (await admin.fetchTopicOffsets(topic)).map(({ partition, high }) => ({ partition, offset: high })).sort((a, b) => a.partition - b.partition);
      } catch (error) {
        if (!(error as { retriable?: boolean }).retriable || attempt >= 40) throw error;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  } finally {
    await admin.disconnect();
  }
}

let catalogProvisioning: Promise<unknown> | undefined;

/**
 * The catalog's topics, created if missing, once per test file. A test may be the first client a
 * fresh cluster sees (jest runs the files that failed last time first): the services create the
 * topics when they start, but a test reads where the topics end before it starts them.
 */
function catalogTopicsExist(kafka: Kafka): Promise<unknown> {
  catalogProvisioning ??= provisionTopics(kafka, loadTopicCatalog()).catch((error: unknown) => {
    catalogProvisioning = undefined;
    throw error;
  });
  return catalogProvisioning;
}

/** Points a consumer group that has never run at the given offsets of a topic (it must have no members). */
export async function startGroupAt(kafka: Kafka, groupId: string, topic: string, offsets: PartitionOffsets): Promise<void> {
  await startGroupAtOffsets(kafka, groupId, new Map([[topic, offsets]]));
}

/** A consumer group that starts where these topics end now: a test never waits on the topics' history. */
export async function startGroupAtEnds(kafka: Kafka, groupId: string, topics: string[]): Promise<void> {
  const ends = new Map<string, PartitionOffsets>();
  for (const topic of topics) ends.set(topic, await topicEnd(kafka, topic));
  await startGroupAtOffsets(kafka, groupId, ends);
}

/**
 * Points a consumer group that has never run at the given offsets of each topic, in one join: a
 * paused member of the group commits them. (kafkajs's admin.setOffsets runs a consumer per topic
 * and waits out a 5 s fetch each time; side by side they churn the group.)
 */
export async function startGroupAtOffsets(kafka: Kafka, groupId: string, offsets: ReadonlyMap<string, PartitionOffsets>): Promise<void> {
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  await consumer.connect();
  try {
    for (const topic of offsets.keys()) await consumer.subscribe({ topic });
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: async () => undefined });
    consumer.pause([...offsets.keys()].map((topic) => ({ topic })));
    await joined;
    await consumer.commitOffsets([...offsets].flatMap(([topic, partitions]) => partitions.map(({ partition, offset }) => ({ topic, partition, offset }))));
  } finally {
    await consumer.disconnect();
  }
}

/**
 * A synthetic patient none of the given tables has seen (synthetic numbers are a finite set, and
 * earlier runs and benchmarks leave rows behind). A table that does not exist yet has seen no one.
 */
export async function unseenPatient(pool: { query(text: string, values: unknown[]): Promise<{ rowCount: number | null }> }, secret: string, tables: string[]): Promise<{ fnr: string; key: string }> {
  for (;;) {
    const fnr = syntheticFnr(Math.floor(Math.random() * 1_400_000));
    const key = patientKey(secret, fnr);
    let seen = false;
    for (const table of tables) {
      const { rowCount } = await pool.query(`SELECT 1 FROM ${table} WHERE patient_key = $1`, [key]).catch(() => ({ rowCount: 0 }));
      seen ||= Boolean(rowCount);
    }
    if (!seen) return { fnr, key };
  }
}

/** One record read back from a topic. */
export interface TopicRecord {
  partition: number;
  offset: bigint;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string | undefined>;
}

/**
 * The records of a topic between two offsets of each partition (`from` inclusive, `to` exclusive),
 * each partition's in offset order, each record once (a rebalance or re-fetch may deliver one twice).
 * For checks that fold what a projector consumed independently of it.
 */
export async function readRecords(kafka: Kafka, topic: string, ranges: Array<{ partition: number; from: string; to: string }>, timeoutMs = 300_000): Promise<Map<number, TopicRecord[]>> {
  const wanted = ranges.filter((r) => BigInt(r.to) > BigInt(r.from));
  const byPartition = new Map<number, Map<bigint, TopicRecord>>(wanted.map((r) => [r.partition, new Map()]));
  if (wanted.length === 0) return new Map();
  const end = new Map(wanted.map((r) => [r.partition, BigInt(r.to)]));
  const remaining = new Set(wanted.map((r) => r.partition));
  const groupId = `read-records-${Math.random().toString(36).slice(2)}-${Date.now()}`;
  const admin = kafka.admin();
  await admin.connect();
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  try {
    await startGroupAtOffsets(kafka, groupId, new Map([[topic, wanted.map((r) => ({ partition: r.partition, offset: r.from }))]]));
    await consumer.connect();
    await consumer.subscribe({ topic });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${topic}: timed out reading partitions ${[...remaining].join(', ')}`)), timeoutMs);
      void consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            const to = end.get(partition);
            if (to === undefined) return;
            const offset = BigInt(message.offset);
            if (offset < to) {
              const headers: Record<string, string | undefined> = {};
              for (const [name, value] of Object.entries(message.headers ?? {})) headers[name] = value === undefined ? undefined : String(Array.isArray(value) ? value[0] : value);
              byPartition.get(partition)!.set(offset, { partition, offset, key: message.key, value: message.value, headers });
            }
            if (offset >= to - 1n && remaining.delete(partition) && remaining.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
  return new Map([...byPartition].map(([partition, records]) => [partition, [...records.values()].sort((a, b) => (a.offset < b.offset ? -1 : 1))]));
}
