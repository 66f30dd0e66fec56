import 'reflect-metadata';
import { Command } from 'commander';
import { ConfigError, loadConfig, stackEnv } from '@backbone/config';
import { CanaryEntity, runCanary } from '@backbone/canary';
import { createKafka } from '@backbone/messaging';
import { createLogger } from '@backbone/observability';
import { createDataSource, migrate } from '@backbone/persistence';
import { AvroSerde } from '@backbone/serde';

/** Operations on the backbone from the command line. Every command reads the same environment as the apps. */
const program = new Command('ops-cli').description('Operate the Oslo data-sharing backbone');

function stack() {
  const config = loadConfig(stackEnv);
  const logger = createLogger('ops-cli', config.LOG_LEVEL);
  return { config, logger, kafka: createKafka(config, logger), dataSource: createDataSource(config, [CanaryEntity]) };
}

program
  .command('migrate')
  .description('apply pending database migrations')
  .action(async () => {
    const { dataSource } = stack();
    await dataSource.initialize();
    try {
      const applied = await migrate(dataSource);
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
    } finally {
      await dataSource.destroy();
    }
  });

program
  .command('canary')
  .description('send one canary event through registry, Kafka, a consumer and PostgreSQL, and read it back')
  .action(async () => {
    const { config, kafka, dataSource } = stack();
    await dataSource.initialize();
    try {
      await migrate(dataSource);
      const result = await runCanary({ kafka, serde: new AvroSerde(config.SCHEMA_REGISTRY_URL), dataSource }, 'ops-cli');
      const [row] = await dataSource.query(
        'SELECT canary_id, kafka_topic, kafka_partition, kafka_offset, schema_id, received_at FROM ops_canary WHERE canary_id = $1',
        [result.canary.canaryId],
      );
      console.log(`published canary ${result.canary.canaryId} as Avro (schema id ${result.schemaId})`);
      console.log(`read it back from ${row.kafka_topic}[${row.kafka_partition}]@${row.kafka_offset}, stored in ops_canary at ${row.received_at.toISOString()}`);
      console.log(`round trip: ${result.roundTripMs} ms`);
    } finally {
      await dataSource.destroy();
    }
  });

program.parseAsync().catch((error: unknown) => {
  process.stderr.write(`ops-cli: ${error instanceof ConfigError ? error.message : (error as Error).stack ?? error}\n`);
  process.exit(1);
});
