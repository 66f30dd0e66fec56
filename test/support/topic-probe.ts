import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { startGroupAtOffsets } from './stack-clients';

export interface ProbedMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  headers: Record<string, string>;
  value: Buffer;
}

/**
 * Reads what arrives on some topics from now on: end offsets are taken when the probe starts, so
 * older messages from earlier runs are never seen. For tests against the real broker.
 */
export async function probeTopics(kafka: Kafka, topics: string[]) {
  const admin = kafka.admin();
  await admin.connect();
  const start = new Map<string, Array<{ partition: number; offset: string }>>();
  for (const topic of topics) start.set(topic, (await admin.fetchTopicOffsets(topic)).map(({ partition, offset }) => ({ partition, offset })));
  await admin.disconnect();

  const received: ProbedMessage[] = [];
  const groupId = `test-probe-${randomUUID()}`;
  // The group's committed offsets are where the topics end now, and it never commits: a consumer
  // that rejoins (after the broker was stopped, say) starts there again, never at the topics' start
  // (benchmarks leave millions of records there).
  await startGroupAtOffsets(kafka, groupId, start);
  const consumer: Consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  const toProbed = (topic: string, partition: number, m: KafkaMessage): ProbedMessage => ({
    topic,
    partition,
    offset: m.offset,
    key: m.key?.toString() ?? null,
    headers: Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, String(v)])),
    value: m.value as Buffer,
  });
  // A consumer may see an offset twice (a rebalance or reconnect re-fetches): the probe keeps each
  // record once, so a test that counts records counts what is in the topic.
  const seen = new Set<string>();
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ topic, partition, message }) => {
      const position = `${topic}/${partition}/${message.offset}`;
      if (seen.has(position)) return;
      seen.add(position);
      received.push(toProbed(topic, partition, message));
    },
  });

  return {
    received,
    /** Resolves once `done(received)` holds, or rejects after the timeout with what did arrive. */
    async waitFor(done: (messages: ProbedMessage[]) => boolean, timeoutMs = 30_000): Promise<ProbedMessage[]> {
      const deadline = Date.now() + timeoutMs;
      while (!done(received)) {
        if (Date.now() > deadline) throw new Error(`timed out; ${received.length} message(s) arrived`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return received;
    },
    async stop(): Promise<void> {
      await consumer.disconnect();
      const cleanup = kafka.admin();
      await cleanup.connect();
      await cleanup.deleteGroups([groupId]).catch(() => undefined);
      await cleanup.disconnect();
    },
  };
}
