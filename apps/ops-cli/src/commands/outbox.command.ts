import type { Command } from 'commander';
import { stackClients } from '../stack-clients';

export function outboxCommands(program: Command): void {
  program
    .command('outbox')
    .description('how many accepted events wait for Kafka, and how old the oldest is')
    .action(async () => {
      const { dataSource } = stackClients();
      await dataSource.initialize();
      try {
        const [row] = await dataSource.query(
          `SELECT coalesce(sum(event_count), 0)::int AS waiting, extract(epoch FROM now() - min(created_at))::float AS oldest FROM outbox`,
        );
        const [accepted] = await dataSource.query('SELECT count(*)::int AS n FROM ingest_event');
        console.log(`accepted so far: ${accepted.n}; waiting for Kafka: ${row.waiting}${row.waiting ? `, oldest ${row.oldest.toFixed(1)} s` : ''}`);
      } finally {
        await dataSource.destroy();
      }
    });
}
