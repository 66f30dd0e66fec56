import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { ACCESS_PROJECTION } from '@backbone/access-model';
import type { PartitionOffsets } from './governance-load';

const ROOT = join(__dirname, '..', '..');

/** An empty database of the given name (dropped first), for a run that must not see earlier data. */
export async function freshDatabase(name: string): Promise<string> {
  const admin = new Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return `postgres://postgres@127.0.0.1:5432/${name}`;
}

/** The built access-projector as its own process, as deployed (deploy/node-args). */
export function startAccessProjector(databaseUrl: string, groupId: string, port: number, env: Record<string, string> = {}): ChildProcess {
  const nodeArgs = readFileSync(join(ROOT, 'deploy', 'node-args'), 'utf8').split(/\s+/).filter(Boolean);
  return spawn('node', [...nodeArgs, join(ROOT, 'dist', 'apps', 'access-projector', 'main.js')], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, PORT: String(port), DATABASE_URL: databaseUrl, ACCESS_PROJECTOR_GROUP_ID: groupId, LOG_LEVEL: 'error', ...env },
  });
}

/** Events applied (or dead-lettered) past the given offsets, from the positions the projector stored. */
export async function appliedSince(db: Client, start: PartitionOffsets): Promise<number> {
  const { rows } = await db
    .query<{ partition: number; next_offset: string }>('SELECT partition, next_offset FROM projection_position WHERE projection = $1', [ACCESS_PROJECTION])
    .catch(() => ({ rows: [] as Array<{ partition: number; next_offset: string }> }));
  return rows.reduce((sum, r) => sum + Math.max(0, Number(r.next_offset) - Number(start.find((s) => s.partition === r.partition)?.offset ?? 0)), 0);
}
