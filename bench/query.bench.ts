// Query benchmark (npm run bench:query): a health worker's patient summary of ~50 items through
// the built query-api on the real stack, with the need-to-know engine deciding every item and the
// audit record (access_log row + DataAccessed in the outbox) committed before each answer. The
// outbox relay runs, so the audit events also reach Kafka as in production.
//   1. seed: BENCH_PATIENTS patients, each with home care's relationship and 50 items home care may
//      see (46 home measurements, a medication list, 3 critical-info entries), through ingest,
//      the relay and both projectors;
//   2. throughput: BENCH_CONCURRENCY requests in flight (closed loop) for BENCH_SECONDS;
//   3. latency: an open loop at BENCH_QUERY_RATE requests/s (default 500, what this machine sustains with room to spare) for BENCH_SECONDS,
//      latency measured from each request's planned start.
// Three runs of 2 and 3; medians are reported. Goals: >= 2,000 requests/s, p99 <= 20 ms.
import { execFileSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Pool } from 'undici';
import { DevIssuer } from '@backbone/auth';
import { exampleEvent, SchemaSet } from '@backbone/contracts';
import { RECIPIENT_MODEL, recipientModelTables } from '@backbone/recipient-model';
import { patientKeySecret, syntheticPatients, type SyntheticPatient } from './support/clinical-load';
import { cpuAccount, pidsOf, withChildren } from './support/cpu';
import { atFixedRate } from './support/fixed-rate';
import { waitReady } from './support/ingest-process';
import { startBuiltApp } from './support/projector-process';
import { homeCareFor, startPipeline, type Pipeline } from './support/pipeline';
import { bucketPercentile, histogramAt } from './support/prometheus';
import { median, percentile, writeResults } from './support/results';
import { healthWorkerClaims, KARI_HOME_NURSE } from '../test/support/test-requesters';

const ROOT = join(__dirname, '..');
const PATIENTS = Number(process.env.BENCH_PATIENTS ?? 500);
const ITEMS_PER_PATIENT = 50;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const RATE = Number(process.env.BENCH_QUERY_RATE ?? 500);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const DATABASE = 'backbone_bench_query';
const PORT = 3970;
const QUERY_PORT = PORT + 4;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const round1 = (n: number) => Math.round(n * 10) / 10;

/** 50 items per patient that home care may see: measurements, one medication list, critical info. */
async function seed(pipeline: Pipeline, schemas: SchemaSet, patients: SyntheticPatient[]): Promise<void> {
  await homeCareFor(pipeline, schemas, patients);
  const events: object[] = [];
  for (const { fnr } of patients) {
    events.push(exampleEvent(schemas, 'MedicationListUpdated', { patientFnr: fnr }));
    for (let i = 0; i < 3; i += 1) events.push({ ...exampleEvent(schemas, 'CriticalInfoUpdated', { patientFnr: fnr }), criticalInfoId: randomUUID() });
    for (let i = 0; i < ITEMS_PER_PATIENT - 4; i += 1) events.push({ ...exampleEvent(schemas, 'DhoMeasurementRecorded', { patientFnr: fnr }), observationId: randomUUID() });
  }
  for (let i = 0; i < events.length; i += 1_000) await pipeline.post('/events/batch', JSON.stringify({ events: events.slice(i, i + 1_000) }));
  const want = patients.length * ITEMS_PER_PATIENT;
  const table = recipientModelTables(1).recipientItem;
  const deadline = Date.now() + 300_000;
  for (;;) {
    const { rows } = await pipeline.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE removed_at IS NULL`);
    if (rows[0].n >= want) return;
    if (Date.now() > deadline) throw new Error(`the read models hold ${rows[0].n} of ${want} items after 5 minutes`);
    await sleep(500);
  }
}

/** Transactions PostgreSQL has committed in the benchmark's database (each statement outside a transaction is one). */
async function statements(pipeline: Pipeline): Promise<number> {
  const { rows } = await pipeline.db.query<{ n: string }>('SELECT xact_commit::text AS n FROM pg_stat_database WHERE datname = current_database()');
  return Number(rows[0].n);
}

/** POST /patients/summary through undici's pool with keep-alive (see ingestClient); resolves with the item count, rejects on anything but 200. */
function summaryClient(token: string) {
  const pool = new Pool(`http://127.0.0.1:${QUERY_PORT}`, { connections: 256 });
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  return async (fnr: string) => {
    const response = await pool.request({ path: '/patients/summary', method: 'POST', headers, body: JSON.stringify({ patient: { system: 'FNR', value: fnr } }) });
    const text = await response.body.text();
    if (response.statusCode !== 200) throw new Error(`HTTP ${response.statusCode} ${text.slice(0, 300)}`);
    return Number(/"count":(\d+)/.exec(text)?.[1] ?? -1);
  };
}

async function main(): Promise<void> {
  const schemas = SchemaSet.load();
  const pipeline = await startPipeline(DATABASE, PORT);
  let queryApi: ChildProcess | undefined;
  try {
    const patients = syntheticPatients(patientKeySecret(), PATIENTS);
    const seeded = performance.now();
    await seed(pipeline, schemas, patients);
    console.log(`[bench] seeded ${patients.length} patients x ${ITEMS_PER_PATIENT} items in ${Math.round((performance.now() - seeded) / 1000)} s`);
    execFileSync('npx', ['nest', 'build', 'query-api'], { cwd: ROOT, stdio: 'inherit' });
    queryApi = startBuiltApp('query-api', pipeline.databaseUrl, QUERY_PORT, { PATIENT_KEY_SECRET: patientKeySecret(), ALLOW_SYNTHETIC_IDENTIFIERS: 'true' });
    await waitReady(QUERY_PORT);
    const issuer = await DevIssuer.loadOrCreate();
    // One token for the run: attestations live 60 minutes, the benchmark a few.
    const token = await issuer.sign({ subject: 'bench', clientId: 'gerica-epj', audience: 'backbone-query', scope: 'openid', expiresInSeconds: 3600, extraClaims: healthWorkerClaims(KARI_HOME_NURSE, new Date()) });
    const summary = summaryClient(token);
    const check = async (fnr: string) => {
      const count = await summary(fnr);
      if (count !== ITEMS_PER_PATIENT) throw new Error(`a summary held ${count} items, not ${ITEMS_PER_PATIENT}`);
    };
    // Warm up: JIT, connection pools, the access model and the patient key cache.
    for (let i = 0; i < 2_000; i += 1) await check(patients[i % patients.length].fnr);

    const accountFor = () =>
      cpuAccount({ query_api: () => withChildren(queryApi!.pid), outbox_relay: () => [pipeline.pids['outbox-relay']], postgres: () => pidsOf('postgres'), load_generator: () => [process.pid] });
    const throughputRuns: Array<{ perSecond: number; p50: number; p99: number; cpu: Record<string, number>; transactionsPerRequest: number }> = [];
    const latencyRuns: Array<{ rate: number; p50: number; p99: number; serverP50AtMostMs: number; serverP99AtMostMs: number; cpu: Record<string, number> }> = [];
    const serverHistogram = () => histogramAt(`http://127.0.0.1:${QUERY_PORT}/metrics`, 'backbone_http_request_duration_seconds', { route: '/patients/summary', status: '200' });
    for (let run = 0; run < RUNS; run += 1) {
      // Closed loop: CONCURRENCY requests always in flight.
      const latencies: number[] = [];
      const statementsBefore = await statements(pipeline);
      const cpu = accountFor();
      const until = performance.now() + SECONDS * 1000;
      let next = 0;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (performance.now() < until) {
            const started = performance.now();
            await check(patients[next++ % patients.length].fnr);
            latencies.push(performance.now() - started);
          }
        }),
      );
      const elapsed = (performance.now() - t0) / 1000;
      const perRequest = round1(((await statements(pipeline)) - statementsBefore) / latencies.length);
      throughputRuns.push({ perSecond: Math.round(latencies.length / elapsed), p50: round1(percentile(latencies, 50)), p99: round1(percentile(latencies, 99)), cpu: { ...cpu(), wall: round1(elapsed) }, transactionsPerRequest: perRequest });
      await sleep(2_000);

      // Open loop at the goal rate: latency from each request's planned start.
      const openLatencies: number[] = [];
      const openCpu = accountFor();
      const serverBefore = await serverHistogram();
      await atFixedRate(RATE, RATE * SECONDS, async (i, planned) => {
        await check(patients[i % patients.length].fnr);
        openLatencies.push(performance.now() - planned);
      });
      const serverAfter = await serverHistogram();
      latencyRuns.push({
        rate: RATE,
        p50: round1(percentile(openLatencies, 50)),
        p99: round1(percentile(openLatencies, 99)),
        // The query API's own view of the same requests (from arrival to answer, to its histogram's
        // resolution): if it is far below the client's, the time went into the load generator or the
        // network, not the service.
        serverP50AtMostMs: bucketPercentile(serverBefore, serverAfter, 50) * 1000,
        serverP99AtMostMs: bucketPercentile(serverBefore, serverAfter, 99) * 1000,
        cpu: openCpu(),
      });
      console.log(`[bench] run ${run + 1}: ${JSON.stringify(throughputRuns[run])} ${JSON.stringify(latencyRuns[run])}`);
      await sleep(2_000);
    }
    const audited = (await pipeline.db.query<{ n: number }>('SELECT count(*)::int AS n FROM access_log')).rows[0].n;
    writeResults(
      'query',
      {
        summary_throughput: { value: median(throughputRuns.map((r) => r.perSecond)), unit: 'requests/s', goal: 2_000, better: 'higher' },
        summary_p50_at_fixed_rate: { value: median(latencyRuns.map((r) => r.p50)), unit: 'ms', better: 'lower' },
        summary_p99_at_fixed_rate: { value: median(latencyRuns.map((r) => r.p99)), unit: 'ms', goal: 20, better: 'lower' },
        summary_p99_closed_loop: { value: median(throughputRuns.map((r) => r.p99)), unit: 'ms', better: 'lower' },
      },
      {
        method: `${PATIENTS} patients x ${ITEMS_PER_PATIENT} items, all visible to the home nurse (every item decided by the engine per request); POST /patients/summary through the built query-api; each request audited (access_log + outbox) before its answer, the relay publishing the audit events; throughput with ${CONCURRENCY} requests in flight for ${SECONDS} s; latency in an open loop at ${RATE}/s for ${SECONDS} s from each request's planned start; median of ${RUNS} runs`,
        model: RECIPIENT_MODEL,
        throughput_runs: throughputRuns,
        latency_runs: latencyRuns,
        access_log_rows_after: audited,
      },
    );
  } finally {
    queryApi?.kill('SIGTERM');
    await pipeline.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
