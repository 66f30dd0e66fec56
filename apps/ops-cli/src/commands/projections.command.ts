import type { Command } from 'commander';
import type { Pool } from 'pg';
import { projectionLag, projectionName, projectionVersions, switchLiveProjectionVersion } from '@backbone/projection';
import { dropRecipientModelTables, RECIPIENT_MODEL, RECIPIENT_TOPICS } from '@backbone/recipient-model';
import { wholeNumber, withPool } from '../cli-support';

/** The versioned read models: what each consumes (for its lag) and how a retired version is dropped. */
const VERSIONED: Record<string, { topics: readonly string[]; drop: (pool: Pool, version: number) => Promise<void> }> = {
  [RECIPIENT_MODEL]: { topics: RECIPIENT_TOPICS, drop: dropRecipientModelTables },
};

function versionedNamed(name: string) {
  const entry = VERSIONED[name];
  if (!entry) throw new Error(`<name>: not a versioned read model: ${name} (known: ${Object.keys(VERSIONED).join(', ')})`);
  return entry;
}

/**
 * Rebuilding a read model: a projector started with the next version builds it beside the live
 * one; `status` shows how far behind it is; `switch` makes it live once caught up (readers follow
 * at once); `drop` removes a retired version's tables.
 */
export function projectionCommands(program: Command): void {
  const projections = program.command('projections').description('versioned read models: status, switch to a rebuilt version, drop a retired one');
  projections
    .command('status')
    .description('every version of every versioned read model, its state and how many records it is behind its topics')
    .action(() =>
      withPool(async (pool, { kafka }) => {
        const versions = await projectionVersions(pool);
        if (versions.length === 0) console.log('no versioned read model has been built');
        for (const v of versions) {
          const known = VERSIONED[v.name];
          const lag = v.state === 'retired' || !known ? undefined : await projectionLag(pool, kafka, projectionName(v.name, v.version), known.topics);
          const since = v.state === 'live' ? ` since ${v.liveSince?.toISOString()}` : v.state === 'retired' ? ` at ${v.retiredAt?.toISOString()}` : '';
          console.log(`${projectionName(v.name, v.version)} ${v.state}${since}${lag ? `, ${lag.total} records behind` : ''}${known ? '' : ' (not a read model this build knows)'}`);
        }
      }),
    );
  projections
    .command('switch <name> <version>')
    .description('make a rebuilt version live (readers use it from their next request) and retire the one that was live')
    .option('--max-lag <n>', 'refuse while the version is more than this many records behind its topics', '1000')
    .action((name: string, versionText: string, options: { maxLag: string }) => {
      const { topics } = versionedNamed(name);
      const version = wholeNumber(versionText, '<version>', 1);
      const maxLag = wholeNumber(options.maxLag, '--max-lag', 0);
      return withPool(async (pool, { kafka }) => {
        const { total } = await projectionLag(pool, kafka, projectionName(name, version), topics);
        if (total > maxLag) throw new Error(`${projectionName(name, version)} is ${total} records behind its topics (--max-lag ${maxLag}); let it catch up first`);
        const { from, to } = await switchLiveProjectionVersion(pool, name, version);
        console.log(`${projectionName(name, to)} is live (${total} records behind)${from ? `; ${projectionName(name, from)} is retired: stop its projector, then drop it` : ''}`);
      });
    });
  projections
    .command('drop <name> <version>')
    .description("drop a retired version's tables and positions (its dead letters stay)")
    .action((name: string, versionText: string) => {
      const { drop } = versionedNamed(name);
      const version = wholeNumber(versionText, '<version>', 1);
      return withPool(async (pool) => {
        const state = (await projectionVersions(pool, name)).find((v) => v.version === version)?.state;
        if (state !== 'retired') throw new Error(`${projectionName(name, version)} is ${state ?? 'unknown'}; only a retired version can be dropped`);
        await drop(pool, version);
        console.log(`dropped the tables of ${projectionName(name, version)}`);
      });
    });
}
