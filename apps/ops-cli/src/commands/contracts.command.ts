import type { Command } from 'commander';
import {
  checkSchemas,
  loadTopicCatalog,
  provisionTopics,
  registerSchemas,
  SchemaRegistryAdmin,
  SchemaSet,
} from '@backbone/contracts';
import { stackClients } from '../stack-clients';

/** topics provision | schemas register | schemas check: the topic catalog and schemas/ applied to the stack. */
export function contractCommands(program: Command): void {
  const topics = program.command('topics').description('the Kafka topics of schemas/topics.yaml');
  topics
    .command('provision')
    .description('create missing topics and align partitions, retention and cleanup policy (idempotent)')
    .action(async () => {
      const { kafka } = stackClients();
      for (const result of await provisionTopics(kafka, loadTopicCatalog())) {
        console.log(`${result.action.padEnd(9)} ${result.topic}${result.changes.length ? `: ${result.changes.join('; ')}` : ''}`);
      }
    });
  topics
    .command('list')
    .description('print the catalog')
    .action(() => {
      for (const topic of loadTopicCatalog().topics) {
        console.log(`${topic.name} (${topic.partitions} partitions, key ${topic.key}): ${topic.eventTypes.map((e) => e.split('.').pop()).join(', ')}`);
      }
    });

  const schemas = program.command('schemas').description('the Avro schemas of schemas/ in the registry');
  schemas
    .command('register')
    .description('register every event schema under its record-name subject, with the catalog compatibility level')
    .action(async () => {
      const { config } = stackClients();
      const registered = await registerSchemas(new SchemaRegistryAdmin(config.SCHEMA_REGISTRY_URL), SchemaSet.load(), loadTopicCatalog());
      for (const r of registered) console.log(`id ${String(r.id).padStart(4)}  v${r.version}  ${r.subject}`);
    });
  schemas
    .command('check')
    .argument('[eventTypes...]', 'only these event types (short or full names)')
    .option('--schemas <dir>', 'the schemas folder to check (default: this repository)')
    .description('check the schemas in the files against the registered history; exit 1 on an incompatible change')
    .action(async (only: string[], options: { schemas?: string }) => {
      const { config } = stackClients();
      const outcomes = await checkSchemas(
        new SchemaRegistryAdmin(config.SCHEMA_REGISTRY_URL),
        SchemaSet.load(options.schemas),
        loadTopicCatalog(),
        only.length ? only : undefined,
      );
      let incompatible = 0;
      for (const outcome of outcomes) {
        console.log(`${outcome.status.padEnd(12)} ${outcome.subject}`);
        if (outcome.status === 'incompatible') {
          incompatible += 1;
          for (const problem of outcome.problems) console.log(`             ${problem}`);
        }
      }
      if (incompatible > 0) {
        console.error(`${incompatible} incompatible schema change(s): a consumer replaying the log would break`);
        process.exitCode = 1;
      }
    });
}
