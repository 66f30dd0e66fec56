import { randomUUID } from 'node:crypto';
import { Kafka, Partitioners } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { loadTopicCatalog, PipelineCanary, provisionTopics, SchemaSet, TopicCatalog, TopicEntry, topicFor } from '@backbone/contracts';
import { AvroRecordSchema, AvroSerde } from '@backbone/serde';
import { CanaryEntity } from './canary.entity';

const CANARY_EVENT = 'no.oslo.backbone.ops.PipelineCanary';

let contract: { catalog: TopicCatalog; topic: TopicEntry; schema: AvroRecordSchema } | undefined;

/** The canary's topic and schema, from the catalog and schemas/ like every other event's; read on first use. */
export function canaryContract() {
  if (!contract) {
    const catalog = loadTopicCatalog();
    contract = {
      catalog,
      topic: topicFor(catalog, CANARY_EVENT),
      schema: SchemaSet.load().bundle(CANARY_EVENT) as unknown as AvroRecordSchema,
    };
  }
  return contract;
}

export interface CanaryResult {
  canary: PipelineCanary;
  schemaId: number;
  partition: number;
  offset: string;
  /** From produce to the row being committed in PostgreSQL. */
  roundTripMs: number;
}

export interface CanaryDeps {
  kafka: Kafka;
  serde: AvroSerde;
  dataSource: DataSource;
}

/**
 * Sends one canary through the whole pipeline: register the schema, produce an Avro-encoded
 * message, consume it back from that exact offset, decode it with the writer's schema from the
 * registry, and record it in PostgreSQL. Resolves when the row is committed.
 */
export async function runCanary(deps: CanaryDeps, emittedBy: string, timeoutMs = 30_000): Promise<CanaryResult> {
  const { kafka, serde, dataSource } = deps;
  const started = performance.now();
  const { catalog, topic, schema } = canaryContract();
  await provisionTopics(kafka, { ...catalog, topics: [topic] });
  const schemaId = await serde.register(schema);
  const canary: PipelineCanary = { canaryId: randomUUID(), emittedAt: new Date(), emittedBy };

  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  let partition: number;
  let offset: string;
  try {
    const [ack] = await producer.send({
      topic: topic.name,
      acks: -1,
      messages: [{ key: canary.canaryId, value: await serde.encode(schemaId, canary) }],
    });
    partition = ack.partition;
    offset = ack.baseOffset ?? ack.offset ?? '0';
  } finally {
    await producer.disconnect();
  }

  const received = await consumeAt(kafka, topic.name, partition, offset, timeoutMs);
  const decoded = await serde.decode<PipelineCanary>(received);
  if (decoded.canaryId !== canary.canaryId) {
    throw new Error(`canary mismatch at ${topic.name}/${partition}@${offset}: sent ${canary.canaryId}, read ${decoded.canaryId}`);
  }
  await dataSource
    .getRepository(CanaryEntity)
    .createQueryBuilder()
    .insert()
    .values({
      canaryId: decoded.canaryId,
      emittedAt: decoded.emittedAt,
      emittedBy: decoded.emittedBy,
      receivedAt: new Date(),
      schemaId: AvroSerde.schemaIdOf(received),
      kafkaTopic: topic.name,
      kafkaPartition: partition,
      kafkaOffset: offset,
    })
    .orIgnore()
    .execute();
  return { canary: decoded, schemaId, partition, offset, roundTripMs: Math.round(performance.now() - started) };
}

/** Reads the one message at topic/partition/offset with a throwaway consumer group. */
async function consumeAt(kafka: Kafka, topic: string, partition: number, offset: string, timeoutMs: number): Promise<Buffer> {
  const groupId = `backbone-ops-canary-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId });
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: false });
    return await new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`canary not consumed within ${timeoutMs} ms`)), timeoutMs);
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ partition: p, message }) => {
            if (p === partition && message.offset === offset && message.value) {
              clearTimeout(timer);
              resolve(message.value);
            }
          },
        })
        .then(() => consumer.seek({ topic, partition, offset }))
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
    // The group was for this one read; leaving it behind would only clutter the group list.
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}
