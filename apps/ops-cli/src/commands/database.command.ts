import type { Command } from 'commander';
import { migrate } from '@backbone/persistence';
import { stackClients } from '../stack-clients';

export function databaseCommands(program: Command): void {
  program
    .command('migrate')
    .description('apply pending database migrations')
    .action(async () => {
      const { dataSource } = stackClients();
      await dataSource.initialize();
      try {
        const applied = await migrate(dataSource);
        console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
      } finally {
        await dataSource.destroy();
      }
    });
}
