// Recipient projector catch-up benchmark. One command: npm run bench:recipient
// A backlog of BENCH_CLINICAL_EVENTS mixed clinical events (home measurements, lab results,
// documents, medication list updates) for patients of whom half have a home-care relationship
// (projected first by the access projector, not timed) is put on the clinical topics; the built
// recipient-projector then catches up on it into an empty database, timed from its first committed
// position. In the same run, the raw limit: COPY of the same item rows into a staging table and one
// INSERT ... ON CONFLICT into a table shaped like the patient store. Goal: >= 30,000 events/s.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { GOVERNANCE_TOPIC } from '@backbone/access-model';
import { loadConfig, stackEnv } from '@backbone/config';
import { EventCodec, loadTopicCatalog, provisionTopics, SchemaSet } from '@backbone/contracts';
import { createKafka } from '@backbone/messaging';
import { createLogger } from '@backbone/observability';
import { RECIPIENT_TOPICS, recipientModelTables } from '@backbone/recipient-model';
import { AvroSerde } from '@backbone/serde';
import { CLINICAL_MIX as MIX, eventEncoder, patientKeySecret, sendByTopic, syntheticPatients, type OutgoingRecord } from './support/clinical-load';
import { cpuAccount, pidsOf } from './support/cpu';
import { startGroupAtEnds, startGroupAtOffsets, topicEnd, type PartitionOffsets } from '../test/support/stack-clients';
import { endOffsets, startGroupAt as startGovernanceGroupAt } from './support/governance-load';
import { appliedSince, freshDatabase, projectedSince, startAccessProjector, startBuiltApp } from './support/projector-process';
import { writeResults } from './support/results';

const ROOT = join(__dirname, '..');
const EVENTS = Number(process.env.BENCH_CLINICAL_EVENTS ?? 200_000);
const PATIENTS = Math.max(100, Math.floor(EVENTS / 20));
const DATABASE = 'backbone_bench_recipient';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  execFileSync('bash', [join(ROOT, 'scripts', 'stack.sh'), 'up'], { stdio: 'inherit' });
  for (const app of ['access-projector', 'recipient-projector']) execFileSync('npx', ['nest', 'build', app], { cwd: ROOT, stdio: 'inherit' });
  const config = loadConfig(stackEnv);
  const kafka = createKafka(config, createLogger('recipient-bench', 'warn'));
  await provisionTopics(kafka, loadTopicCatalog());
  const schemas = SchemaSet.load();
  const codec = new EventCodec(schemas, new AvroSerde(config.SCHEMA_REGISTRY_URL));
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const patients = syntheticPatients(patientKeySecret(), PATIENTS);
  const encode = eventEncoder(schemas, codec);

  // Governance first: half of the patients get home care (which sees DHO and the medication list).
  const governanceStart = await endOffsets();
  const governance = [];
  for (const [n, { fnr, key }] of patients.entries()) if (n % 2 === 0) governance.push((await encode('CareRelationshipStarted', fnr, key, (e) => (e.relationshipId = randomUUID()))).message);
  for (let i = 0; i < governance.length; i += 1_000) await producer.send({ topic: GOVERNANCE_TOPIC, acks: -1, messages: governance.slice(i, i + 1_000) });
  const databaseUrl = await freshDatabase(DATABASE);
  const accessGroup = `access-bench-${randomUUID()}`;
  await startGovernanceGroupAt(accessGroup, governanceStart);
  const access = startAccessProjector(databaseUrl, accessGroup, 3970);
  const db = new Client({ connectionString: databaseUrl });
  await sleep(1_000);
  await db.connect();
  while ((await appliedSince(db, governanceStart)) < governance.length) await sleep(200);
  access.kill('SIGTERM');

  // The clinical backlog.
  const clinicalTopics = RECIPIENT_TOPICS.filter((t) => t.startsWith('backbone.clinical.'));
  const start = new Map<string, PartitionOffsets>();
  for (const topic of clinicalTopics) start.set(topic, await topicEnd(kafka, topic));
  const rows: string[] = [];
  let batch: OutgoingRecord[] = [];
  const flush = async () => {
    await sendByTopic(producer, batch);
    batch = [];
  };
  for (let i = 0; i < EVENTS; i += 1) {
    const { fnr, key } = patients[i % PATIENTS];
    const [type, change] = MIX[i % MIX.length];
    const record = await encode(type, fnr, key, change);
    batch.push(record);
    rows.push(`${key}\t${type}:${i}\t${type}\t${record.message.headers.eventId}\t${i}\n`);
    if (batch.length >= 2_000) await flush();
  }
  await flush();
  await producer.disconnect();
  const total = EVENTS;

  const recipientGroup = `recipient-bench-${randomUUID()}`;
  // Clinical topics from where the backlog starts; access changes from now (none are produced here).
  await startGroupAtOffsets(kafka, recipientGroup, start);
  await startGroupAtEnds(kafka, recipientGroup, RECIPIENT_TOPICS.filter((t) => !start.has(t)));
  const app = startBuiltApp('recipient-projector', databaseUrl, 3971, { RECIPIENT_PROJECTOR_GROUP_ID: recipientGroup });
  let began: { at: number; done: number } | undefined;
  let cpu: (() => Record<string, number>) | undefined;
  const deadline = Date.now() + 900_000;
  for (;;) {
    const done = await projectedSince(db, recipientModelTables(1).projection, start);
    if (!began && done > 0) {
      began = { at: performance.now(), done };
      cpu = cpuAccount({ recipient_projector: () => (app.pid ? [app.pid] : []), postgres: () => pidsOf('postgres') });
    }
    if (done >= total) break;
    if (Date.now() > deadline) throw new Error(`the projector applied ${done} of ${total} events in 15 minutes`);
    await sleep(100);
  }
  const seconds = (performance.now() - began!.at) / 1000;
  const rate = (total - began!.done) / seconds;
  const used = cpu!();
  app.kill('SIGTERM');
  const held = Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM recipient_item_v1')).rows[0].n);
  console.log(`recipient projector: ${Math.round(rate).toLocaleString()} events/s (${held.toLocaleString()} recipient rows)`);

  // The raw limit in the same run: COPY the same number of item rows into a staging table, then
  // one upsert into a table keyed like the patient store.
  await db.query('CREATE UNLOGGED TABLE IF NOT EXISTS raw_stage (patient_key text, item_key text, event_type text, event_id uuid, off bigint)');
  await db.query('CREATE TABLE IF NOT EXISTS raw_item (patient_key text, item_key text, event_type text, event_id uuid, off bigint, PRIMARY KEY (patient_key, item_key))');
  await db.query('TRUNCATE raw_stage, raw_item');
  const rawStarted = performance.now();
  for (let i = 0; i < rows.length; i += 5_000) {
    await db.query('BEGIN');
    await db.query('TRUNCATE raw_stage');
    await new Promise<void>((resolve, reject) => {
      const stream = db.query(copyFrom('COPY raw_stage FROM STDIN'));
      stream.on('finish', resolve);
      stream.on('error', reject);
      stream.end(rows.slice(i, i + 5_000).join(''));
    });
    await db.query('INSERT INTO raw_item SELECT * FROM raw_stage ON CONFLICT (patient_key, item_key) DO UPDATE SET event_id = excluded.event_id, off = excluded.off WHERE raw_item.off < excluded.off');
    await db.query('COMMIT');
  }
  const rawRate = rows.length / ((performance.now() - rawStarted) / 1000);
  console.log(`raw COPY + upsert: ${Math.round(rawRate).toLocaleString()} rows/s; ratio ${(rate / rawRate).toFixed(2)}`);
  await db.end();
  writeResults(
    'recipient',
    {
      catch_up_throughput: { value: Math.round(rate), unit: 'events/s', goal: 30_000, better: 'higher' },
      raw_copy_upsert: { value: Math.round(rawRate), unit: 'rows/s', better: 'higher' },
      ratio_to_raw: { value: Math.round((rate / rawRate) * 100) / 100, unit: 'ratio', better: 'higher' },
    },
    {
      method: `${total.toLocaleString()} clinical events (2/5 home measurements, 1/5 lab results, 1/5 documents, 1/5 medication list updates) for ${PATIENTS.toLocaleString()} patients, half with home care; the built recipient-projector catching up into an empty database, timed from its first committed position; raw: COPY of the same number of rows in 5,000-row chunks into a staging table, then one INSERT ... ON CONFLICT per chunk, same database, same run. One run${total >= 1_000_000 ? ' (the issue\'s size)' : ' (a short backlog; BENCH_CLINICAL_EVENTS=1000000 for the issue\'s size)'}.`,
      recipient_rows: held,
      cpu_seconds: used,
    },
  );
}

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});
