import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from 'undici';
import { stringify } from 'yaml';
import { DevIssuer } from '@backbone/auth';
import { EVENT_TYPES } from '@backbone/contracts';

const ROOT = join(__dirname, '..', '..');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The flags the services are deployed with (deploy/node-args), plus any given in `variable` (e.g. --cpu-prof). */
export function nodeArgsWith(variable: string): string[] {
  const deployed = readFileSync(join(ROOT, 'deploy', 'node-args'), 'utf8').split(/\s+/);
  return [...deployed, ...(process.env[variable]?.split(' ') ?? [])].filter(Boolean);
}

/** The environment every service runs with (deploy/service-env, NAME=value lines; # starts a comment). */
export function serviceEnv(): Record<string, string> {
  const lines = readFileSync(join(ROOT, 'deploy', 'service-env'), 'utf8').split('\n');
  return Object.fromEntries(
    lines
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

/** A publisher registry with one client that may publish every type for the example custodians. */
function writeBenchPublishers(): string {
  const file = join(ROOT, '.stack', 'bench-publishers.yaml');
  writeFileSync(
    file,
    stringify({
      clients: [
        {
          clientId: 'bench-loader',
          name: 'benchmark load generator',
          custodians: ['993467049', '958935420', '923456783', '934567897', '994598759', '982791952'],
          eventTypes: Object.keys(EVENT_TYPES).filter((t) => t !== 'DataAccessed'),
        },
      ],
    }),
  );
  return file;
}

/** The built ingest-api as its own process, as deployed, publishing as the bench-loader client. */
export function startIngestApp(databaseUrl: string, port: number): ChildProcess {
  return spawn('node', [...nodeArgsWith('BENCH_APP_NODE_ARGS'), join(ROOT, 'dist', 'apps', 'ingest-api', 'main.js')], {
    cwd: ROOT,
    stdio: ['ignore', process.env.BENCH_APP_LOGS ? 'inherit' : 'ignore', 'inherit'],
    env: {
      ...process.env,
      ...serviceEnv(),
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      PUBLISHERS_FILE: writeBenchPublishers(),
      PATIENT_KEY_SECRET: readFileSync(join(ROOT, '.stack', 'secrets', 'patient-key-secret'), 'utf8'),
      ALLOW_SYNTHETIC_IDENTIFIERS: 'true',
      OUTBOX_MAX_BACKLOG: '5000000',
      INGEST_BODY_LIMIT_BYTES: String(16 * 1024 * 1024),
      LOG_LEVEL: 'warn',
    },
  });
}

/** A bearer token of the bench-loader client from the local development issuer. */
export async function benchToken(): Promise<string> {
  const issuer = await DevIssuer.loadOrCreate();
  return issuer.sign({ subject: 'bench', clientId: 'bench-loader', audience: 'backbone-ingest', scope: 'backbone:publish', expiresInSeconds: 7200 });
}

/**
 * POSTs to the ingest API through undici's connection pool with keep-alive: the load generator
 * shares the two cores with what it measures. At 500 single events/s it took a little less CPU per
 * request than node:http (medians ~370 against ~420 µs, alternated runs, much of either in the
 * kernel's loopback path). Resolves on 202, rejects with the problem otherwise.
 */
export function ingestClient(port: number, token: string): (path: string, body: string | Buffer) => Promise<void> {
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 64 });
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  return async (path, body) => {
    let response;
    try {
      response = await pool.request({ path, method: 'POST', headers, body });
    } catch (error) {
      throw new Error(`${path}: ${(error as Error).message} (body ${Buffer.byteLength(body)} bytes)`);
    }
    if (response.statusCode === 202) {
      await response.body.dump();
      return;
    }
    throw new Error(`${path}: HTTP ${response.statusCode} ${await response.body.text()}`);
  };
}

export async function waitReady(port: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const ok = await fetch(`http://127.0.0.1:${port}/health/ready`).then((r) => r.ok).catch(() => false);
    if (ok) return;
    await sleep(250);
  }
  throw new Error(`the app on port ${port} did not become ready`);
}
