// Need-to-know benchmark. One command: npm run bench:access
//   1. decisions per second on one core (this process, one thread) over an in-memory AccessIndex
//      holding 50,000 and 1,000,000 care relationships (about four per patient, some blocks and
//      emergency accesses), a mix of permitted and denied requests. Goal: <= 1 µs per decision at 1M.
//   2. access-projector throughput: the built app as its own process catching up on
//      BENCH_GOVERNANCE_EVENTS governance events produced first, into a database of its own,
//      from its first committed position to the end.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import {
  AccessIndex,
  defaultPolicyTable,
  type Block,
  type CareRelationship,
  type DataItem,
  type EmergencyAccess,
  type HealthWorkerRequester,
  type PatientAccessFacts,
} from '@backbone/access-control';
import { appliedSince, freshDatabase, startAccessProjector } from './support/projector-process';
import { cpuAccount, pidsOf } from './support/cpu';
import { eventsBetween, produceGovernanceLoad, startGroupAt } from './support/governance-load';
import { median, writeResults } from './support/results';

const ROOT = join(__dirname, '..');
const DECISIONS_PER_ROUND = 2_000_000;
const ROUNDS = 5;
const GOVERNANCE_EVENTS = Number(process.env.BENCH_GOVERNANCE_EVENTS ?? 50_000);
const BENCH_DATABASE = 'backbone_bench';
const PORT = 3950;

const AT = new Date('2026-11-20T10:00:00.000Z');
const DAY = 86_400_000;
const HOME_CARE = { legalEntity: '958935420', pointOfCare: '934567897' };
const OUS = { legalEntity: '993467049', pointOfCare: '974589095' };
const GP = { legalEntity: '923456783', pointOfCare: '923456783' };
const SERVICE_8655 = 'urn:oid:2.16.578.1.12.4.1.1.8655';
const SERVICE_8663 = 'urn:oid:2.16.578.1.12.4.1.1.8663';
const CATEGORIES = ['DOCUMENTS', 'MEDICATION', 'LAB', 'IMAGING', 'DHO', 'CRITICAL_INFO', 'VIDEO'] as const;

/** Ids as flat strings (a template literal of a number), never randomUUID's cons-strings: see docs/performance. */
const id = (prefix: string, n: number) => `${prefix}-${n}`.padEnd(36, '0');

/** One patient's facts: home care, a hospital department with its own id, the fastlege, sometimes more. */
function patientFacts(n: number, relationships: number): PatientAccessFacts {
  const list: CareRelationship[] = [];
  const department = String(4_001_000 + (n % 500));
  const hprOf = (k: number) => String(1_000_000 + ((n * 7 + k) % 900_000));
  for (let k = 0; k < relationships; k += 1) {
    const validFrom = new Date(AT.getTime() - ((n % 30) + 1) * DAY);
    const base = { relationshipId: id(`rel-${n}`, k), purposeOfUse: 'TREAT' as const, decisionRef: `ref-${n}-${k}`, validFrom, validTo: new Date(AT.getTime() + 180 * DAY) };
    switch (k % 4) {
      case 0:
        list.push({ ...base, ...HOME_CARE, healthcareService: { system: SERVICE_8663, code: 'KP02' }, basis: 'HOME_CARE_DECISION' });
        break;
      case 1:
        list.push({ ...base, ...OUS, department, healthcareService: { system: SERVICE_8655, code: 'S03' }, basis: 'ADMISSION' });
        break;
      case 2:
        list.push({ ...base, ...GP, practitionerHpr: hprOf(0), healthcareService: { system: SERVICE_8655, code: 'S03' }, basis: 'GP_LIST' });
        break;
      default:
        // An ended admission: still in the facts, no longer permitting.
        list.push({ ...base, ...OUS, department: String(Number(department) + 1), healthcareService: { system: SERVICE_8655, code: 'S03' }, basis: 'ADMISSION', endedAt: new Date(AT.getTime() - DAY) });
    }
  }
  const blocks: Block[] = [];
  if (n % 20 === 0) blocks.push({ blockId: id(`blk-${n}`, 0), kind: 'BLOKKERING', blockedPractitionerHpr: hprOf(1), dataCategories: [], documentIds: [], effectiveFrom: new Date(AT.getTime() - 2 * DAY) });
  if (n % 25 === 0) blocks.push({ blockId: id(`blk-${n}`, 1), kind: 'SPERRING', sperringScope: 'CATEGORY', dataCategories: ['LAB'], documentIds: [], effectiveFrom: new Date(AT.getTime() - 2 * DAY) });
  const emergencyAccesses: EmergencyAccess[] = [];
  if (n % 50 === 0) {
    emergencyAccesses.push({
      accessId: id(`btg-${n}`, 0), practitionerHpr: hprOf(2), legalEntity: OUS.legalEntity, department, purposeOfUse: 'BTG', reason: 'unconscious patient',
      invokedAt: new Date(AT.getTime() - 3_600_000), expiresAt: new Date(AT.getTime() + 3_600_000), overriddenBlockIds: [],
    });
  }
  return { relationships: list, consents: [], blocks, emergencyAccesses };
}

function decisionBenchmark(relationshipCount: number) {
  const table = defaultPolicyTable();
  const index = new AccessIndex(table);
  const perPatient = 4;
  const patients = Math.ceil(relationshipCount / perPatient);
  const keys: string[] = [];
  for (let n = 0; n < patients; n += 1) {
    const key = id('pk', n);
    keys.push(key);
    index.put(key, patientFacts(n, perPatient));
  }
  // Requests: a random patient; the requester one of that patient's recipients (most permitted) or
  // a stranger (denied); a random category. Built ahead so the loop measures decisions only.
  const REQUESTS = 1 << 16;
  const requests: Array<{ key: string; requester: HealthWorkerRequester; item: DataItem }> = [];
  let seed = 42;
  const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  for (let i = 0; i < REQUESTS; i += 1) {
    const n = Math.floor(random() * patients);
    const facts = index.factsOf(keys[n]);
    const relationship = facts.relationships[Math.floor(random() * facts.relationships.length)];
    const stranger = random() < 0.1;
    const requester: HealthWorkerRequester = {
      kind: 'health-worker',
      hprNumber: relationship.practitionerHpr ?? String(1_000_000 + ((n * 7 + 1) % 900_000)),
      legalEntity: stranger ? '982791952' : relationship.legalEntity,
      pointOfCare: relationship.pointOfCare,
      department: relationship.department,
      purposeOfUse: 'TREAT',
      healthcareService: relationship.healthcareService,
      decisionRef: relationship.decisionRef,
      attestedAt: new Date(AT.getTime() - 600_000),
      securityLevel: 4,
    };
    const category = CATEGORIES[Math.floor(random() * CATEGORIES.length)];
    requests.push({ key: keys[n], requester, item: { itemId: id('item', i), category, custodian: OUS.legalEntity, confidentiality: 'N', occurredAt: new Date(AT.getTime() - DAY) } });
  }
  const nsPerDecision: number[] = [];
  let permits = 0;
  for (let round = 0; round < ROUNDS + 1; round += 1) {
    permits = 0;
    const started = process.hrtime.bigint();
    for (let i = 0; i < DECISIONS_PER_ROUND; i += 1) {
      const r = requests[i & (REQUESTS - 1)];
      if (index.decide(r.key, r.requester, r.item, AT).effect === 'PERMIT') permits += 1;
    }
    const ns = Number(process.hrtime.bigint() - started) / DECISIONS_PER_ROUND;
    if (round > 0) nsPerDecision.push(ns); // round 0 warms the JIT
  }
  // The query pattern: one requester asks about one patient's summary of 50 items (what query-api
  // and the feeds do), so the patient's facts are in cache after the first item.
  const ITEMS_PER_QUERY = 50;
  const queryNs: number[] = [];
  for (let round = 0; round < ROUNDS + 1; round += 1) {
    const started = process.hrtime.bigint();
    for (let q = 0; q < DECISIONS_PER_ROUND / ITEMS_PER_QUERY; q += 1) {
      const r = requests[q & (REQUESTS - 1)];
      for (let k = 0; k < ITEMS_PER_QUERY; k += 1) index.decide(r.key, r.requester, requests[(q + k) & (REQUESTS - 1)].item, AT);
    }
    const ns = Number(process.hrtime.bigint() - started) / DECISIONS_PER_ROUND;
    if (round > 0) queryNs.push(ns);
  }
  // The memory floor of the random pattern: the same lookups touching only each relationship's
  // validity (what any decision must read), no rules. What is left above it is the engine.
  const floorNs: number[] = [];
  for (let round = 0; round < ROUNDS + 1; round += 1) {
    let touched = 0;
    const started = process.hrtime.bigint();
    for (let i = 0; i < DECISIONS_PER_ROUND; i += 1) {
      const relationships = index.factsOf(requests[i & (REQUESTS - 1)].key).relationships;
      for (let k = 0; k < relationships.length; k += 1) if (relationships[k].validFrom.getTime() <= AT.getTime()) touched += 1;
    }
    const ns = Number(process.hrtime.bigint() - started) / DECISIONS_PER_ROUND;
    if (round > 0 && touched > 0) floorNs.push(ns);
  }
  const ns = median(nsPerDecision);
  console.log(`  memory floor (lookup + relationship validity only): ${(median(floorNs) / 1000).toFixed(3)} µs`);
  console.log(`  in 50-item queries: ${(median(queryNs) / 1000).toFixed(3)} µs per decision`);
  console.log(`${relationshipCount.toLocaleString()} relationships (${patients.toLocaleString()} patients): ${(ns / 1000).toFixed(3)} µs per decision, ${Math.round(1e9 / ns).toLocaleString()} decisions/s, ${((permits / DECISIONS_PER_ROUND) * 100).toFixed(0)}% permitted`);
  return { ns, floorNs: median(floorNs), queryNs: median(queryNs), permitShare: permits / DECISIONS_PER_ROUND, rounds: nsPerDecision.map((v) => Math.round(v)) };
}

async function projectorBenchmark() {
  execFileSync('npx', ['nest', 'build', 'access-projector'], { cwd: ROOT, stdio: 'inherit' });
  const { before, after } = await produceGovernanceLoad(GOVERNANCE_EVENTS);
  const total = eventsBetween(before, after);
  const groupId = `access-bench-${randomUUID()}`;
  await startGroupAt(groupId, before);
  const databaseUrl = await freshDatabase(BENCH_DATABASE);
  const app = startAccessProjector(databaseUrl, groupId, PORT);
  const db = new Client({ connectionString: databaseUrl });
  try {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await db.connect();
    const deadline = Date.now() + 600_000;
    let first: { at: number; applied: number } | undefined;
    let cpu: (() => Record<string, number>) | undefined;
    for (;;) {
      const applied = await appliedSince(db, before);
      if (!first && applied > 0) {
        first = { at: performance.now(), applied };
        cpu = cpuAccount({ access_projector: () => (app.pid ? [app.pid] : []), postgres: () => pidsOf('postgres') });
      }
      if (applied >= total) break;
      if (Date.now() > deadline) throw new Error(`the projector applied ${applied} of ${total} events in 10 minutes`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const seconds = (performance.now() - first!.at) / 1000;
    const events = total - first!.applied;
    const { rows } = await db.query<{ reason: string; n: string }>('SELECT reason, count(*) AS n FROM dead_letter GROUP BY reason ORDER BY 2 DESC');
    const rate = events / seconds;
    console.log(`access projector: ${events.toLocaleString()} events in ${seconds.toFixed(1)} s = ${Math.round(rate).toLocaleString()} events/s`);
    return { rate, events, seconds, cpu: cpu!(), deadLetters: Object.fromEntries(rows.map((r) => [r.reason, Number(r.n)])) };
  } finally {
    app.kill('SIGTERM');
    await db.end().catch(() => undefined);
  }
}

async function main(): Promise<void> {
  const small = decisionBenchmark(50_000);
  const large = decisionBenchmark(1_000_000);
  if (process.env.BENCH_DECISIONS_ONLY) return;
  execFileSync('bash', [join(ROOT, 'scripts', 'stack.sh'), 'up'], { stdio: 'inherit' });
  const projector = await projectorBenchmark();
  writeResults(
    'access',
    {
      decision_time_50k_relationships: { value: Math.round(small.ns) / 1000, unit: 'µs', better: 'lower' },
      decision_time_1m_relationships: { value: Math.round(large.ns) / 1000, unit: 'µs', goal: 1, better: 'lower' },
      decisions_per_second_1m_relationships: { value: Math.round(1e9 / large.ns), unit: 'decisions/s', better: 'higher' },
      memory_floor_1m_relationships: { value: Math.round(large.floorNs) / 1000, unit: 'µs', better: 'lower' },
      decision_time_1m_relationships_in_50_item_queries: { value: Math.round(large.queryNs) / 1000, unit: 'µs', better: 'lower' },
      access_projector_throughput: { value: Math.round(projector.rate), unit: 'events/s', better: 'higher' },
    },
    {
      method: `decisions: one thread, ${DECISIONS_PER_ROUND.toLocaleString()} decisions per round, median of ${ROUNDS} rounds after one warm-up, 4 relationships per patient (home care, a hospital department, the fastlege, an ended admission), 5% blokkering, 4% LAB sperring, 2% emergency access, 10% of requests from a stranger organisation, each decision for a random patient (the worst case for caches) and, separately, in 50-item queries (one requester and patient, 50 items); projector: the built access-projector catching up on ${GOVERNANCE_EVENTS.toLocaleString()} governance events produced first (starts, blokkeringer, ends, some second ends it dead-letters) into an empty database, timed from its first committed position`,
      decision_rounds_ns: { '50k': small.rounds, '1m': large.rounds },
      permitted_share: { '50k': small.permitShare, '1m': large.permitShare },
      projector: projector,
    },
  );
}

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});
