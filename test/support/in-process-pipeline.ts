import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import { defaultPolicyTable, type PolicyTable } from '@backbone/access-control';
import { ACCESS_PROJECTION, AccessModelReader, AccessProjection, GOVERNANCE_TOPIC } from '@backbone/access-model';
import { EventCodec, SchemaSet } from '@backbone/contracts';
import { ProjectionConsumer, type ProjectionHandler } from '@backbone/projection';
import { EventPublisher, OutboxBacklog, OutboxRelay } from '@backbone/publisher';
import { RECIPIENT_TOPICS, RecipientProjection, recipientModelTables } from '@backbone/recipient-model';
import { AvroSerde } from '@backbone/serde';
import { connectTestStack, startGroupAtEnds, startGroupAtOffsets, type PartitionOffsets } from './stack-clients';
import { TEST_CLIENT, testPublisherRegistry } from './test-publishers';

/**
 * The backbone's write side inside a test process, on the real stack: the publisher (validation,
 * idempotency, outbox), the outbox relay to Kafka, and projection consumers started on demand with
 * groups of their own (at the topics' ends, or at given offsets). Tests that need the whole flow
 * from a published event to the read models start it here instead of wiring it again.
 */
export interface InProcessPipeline {
  kafka: Kafka;
  dataSource: DataSource;
  pool: Pool;
  codec: EventCodec;
  schemas: SchemaSet;
  table: PolicyTable;
  publisher: EventPublisher;
  /** Publishes events as the test client that may publish everything; throws unless all are accepted. */
  publish(...events: object[]): Promise<void>;
  /** A projection consumer with a group of its own, at the topics' ends (or at `startAt`). */
  startConsumer(projection: string, topics: string[], handler: ProjectionHandler, startAt?: Map<string, PartitionOffsets>): Promise<ProjectionConsumer>;
  /** The access projection and a recipient projection (into the live v1 tables), both at the topics' ends; `run` names their positions. */
  startProjectors(run: string): Promise<{ access: ProjectionConsumer; recipient: ProjectionConsumer }>;
  stop(): Promise<void>;
}

export async function startInProcessPipeline(logger: Logger): Promise<InProcessPipeline> {
  const secret = process.env.PATIENT_KEY_SECRET!;
  const schemas = SchemaSet.load();
  const table = defaultPolicyTable();
  const stack = await connectTestStack(logger);
  const { kafka, dataSource, pool } = stack;
  const codec = new EventCodec(schemas, new AvroSerde(stack.config.SCHEMA_REGISTRY_URL));
  const publisher = new EventPublisher(pool, schemas, codec, testPublisherRegistry(), new OutboxBacklog(), { patientKeySecret: secret, allowSyntheticIdentifiers: true, maxBacklog: 100_000 });
  await publisher.warmUp();
  const relay = new OutboxRelay(pool, kafka, new OutboxBacklog(), logger, { batchSize: 500, idlePollMs: 20, maxBackoffMs: 1_000 });
  relay.start();
  const consumers: ProjectionConsumer[] = [];

  const startConsumer: InProcessPipeline['startConsumer'] = async (projection, topics, handler, startAt) => {
    const groupId = `${projection}-${randomUUID()}`;
    if (startAt) await startGroupAtOffsets(kafka, groupId, startAt);
    else await startGroupAtEnds(kafka, groupId, topics);
    const consumer = new ProjectionConsumer(pool, kafka, handler, codec, logger, { projection, groupId, topics, chunkSize: 200, maxAttempts: 3, maxBackoffMs: 1_000 });
    await consumer.start();
    consumers.push(consumer);
    return consumer;
  };

  return {
    kafka,
    dataSource,
    pool,
    codec,
    schemas,
    table,
    publisher,
    async publish(...events) {
      const outcome = await publisher.publish(events, TEST_CLIENT);
      if (!outcome.ok) throw new Error(`not accepted: ${JSON.stringify(outcome)}`);
    },
    startConsumer,
    async startProjectors(run) {
      const access = await startConsumer(`${ACCESS_PROJECTION}.test-${run}`, [GOVERNANCE_TOPIC], new AccessProjection(codec, table));
      const recipient = await startConsumer(`${recipientModelTables(1).projection}.test-${run}`, RECIPIENT_TOPICS, new RecipientProjection(codec, new AccessModelReader(pool, table)));
      return { access, recipient };
    },
    async stop() {
      for (const consumer of consumers) await consumer.stop();
      await relay.stop();
      await dataSource.destroy();
    },
  };
}
