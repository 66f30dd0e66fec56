import 'reflect-metadata';
import { Command } from 'commander';
import { ConfigError } from '@backbone/config';
import { accessCommands } from './commands/access.command';
import { auditCommands } from './commands/audit.command';
import { canaryCommands } from './commands/canary.command';
import { contractCommands } from './commands/contracts.command';
import { databaseCommands } from './commands/database.command';
import { outboxCommands } from './commands/outbox.command';
import { projectionCommands } from './commands/projections.command';

/** Operations on the backbone from the command line. Every command reads the same environment as the apps. */
const program = new Command('ops-cli').description('Operate the Oslo data-sharing backbone');
databaseCommands(program);
canaryCommands(program);
contractCommands(program);
outboxCommands(program);
accessCommands(program);
projectionCommands(program);
auditCommands(program);

program.parseAsync().catch((error: unknown) => {
  process.stderr.write(`ops-cli: ${error instanceof ConfigError ? error.message : ((error as Error).stack ?? String(error))}\n`);
  process.exit(1);
});
