import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import { ACCESS_PROJECTION, GOVERNANCE_TOPIC } from '@backbone/access-model';
import { benchDatabaseUrl } from './database-url';
import { nodeArgsWith, serviceEnv } from './ingest-process';
import type { PartitionOffsets } from './governance-load';

const ROOT = join(__dirname, '..', '..');

/** An empty database of the given name (dropped first), for a run that must not see earlier data. */
export async function freshDatabase(name: string): Promise<string> {
  const admin = new Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return benchDatabaseUrl(name);
}

/** A built backbone app (a projector, the outbox relay, the query API) as its own process, as deployed (deploy/node-args, plus BENCH_APP_NODE_ARGS). */
export function startBuiltApp(app: 'access-projector' | 'recipient-projector' | 'outbox-relay' | 'query-api', databaseUrl: string, port: number, env: Record<string, string>): ChildProcess {
  return spawn('node', [...nodeArgsWith('BENCH_APP_NODE_ARGS'), join(ROOT, 'dist', 'apps', app, 'main.js')], {
    cwd: ROOT,
    // BENCH_APP_LOGS=1 shows the apps' standard output too (e.g. with BENCH_APP_NODE_ARGS=--trace-gc).
    stdio: ['ignore', process.env.BENCH_APP_LOGS ? 'inherit' : 'ignore', 'inherit'],
    env: { ...process.env, ...serviceEnv(), PORT: String(port), DATABASE_URL: databaseUrl, LOG_LEVEL: 'error', ...env },
  });
}

export function startAccessProjector(databaseUrl: string, groupId: string, port: number, env: Record<string, string> = {}): ChildProcess {
  return startBuiltApp('access-projector', databaseUrl, port, { ACCESS_PROJECTOR_GROUP_ID: groupId, ...env });
}

/** Messages a projection applied (or dead-lettered) past the given offsets of each topic, from its stored positions. */
export async function projectedSince(db: Client, projection: string, start: Map<string, PartitionOffsets>): Promise<number> {
  const { rows } = await db
    .query<{ topic: string; partition: number; next_offset: string }>('SELECT topic, partition, next_offset FROM projection_position WHERE projection = $1', [projection])
    .catch(() => ({ rows: [] as Array<{ topic: string; partition: number; next_offset: string }> }));
  return rows.reduce((sum, r) => {
    const from = start.get(r.topic)?.find((s) => s.partition === r.partition)?.offset;
    return from === undefined ? sum : sum + Math.max(0, Number(r.next_offset) - Number(from));
  }, 0);
}

/** The access projection's progress past the given governance offsets. */
export const appliedSince = (db: Client, start: PartitionOffsets) => projectedSince(db, ACCESS_PROJECTION, new Map([[GOVERNANCE_TOPIC, start]]));
