import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// A clustered app in a child process (the primary and its workers are real processes): each
// worker serves GET / (counting requests in its own registry), GET /pid and GET /metrics (the
// whole app's figures, through the primary).
const APP = `
const cluster = require('node:cluster');
const http = require('node:http');
const { Counter, Gauge, Registry } = require(${JSON.stringify(require.resolve('prom-client'))});
const { superviseWorkers, metricsOfAllWorkers, offerMetricsToPrimary } = require(${JSON.stringify(join(__dirname, 'cluster.ts'))});
if (cluster.isPrimary) {
  superviseWorkers('probe', 2);
} else if (process.env.PROBE_FAIL_TO_START) {
  process.exit(3);
} else {
  const registry = new Registry();
  offerMetricsToPrimary(registry);
  const served = new Counter({ name: 'probe_served_total', help: 'requests', registers: [registry] });
  new Gauge({ name: 'probe_shared', help: 'the same in every worker', registers: [registry], aggregator: 'max', collect() { this.set(7); } });
  http.createServer(async (request, response) => {
    if (request.url === '/metrics') return response.end(await metricsOfAllWorkers());
    if (request.url === '/pid') return response.end(String(process.pid));
    if (request.url === '/ask-and-die') {
      // Asks the primary for the metrics and dies before the answer can arrive.
      metricsOfAllWorkers().catch(() => undefined);
      response.end('bye', () => process.exit(1));
      return;
    }
    served.inc();
    response.end('ok');
  }).listen(Number(process.env.PROBE_PORT), '127.0.0.1');
}`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const port = 39_000 + (process.pid % 1_000);
const get = async (path: string) => {
  // A fresh connection each time: the primary hands connections, not requests, to the workers.
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { connection: 'close' }, signal: AbortSignal.timeout(2_000) });
  return response.text();
};

async function until<T>(probe: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined && ok(value)) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(100);
  }
}

describe('an HTTP app on several worker processes', () => {
  let app: ChildProcess;
  let exited: Promise<number | null>;
  // A file, not -e: the workers run the primary's main module again.
  const dir = mkdtempSync(join(tmpdir(), 'cluster-probe-'));
  const main = join(dir, 'main.js');

  beforeAll(async () => {
    writeFileSync(main, APP);
    app = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), main], { env: { ...process.env, PROBE_PORT: String(port), LOG_LEVEL: 'silent' }, stdio: 'ignore' });
    exited = new Promise((resolve) => app.on('exit', (code) => resolve(code)));
    // Both workers listening: the primary only hands connections to workers that listen.
    await until(async () => new Set(await Promise.all(Array.from({ length: 8 }, () => get('/pid')))), (pids) => pids.size === 2);
  }, 30_000);

  afterAll(() => {
    if (app.exitCode === null) app.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('spreads connections over its workers and reports the whole app on /metrics', async () => {
    const served = new Map<string, number>();
    for (let n = 0; n < 10; n += 1) {
      const pid = await get('/pid');
      served.set(pid, (served.get(pid) ?? 0) + 1);
    }
    for (let n = 0; n < 10; n += 1) await get('/');
    // Round robin: five connections each (allowing for some taken in between).
    expect([...served.values()].every((count) => count >= 3)).toBe(true);
    expect(served.size).toBe(2);
    const metrics = await get('/metrics');
    expect(metrics).toMatch(/^probe_served_total 10$/m); // summed over both workers
    expect(metrics).toMatch(/^probe_shared 7$/m); // a shared figure, not doubled
  }, 30_000);

  it('keeps serving when a worker dies while the primary collects the metrics it asked for', async () => {
    await get('/ask-and-die');
    // The primary answers once every worker has sent its registry or its wait (3 s) is over.
    await sleep(3_500);
    const pids = await until(async () => new Set(await Promise.all(Array.from({ length: 8 }, () => get('/pid')))), (seen) => seen.size === 2);
    expect(pids.size).toBe(2);
    expect(await get('/metrics')).toMatch(/^probe_shared 7$/m);
  }, 30_000);

  it('replaces a worker that dies, and stops every worker on SIGTERM', async () => {
    const victim = Number(await get('/pid'));
    process.kill(victim, 'SIGKILL');
    const pids = await until(
      async () => new Set(await Promise.all(Array.from({ length: 8 }, () => get('/pid')))),
      (seen) => seen.size === 2 && !seen.has(String(victim)),
    );
    app.kill('SIGTERM');
    expect(await exited).toBe(0);
    for (const pid of pids) expect(() => process.kill(Number(pid), 0)).toThrow();
  }, 30_000);
});

describe('an HTTP app whose workers cannot start', () => {
  it('stops, with an error, as a single process would', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cluster-probe-'));
    try {
      const main = join(dir, 'main.js');
      writeFileSync(main, APP);
      const app = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), main], {
        env: { ...process.env, PROBE_PORT: String(port + 1), PROBE_FAIL_TO_START: '1', LOG_LEVEL: 'silent' },
        stdio: 'ignore',
      });
      const code = await new Promise<number | null>((resolve) => app.on('exit', (exitCode) => resolve(exitCode)));
      expect(code).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
