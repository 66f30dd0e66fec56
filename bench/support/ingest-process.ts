import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
 * POSTs to the ingest API through node:http with keep-alive: the lightest client on hand, since
 * the load generator shares the two cores. Resolves on 202, rejects with the problem otherwise.
 */
export function ingestClient(port: number, token: string): (path: string, body: string | Buffer) => Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  return (path, body) =>
    new Promise<void>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port, path, method: 'POST', agent, headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}`, 'Content-Length': Buffer.byteLength(body) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => (res.statusCode === 202 ? resolve() : reject(new Error(`${path}: HTTP ${res.statusCode} ${Buffer.concat(chunks).toString()}`))));
        },
      );
      req.on('error', (error) => reject(new Error(`${path}: ${error.message} (body ${Buffer.byteLength(body)} bytes)`)));
      req.end(body);
    });
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
