import { execFileSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Client, Pool } from 'pg';
import { recipientKeyOf } from '@backbone/access-control';
import { GOVERNANCE_TOPIC } from '@backbone/access-model';
import { loadConfig, stackEnv } from '@backbone/config';
import { exampleEvent, loadTopicCatalog, provisionTopics, type SchemaSet } from '@backbone/contracts';
import { createLogger } from '@backbone/observability';
import { createKafka } from '@backbone/messaging';
import { RECIPIENT_TOPICS } from '@backbone/recipient-model';
import { startGroupAtEnds } from '../../test/support/stack-clients';
import { HOME_CARE } from '../../test/support/test-requesters';
import type { SyntheticPatient } from './clinical-load';
import { benchToken, ingestClient, startIngestApp, waitReady } from './ingest-process';
import { freshDatabase, startAccessProjector, startBuiltApp } from './projector-process';

/*
 * The whole write side for a benchmark on the real stack: the built ingest-api, outbox-relay,
 * access-projector and recipient-projector as their own processes (ports port..port+3), a fresh
 * database, consumer groups starting at the topics' ends.
 */

const ROOT = join(__dirname, '..', '..');
const HOME_CARE_KEY = recipientKeyOf(HOME_CARE);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface Pipeline {
  databaseUrl: string;
  /** The process ids of the apps by name, for CPU accounting. */
  pids: Record<string, number>;
  db: Client;
  pool: Pool;
  post: (path: string, body: string | Buffer) => Promise<void>;
  stop: () => Promise<void>;
}

export async function startPipeline(database: string, port: number): Promise<Pipeline> {
  execFileSync('bash', [join(ROOT, 'scripts', 'stack.sh'), 'up'], { stdio: 'inherit' });
  for (const app of ['ingest-api', 'outbox-relay', 'access-projector', 'recipient-projector']) execFileSync('npx', ['nest', 'build', app], { cwd: ROOT, stdio: 'inherit' });
  const kafka = createKafka(loadConfig(stackEnv), createLogger('latency-bench', 'warn'));
  await provisionTopics(kafka, loadTopicCatalog());
  const databaseUrl = await freshDatabase(database);
  // New groups at the topics' ends: the projectors see this run's events, not the topics' history.
  const accessGroup = `access-latency-${randomUUID()}`;
  const recipientGroup = `recipient-latency-${randomUUID()}`;
  await startGroupAtEnds(kafka, accessGroup, [GOVERNANCE_TOPIC]);
  await startGroupAtEnds(kafka, recipientGroup, RECIPIENT_TOPICS);
  const apps: ChildProcess[] = [startIngestApp(databaseUrl, port)];
  await waitReady(port); // migrates the fresh database before the others start
  apps.push(
    startBuiltApp('outbox-relay', databaseUrl, port + 1, {}),
    startAccessProjector(databaseUrl, accessGroup, port + 2),
    startBuiltApp('recipient-projector', databaseUrl, port + 3, { RECIPIENT_PROJECTOR_GROUP_ID: recipientGroup }),
  );
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  const pool = new Pool({ connectionString: databaseUrl, max: 4 });
  const post = ingestClient(port, await benchToken());
  const names = ['ingest-api', 'outbox-relay', 'access-projector', 'recipient-projector'];
  return {
    databaseUrl,
    pids: Object.fromEntries(apps.map((app, i) => [names[i], app.pid ?? 0])),
    db,
    pool,
    post,
    stop: async () => {
      for (const app of apps) app.kill('SIGTERM');
      await db.end().catch(() => undefined);
      await pool.end().catch(() => undefined);
    },
  };
}

/** Care relationships for every patient (home care), through the ingest API; resolves when home care holds them all. */
export async function homeCareFor(pipeline: Pipeline, schemas: SchemaSet, patients: SyntheticPatient[]): Promise<Map<string, string>> {
  const relationships = new Map<string, string>();
  for (let i = 0; i < patients.length; i += 500) {
    const events = patients.slice(i, i + 500).map(({ fnr, key }) => {
      const relationshipId = randomUUID();
      relationships.set(key, relationshipId);
      return { ...exampleEvent(schemas, 'CareRelationshipStarted', { patientFnr: fnr }), relationshipId };
    });
    await pipeline.post('/events/batch', JSON.stringify({ events }));
  }
  const deadline = Date.now() + 120_000;
  for (;;) {
    const { rows } = await pipeline.db.query<{ n: number }>('SELECT count(*)::int AS n FROM access_audience WHERE recipient_key = $1', [HOME_CARE_KEY]);
    if (rows[0].n >= patients.length) return relationships;
    if (Date.now() > deadline) throw new Error(`home care reached only ${rows[0].n} of ${patients.length} patients in 2 minutes`);
    await sleep(200);
  }
}

