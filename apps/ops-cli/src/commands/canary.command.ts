import type { Command } from 'commander';
import { runCanary } from '@backbone/canary';
import { migrate } from '@backbone/persistence';
import { AvroSerde } from '@backbone/serde';
import { stackClients } from '../stack-clients';

export function canaryCommands(program: Command): void {
  program
    .command('canary')
    .description('send one canary event through registry, Kafka, a consumer and PostgreSQL, and read it back')
    .action(async () => {
      const { config, kafka, dataSource } = stackClients();
      await dataSource.initialize();
      try {
        await migrate(dataSource);
        const result = await runCanary({ kafka, serde: new AvroSerde(config.SCHEMA_REGISTRY_URL), dataSource }, 'ops-cli');
        const [row] = await dataSource.query(
          'SELECT kafka_topic, kafka_partition, kafka_offset, received_at FROM ops_canary WHERE canary_id = $1',
          [result.canary.canaryId],
        );
        console.log(`published canary ${result.canary.canaryId} as Avro (schema id ${result.schemaId})`);
        console.log(`read it back from ${row.kafka_topic}[${row.kafka_partition}]@${row.kafka_offset}, stored in ops_canary at ${row.received_at.toISOString()}`);
        console.log(`round trip: ${result.roundTripMs} ms`);
      } finally {
        await dataSource.destroy();
      }
    });
}
