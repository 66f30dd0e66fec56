// Crash test of the access projector. One command: npm run crash:access
// A governance load goes onto the topic; the built access-projector consumes it into an empty
// database while this script kill -9s it at random moments, at least CRASH_KILLS times, restarting
// it each time. Then the stored access model must equal a reference folded independently from the
// same records (read back from Kafka in offset order): the same facts for every patient, the same
// dead letters, and exactly one AccessChanged per change, none twice. Exit code 1 on any difference.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { Client } from 'pg';
import {
  applyGovernanceEvent,
  factsFromJson,
  GOVERNANCE_EVENT_TYPES,
  NO_FACTS,
  type GovernanceEvent,
  type GovernanceEventType,
  type PatientAccessFacts,
} from '@backbone/access-control';
import { ACCESS_PROJECTION, GOVERNANCE_TOPIC } from '@backbone/access-model';
import { loadConfig, stackEnv } from '@backbone/config';
import { EVENT_TYPES, EventCodec, SchemaSet } from '@backbone/contracts';
import { createKafka } from '@backbone/messaging';
import { createLogger } from '@backbone/observability';
import { AvroSerde } from '@backbone/serde';
import { appliedSince, freshDatabase, startAccessProjector } from '../../bench/support/projector-process';
import { eventsBetween, produceGovernanceLoad, startGroupAt, type PartitionOffsets } from '../../bench/support/governance-load';
import { readRecords } from '../support/stack-clients';

const ROOT = join(__dirname, '..', '..');
const EVENTS = Number(process.env.CRASH_EVENTS ?? 150_000);
const KILLS = Number(process.env.CRASH_KILLS ?? 12);
const PORT = 3960;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  execFileSync('bash', [join(ROOT, 'scripts', 'stack.sh'), 'up'], { stdio: 'inherit' });
  execFileSync('npx', ['nest', 'build', 'access-projector'], { cwd: ROOT, stdio: 'inherit' });
  const { before, after } = await produceGovernanceLoad(EVENTS);
  const total = eventsBetween(before, after);
  const groupId = `access-crash-${randomUUID()}`;
  await startGroupAt(groupId, before);
  const databaseUrl = await freshDatabase('backbone_crash');
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();

  // Kafka's minimum session timeout, so a killed member's partitions move on after 6 s, not 30.
  const start = () => startAccessProjector(databaseUrl, groupId, PORT, { ACCESS_PROJECTOR_SESSION_TIMEOUT_MS: '6000' });
  let kills = 0;
  let app = start();
  let applied = 0;
  while (kills < KILLS) {
    // Kill only while it works: wait until this incarnation has applied something, then a random
    // moment later (mid-chunk, between transactions, while committing), kill -9.
    const from = applied;
    const deadline = Date.now() + 120_000;
    while ((applied = await appliedSince(db, before)) === from) {
      if (Date.now() > deadline) throw new Error(`no progress for 2 minutes after kill ${kills}`);
      await sleep(20);
    }
    if (applied >= total) throw new Error(`the load was applied after only ${kills} kills; raise CRASH_EVENTS`);
    await sleep(Math.random() * 400);
    app.kill('SIGKILL');
    await new Promise((resolve) => app.once('exit', resolve));
    kills += 1;
    applied = await appliedSince(db, before);
    console.log(`kill -9 #${kills} at ${applied} of ${total} events`);
    app = start();
  }
  const deadline = Date.now() + 300_000;
  while ((await appliedSince(db, before)) < total) {
    if (Date.now() > deadline) throw new Error('the projector did not finish within 5 minutes of the last kill');
    await sleep(100);
  }
  app.kill('SIGTERM');
  console.log(`applied all ${total} events through ${kills} kills; comparing with the reference`);

  const reference = await referenceFrom(before, after);
  const problems = await compare(db, reference);
  await db.end();
  if (problems.length > 0) {
    for (const problem of problems.slice(0, 20)) console.error(`DIFFERENCE: ${problem}`);
    console.error(`${problems.length} differences`);
    process.exit(1);
  }
  console.log(`the access model equals the reference: ${reference.facts.size} patients, ${reference.deadLetters} dead letters, ${reference.changes} AccessChanged`);
}

/** The facts folded from the records themselves, in offset order per partition (a patient is in one partition). */
async function referenceFrom(before: PartitionOffsets, after: PartitionOffsets) {
  const config = loadConfig(stackEnv);
  const kafka = createKafka(config, createLogger('crash-test', 'warn'));
  const codec = new EventCodec(SchemaSet.load(), new AvroSerde(config.SCHEMA_REGISTRY_URL));
  const byName = new Map<string, GovernanceEventType>(GOVERNANCE_EVENT_TYPES.map((t) => [EVENT_TYPES[t], t]));
  const facts = new Map<string, PatientAccessFacts>();
  const eventIds = new Set<string>();
  let deadLetters = 0;
  const ranges = after.map(({ partition, offset }) => ({ partition, from: before.find((b) => b.partition === partition)!.offset, to: offset }));
  const records = await readRecords(kafka, GOVERNANCE_TOPIC, ranges);
  for (const list of records.values()) {
    for (const { value } of list) {
      const decoded = await codec.decodeNamed(value!);
      const event = decoded.value as { envelope: { patientKey: string; eventId: string } };
      const type = byName.get(decoded.name)!;
      const key = event.envelope.patientKey;
      const result = applyGovernanceEvent(facts.get(key) ?? NO_FACTS, { type, event } as GovernanceEvent);
      if (result.ok) {
        facts.set(key, result.facts);
        eventIds.add(event.envelope.eventId);
      } else deadLetters += 1;
    }
  }
  return { facts, deadLetters, appliedEventIds: eventIds, changes: 0 };
}

async function compare(db: Client, reference: Awaited<ReturnType<typeof referenceFrom>>): Promise<string[]> {
  const problems: string[] = [];
  const { rows } = await db.query<{ patient_key: string; facts: object }>('SELECT patient_key, facts FROM access_patient');
  const stored = new Map(rows.map((r) => [r.patient_key, factsFromJson(r.facts)]));
  for (const [key, expected] of reference.facts) {
    const actual = stored.get(key);
    if (!actual) problems.push(`patient ${key}: missing from access_patient`);
    else if (!isDeepStrictEqual(actual, expected)) problems.push(`patient ${key}: stored facts differ from the reference`);
  }
  for (const key of stored.keys()) if (!reference.facts.has(key)) problems.push(`patient ${key}: in access_patient, not in the reference`);
  const dead = await db.query<{ n: string; distinct_offsets: string }>(
    `SELECT count(*) AS n, count(DISTINCT (topic, partition, "offset")) AS distinct_offsets FROM dead_letter WHERE projection = $1`,
    [ACCESS_PROJECTION],
  );
  if (Number(dead.rows[0].n) !== reference.deadLetters) problems.push(`dead letters: ${dead.rows[0].n} stored, ${reference.deadLetters} in the reference`);
  // Every applied event changed someone's access, so each has its AccessChanged rows; none may repeat.
  const changes = await db.query<{ change_id: string; n: string }>(
    `SELECT change_id, count(*) AS n FROM (SELECT unnest(event_ids) AS change_id, unnest(event_types) AS type FROM outbox) AS o
      WHERE type = 'AccessChanged' GROUP BY change_id HAVING count(*) > 1`,
  );
  for (const row of changes.rows) problems.push(`AccessChanged ${row.change_id} enqueued ${row.n} times`);
  reference.changes = Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM (SELECT unnest(event_types) AS type FROM outbox) AS o WHERE type = 'AccessChanged'`)).rows[0].n);
  return problems;
}

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});
