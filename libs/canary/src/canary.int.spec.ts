import { Kafka } from 'kafkajs';
import { DataSource } from 'typeorm';
import { loadConfig, stackEnv } from '@backbone/config';
import { createKafka } from '@backbone/messaging';
import { createLogger } from '@backbone/observability';
import { createDataSource, migrate } from '@backbone/persistence';
import { AvroSerde } from '@backbone/serde';
import { canaryContract, runCanary } from './canary';
import { CanaryEntity } from './canary.entity';

// The first thread through the real stack: registry, Kafka, consumer, PostgreSQL through TypeORM.
describe('pipeline canary (real Kafka, registry and PostgreSQL)', () => {
  const config = loadConfig(stackEnv.extend({ KAFKA_CLIENT_ID: stackEnv.shape.KAFKA_CLIENT_ID.default('canary-int') }));
  let kafka: Kafka;
  let dataSource: DataSource;
  const serde = new AvroSerde(config.SCHEMA_REGISTRY_URL);

  beforeAll(async () => {
    kafka = createKafka(config, createLogger('canary-int', 'warn'));
    dataSource = createDataSource({ ...config, DATABASE_POOL_SIZE: 2 }, [CanaryEntity]);
    await dataSource.initialize();
    await migrate(dataSource);
  });

  afterAll(async () => {
    await dataSource?.destroy();
  });

  it('registers the schema, produces, consumes, decodes and records the canary', async () => {
    const result = await runCanary({ kafka, serde, dataSource }, 'canary.int.spec');

    // The message on the topic is Confluent-framed Avro written with the registered schema.
    const registered = await serde.registry.getSchema(result.schemaId);
    expect(JSON.stringify(registered)).toContain('PipelineCanary');

    const row = await dataSource.getRepository(CanaryEntity).findOneByOrFail({ canaryId: result.canary.canaryId });
    expect(row).toMatchObject({
      emittedBy: 'canary.int.spec',
      schemaId: result.schemaId,
      kafkaTopic: canaryContract().topic.name,
      kafkaPartition: result.partition,
      kafkaOffset: result.offset,
    });
    expect(row.emittedAt.getTime()).toBe(result.canary.emittedAt.getTime());
  });

  it('gets the same schema id when the same schema is registered again', async () => {
    const first = await serde.register(canaryContract().schema);
    const second = await serde.register(canaryContract().schema);
    expect(second).toBe(first);
  });

  it('applies migrations through TypeORM, not synchronize', async () => {
    const applied = await dataSource.query(`SELECT name FROM schema_migrations ORDER BY id`);
    expect(applied.map((m: { name: string }) => m.name)).toContain('Foundation1764340000000');
    expect(dataSource.options.synchronize).toBe(false);
  });
});
