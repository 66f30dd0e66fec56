// Delivery benchmark. One command: npm run bench:delivery
// The built delivery app as its own process (as deployed, deploy/node-args) over a database of its
// own holding one recipient's feed: BENCH_DELIVERY_PATIENTS patients under that recipient's home
// care, each with home measurements it may see and lab results it may not (withheld at delivery
// time), written straight into the access model and the read model (not timed). Measured, 3 runs
// each, medians reported:
//   1. pull: GET /feed from the start to the end, 1,000 per page, id-only and full, each page
//      decided by the engine and audited (access_log + outbox, one transaction) before it is sent;
//   2. webhook: a subscription registered from the start, the app's dispatcher sending signed
//      batches of 500 to a local receiver in this process, from registration to the last entry.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { DevIssuer } from '@backbone/auth';
import { loadConfig, stackEnv } from '@backbone/config';
import { EventCodec, patientKey, SchemaSet, syntheticFnr } from '@backbone/contracts';
import { createDataSource, migrate } from '@backbone/persistence';
import { AvroSerde } from '@backbone/serde';
import { homeCareRecipient, homeCareRelationship, writeAccessFacts, writeFeedItems, type TestItem } from '../libs/delivery/src/delivery-test-support';
import { cpuAccount, pidsOf } from './support/cpu';
import { nodeArgsWith, serviceEnv } from './support/ingest-process';
import { freshDatabase } from './support/projector-process';
import { median, writeResults } from './support/results';

const ROOT = join(__dirname, '..');
const PATIENTS = Number(process.env.BENCH_DELIVERY_PATIENTS ?? 2_000);
const SEEN_PER_PATIENT = 20;
const WITHHELD_PER_PATIENT = 5;
const RUNS = 3;
const PORT = 3960;
const DATABASE = 'backbone_bench_delivery';
const CLIENT = 'bench-vendor';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function seed(pool: Pool, codec: EventCodec, recipientKey: string, recipient: ReturnType<typeof homeCareRecipient>): Promise<number> {
  const secret = readFileSync(join(ROOT, '.stack', 'secrets', 'patient-key-secret'), 'utf8');
  const items: TestItem[] = [];
  for (let from = 0; from < PATIENTS; from += 500) {
    const facts = new Map();
    for (let n = from; n < Math.min(PATIENTS, from + 500); n += 1) {
      const fnr = syntheticFnr(n);
      const key = patientKey(secret, fnr);
      facts.set(key, { relationships: [homeCareRelationship(recipient)], consents: [], blocks: [], emergencyAccesses: [] });
      for (let i = 0; i < SEEN_PER_PATIENT; i += 1) items.push({ patientKey: key, patientFnr: fnr });
      for (let i = 0; i < WITHHELD_PER_PATIENT; i += 1) items.push({ patientKey: key, patientFnr: fnr, itemKey: `lab:${n}-${i}`, category: 'LAB', eventType: 'LabResultReported' });
    }
    await writeAccessFacts(pool, facts);
  }
  // A recipient's feed follows time, not patients: consecutive entries are mostly of different patients.
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  for (let from = 0; from < items.length; from += 2_500) await writeFeedItems(pool, codec, recipientKey, items.slice(from, from + 2_500));
  return items.length;
}

function startDelivery(databaseUrl: string, subscribers: string): ChildProcess {
  return spawn('node', [...nodeArgsWith('BENCH_APP_NODE_ARGS'), join(ROOT, 'dist', 'apps', 'delivery', 'main.js')], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      ...serviceEnv(),
      PORT: String(PORT),
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: 'error',
      SUBSCRIBERS_FILE: subscribers,
      WEBHOOK_ALLOW_HTTP: 'true',
      WEBHOOK_ALLOW_PRIVATE_HOSTS: 'true',
      WEBHOOK_BATCH_SIZE: '500',
      WEBHOOK_POLL_MS: '20',
      WEBHOOK_IDLE_RECHECK_MS: '100',
    },
  });
}

async function main(): Promise<void> {
  execFileSync('bash', [join(ROOT, 'scripts', 'stack.sh'), 'up'], { stdio: 'inherit' });
  // BENCH_NO_BUILD=1 measures the delivery app already in dist/ (when another part of the tree does not build at the moment).
  if (process.env.BENCH_NO_BUILD !== '1') execFileSync('npx', ['nest', 'build', 'delivery'], { cwd: ROOT, stdio: 'inherit' });
  const databaseUrl = await freshDatabase(DATABASE);
  const dataSource = createDataSource({ DATABASE_URL: databaseUrl, DATABASE_POOL_SIZE: 4 });
  await dataSource.initialize();
  await migrate(dataSource);
  await dataSource.destroy();
  const pool = new Pool({ connectionString: databaseUrl, max: 4 });

  const recipient = homeCareRecipient('4001099');
  const recipientKey = recipient.recipientKey;
  // The patient store's events as the projector stores them (Avro, as published): the delivery app decodes each.
  const codec = new EventCodec(SchemaSet.load(), new AvroSerde(loadConfig(stackEnv).SCHEMA_REGISTRY_URL));
  const entries = await seed(pool, codec, recipientKey, recipient);
  const visible = PATIENTS * SEEN_PER_PATIENT;
  console.log(`seeded ${entries} feed rows (${visible} visible) for ${PATIENTS} patients`);

  const subscribers = join(mkdtempSync(join(tmpdir(), 'delivery-bench-')), 'subscribers.yaml');
  writeFileSync(subscribers, `clients:\n  - { clientId: ${CLIENT}, name: bench, recipients: ["${recipientKey}"], maxContent: full }\n`);
  const app = startDelivery(databaseUrl, subscribers);
  const base = `http://127.0.0.1:${PORT}`;
  try {
    for (let i = 0; ; i += 1) {
      if ((await fetch(`${base}/health/ready`).then((r) => r.ok).catch(() => false)) === true) break;
      if (i > 120) throw new Error('the delivery app did not become ready');
      await sleep(500);
    }
    const issuer = await DevIssuer.loadOrCreate();
    const token = await issuer.sign({ subject: CLIENT, clientId: CLIENT, audience: 'backbone-delivery', scope: 'backbone:subscribe' });
    const headers = { Authorization: `Bearer ${token}` };
    const cpuParts = { delivery: () => [app.pid!], postgres: () => pidsOf('postgres'), bench: () => [process.pid] };

    const pull = async (content: 'id-only' | 'full') => {
      let cursor: string | undefined;
      let delivered = 0;
      const cpu = cpuAccount(cpuParts);
      const started = performance.now();
      for (;;) {
        const params = new URLSearchParams({ recipient: recipientKey, limit: '1000', content, ...(cursor ? { cursor } : {}) });
        const response = await fetch(`${base}/feed?${params}`, { headers });
        if (!response.ok) throw new Error(`GET /feed: ${response.status} ${await response.text()}`);
        const page = (await response.json()) as { entries: unknown[]; nextCursor: string; hasMore: boolean };
        delivered += page.entries.length;
        cursor = page.nextCursor;
        if (!page.hasMore) break;
      }
      const seconds = (performance.now() - started) / 1000;
      if (delivered !== visible) throw new Error(`pulled ${delivered} entries, expected ${visible}`);
      return { perSecond: delivered / seconds, seconds, cpu: cpu() };
    };

    const webhook = async () => {
      let received = 0;
      let done!: () => void;
      const all = new Promise<void>((resolve) => (done = resolve));
      const server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          received += (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { entries: unknown[] }).entries.length;
          res.writeHead(204).end();
          if (received >= visible) done();
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
      const cpu = cpuAccount(cpuParts);
      const started = performance.now();
      const created = await fetch(`${base}/subscriptions`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ recipient: recipientKey, url }) });
      if (created.status !== 201) throw new Error(`POST /subscriptions: ${created.status} ${await created.text()}`);
      const { id } = (await created.json()) as { id: string };
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`webhook: ${received} of ${visible} after 10 minutes`)), 600_000);
      });
      await Promise.race([all, deadline]).finally(() => clearTimeout(timer));
      const seconds = (performance.now() - started) / 1000;
      await fetch(`${base}/subscriptions/${id}`, { method: 'DELETE', headers });
      server.closeAllConnections();
      server.close();
      return { perSecond: received / seconds, seconds, cpu: cpu() };
    };

    // One warm-up pull (JIT, the access model read whole, the audit schema registered), not counted.
    await pull('id-only');
    const idOnly = [];
    const full = [];
    const hooks = [];
    for (let run = 0; run < RUNS; run += 1) {
      idOnly.push(await pull('id-only'));
      full.push(await pull('full'));
      hooks.push(await webhook());
      console.log(`run ${run + 1}: pull id-only ${Math.round(idOnly[run].perSecond)}/s, full ${Math.round(full[run].perSecond)}/s, webhook ${Math.round(hooks[run].perSecond)}/s`);
    }
    const audited = (await pool.query<{ n: string }>('SELECT count(*) AS n FROM access_log')).rows[0].n;
    const round = (n: number) => Math.round(n);
    writeResults(
      'delivery',
      {
        feed_pull_entries_per_s: { value: round(median(idOnly.map((r) => r.perSecond))), unit: 'entries/s', better: 'higher' },
        feed_pull_full_entries_per_s: { value: round(median(full.map((r) => r.perSecond))), unit: 'entries/s', better: 'higher' },
        webhook_entries_per_s: { value: round(median(hooks.map((r) => r.perSecond))), unit: 'entries/s', better: 'higher' },
      },
      {
        method:
          `the built delivery app as its own process over a database of its own; one recipient's feed of ${entries} rows for ${PATIENTS} patients ` +
          `(${SEEN_PER_PATIENT} home measurements each, delivered, and ${WITHHELD_PER_PATIENT} lab results each, withheld by the engine at delivery time), in random order across patients (a 1,000-entry page holds about 790 patients, so about 790 audit records); ` +
          `pull: GET /feed from the start, 1,000 per page, one client, sequential; webhook: POST /subscriptions from the start, the app's dispatcher sending signed batches of 500 ` +
          `to a local HTTP receiver in the bench process, from registration to the last entry; every page audited (one DataAccessed per patient per page, access_log + outbox) before it left. Medians of ${RUNS} runs after one warm-up pull.`,
        entriesDelivered: visible,
        runs: {
          pullIdOnly: idOnly.map((r) => ({ perSecond: round(r.perSecond), seconds: Math.round(r.seconds * 100) / 100, cpuSeconds: r.cpu })),
          pullFull: full.map((r) => ({ perSecond: round(r.perSecond), seconds: Math.round(r.seconds * 100) / 100, cpuSeconds: r.cpu })),
          webhook: hooks.map((r) => ({ perSecond: round(r.perSecond), seconds: Math.round(r.seconds * 100) / 100, cpuSeconds: r.cpu })),
        },
        auditRecordsWritten: Number(audited),
      },
    );
  } finally {
    app.kill('SIGTERM');
    await pool.end();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
