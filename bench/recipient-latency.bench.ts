// Latency benchmarks of the read models through the whole pipeline on the real stack: the built
// ingest-api, outbox-relay, access-projector and recipient-projector as their own processes, a
// fresh database, consumer groups starting at the topics' ends. Two commands:
//   npm run bench:recipient-latency  From the ingest API's acknowledgement (HTTP 202) to the item
//                                    being visible in the recipient's read model, at a steady
//                                    1,000 events/s (open loop). Goal: p99 <= 250 ms.
//   npm run bench:revocation         From a CareRelationshipEnded or DataBlocked being acknowledged
//                                    to the query path (RecipientModelReader, which re-checks with
//                                    the engine) no longer showing the patient's data, with the
//                                    same 1,000 events/s of clinical load running. Goal: p99 <= 250 ms.
// Visibility is observed by polling every 5 ms (the recipient's feed by sequence number, or the
// query path for one patient), so figures carry up to ~5 ms of polling granularity.
import { randomUUID } from 'node:crypto';
import { defaultPolicyTable, recipientKeyOf } from '@backbone/access-control';
import { AccessModelReader } from '@backbone/access-model';
import { loadConfig, stackEnv } from '@backbone/config';
import { EventCodec, exampleEvent, SchemaSet, type EventTypeName } from '@backbone/contracts';
import { RecipientModelReader, recipientModelTables, StoredEvents } from '@backbone/recipient-model';
import { AvroSerde } from '@backbone/serde';
import { patientKeySecret, syntheticPatients, type SyntheticPatient } from './support/clinical-load';
import { atFixedRate } from './support/fixed-rate';
import { homeCareFor, startPipeline, type Pipeline } from './support/pipeline';
import { join } from 'node:path';
import { cpuAccount, pidFromFile, pidsOf } from './support/cpu';
import { bucketPercentile, histogramAt } from './support/prometheus';
import { median, percentile, writeResults } from './support/results';
import { HOME_CARE, homeNurse } from '../test/support/test-requesters';

const MODE = process.argv[2];
const RATE = Number(process.env.BENCH_RATE ?? 1_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const PATIENTS = Number(process.env.BENCH_PATIENTS ?? 2_000);
/**
 * Events per ingest request (default 10, as a home-monitoring platform or an EPJ forwarding what
 * it recorded in the last moment would send them). BENCH_EVENTS_PER_REQUEST=1 offers the same
 * events as single requests; on these two cores that costs ~1 ms of ingest CPU per request, and
 * the whole pipeline cannot then keep 1,000/s (the results say what rate was reached).
 */
const EVENTS_PER_REQUEST = Number(process.env.BENCH_EVENTS_PER_REQUEST ?? 10);
const REVOCATIONS_PER_SECOND = 10;
const DATABASE = 'backbone_bench_pipeline';
const PORT = 3990;
const HOME_CARE_KEY = recipientKeyOf(HOME_CARE);
const TABLES = recipientModelTables(1);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const round1 = (n: number) => Math.round(n * 10) / 10;

/** The clinical load: 3/5 home measurements and 1/5 medication lists (home care sees both), 1/5 lab results (it does not). */
function clinicalBody(schemas: SchemaSet, patients: SyntheticPatient[]) {
  const types: EventTypeName[] = ['DhoMeasurementRecorded', 'DhoMeasurementRecorded', 'MedicationListUpdated', 'DhoMeasurementRecorded', 'LabResultReported'];
  return (i: number) => {
    const type = types[i % types.length];
    const event = exampleEvent(schemas, type, { patientFnr: patients[i % patients.length].fnr }) as Record<string, unknown> & { envelope: { eventId: string } };
    if (type === 'DhoMeasurementRecorded') event.observationId = randomUUID();
    if (type === 'LabResultReported') event.reportId = `LAB-${randomUUID()}`;
    return { type, eventId: event.envelope.eventId, body: JSON.stringify(event), visibleToHomeCare: type !== 'LabResultReported' };
  };
}

type ClinicalLoadEvent = ReturnType<ReturnType<typeof clinicalBody>>;

/** The events as ingest requests of EVENTS_PER_REQUEST each (a single event to POST /events, more to POST /events/batch). */
function asRequests(events: ClinicalLoadEvent[]): Array<{ path: string; body: string; events: ClinicalLoadEvent[] }> {
  const requests = [];
  for (let i = 0; i < events.length; i += EVENTS_PER_REQUEST) {
    const group = events.slice(i, i + EVENTS_PER_REQUEST);
    requests.push(group.length === 1 ? { path: '/events', body: group[0].body, events: group } : { path: '/events/batch', body: `{"events":[${group.map((e) => e.body).join(',')}]}`, events: group });
  }
  return requests;
}

async function latency(pipeline: Pipeline, schemas: SchemaSet, patients: SyntheticPatient[]): Promise<void> {
  await homeCareFor(pipeline, schemas, patients);
  const next = clinicalBody(schemas, patients);
  const warmUp = asRequests(Array.from({ length: RATE * 3 }, (_, i) => next(i)));
  await atFixedRate(RATE / EVENTS_PER_REQUEST, warmUp.length, (i) => pipeline.post(warmUp[i].path, warmUp[i].body));
  await sleep(2_000);

  const load = Array.from({ length: RATE * SECONDS }, (_, i) => next(i));
  const requests = asRequests(load);
  const ackedAt = new Map<string, number>();
  const visibleAt = new Map<string, number>();
  let lastSeq = (await pipeline.db.query<{ s: string | null }>(`SELECT max(seq)::text AS s FROM ${TABLES.recipientItem} WHERE recipient_key = $1`, [HOME_CARE_KEY])).rows[0].s ?? '0';
  let polling = true;
  // The recipient's feed, polled by sequence number: each row that appears is an item that became visible.
  const poller = (async () => {
    while (polling) {
      const { rows } = await pipeline.db.query<{ seq: string; event_id: string }>(
        `SELECT seq::text AS seq, event_id FROM ${TABLES.recipientItem} WHERE recipient_key = $1 AND seq > $2 ORDER BY seq`,
        [HOME_CARE_KEY, lastSeq],
      );
      const now = performance.now();
      for (const row of rows) if (!visibleAt.has(row.event_id)) visibleAt.set(row.event_id, now);
      if (rows.length > 0) lastSeq = rows[rows.length - 1].seq;
      await sleep(5);
    }
  })();
  // Where the time goes, from the services' own histograms over the measured load: the outbox
  // (accepted to Kafka's acknowledgement) and the projection (Kafka timestamp to applied).
  const stages = {
    outbox: () => histogramAt(`http://127.0.0.1:${PORT + 1}/metrics`, 'backbone_outbox_publish_delay_seconds'),
    projection: () => histogramAt(`http://127.0.0.1:${PORT + 3}/metrics`, 'backbone_projection_lag_seconds'),
    chunk: () => histogramAt(`http://127.0.0.1:${PORT + 3}/metrics`, 'backbone_projection_chunk_seconds'),
  };
  const stagesBefore = { outbox: await stages.outbox(), projection: await stages.projection(), chunk: await stages.chunk() };
  const cpu = pipelineCpu(pipeline);
  const loadStarted = performance.now();
  await atFixedRate(RATE / EVENTS_PER_REQUEST, requests.length, async (i) => {
    await pipeline.post(requests[i].path, requests[i].body);
    const now = performance.now();
    for (const event of requests[i].events) ackedAt.set(event.eventId, now);
  });
  const loadSeconds = (performance.now() - loadStarted) / 1000;
  const cpuSeconds = { ...cpu(), wall: Math.round(loadSeconds * 100) / 100 };
  // Open loop: if the pipeline cannot keep up, the last acknowledgement comes late and this falls below the offered rate.
  const achievedRate = Math.round(load.length / loadSeconds);
  const expected = load.filter((e) => e.visibleToHomeCare);
  const deadline = Date.now() + 30_000;
  while (expected.some((e) => !visibleAt.has(e.eventId)) && Date.now() < deadline) await sleep(50);
  polling = false;
  await poller;
  const stagesAfter = { outbox: await stages.outbox(), projection: await stages.projection(), chunk: await stages.chunk() };
  const stageBounds = Object.fromEntries(
    (['outbox', 'projection', 'chunk'] as const).map((stage) => [
      stage,
      {
        p50_at_most_s: bucketPercentile(stagesBefore[stage], stagesAfter[stage], 50),
        p99_at_most_s: bucketPercentile(stagesBefore[stage], stagesAfter[stage], 99),
        count: (stagesAfter[stage].get(Infinity) ?? 0) - (stagesBefore[stage].get(Infinity) ?? 0),
      },
    ]),
  );

  // A medication list replaced again before the poll saw it is superseded, not lost: it counts as missing only if its patient's list never moved on.
  const latencies = expected.filter((e) => visibleAt.has(e.eventId)).map((e) => Math.max(0, visibleAt.get(e.eventId)! - ackedAt.get(e.eventId)!));
  const missing = expected.filter((e) => !visibleAt.has(e.eventId));
  const missingMeasurements = missing.filter((e) => e.type === 'DhoMeasurementRecorded').length;
  writeResults(
    'recipient-latency',
    {
      ack_to_visible_p50: { value: round1(percentile(latencies, 50)), unit: 'ms', better: 'lower' },
      ack_to_visible_p99: { value: round1(percentile(latencies, 99)), unit: 'ms', goal: 250, better: 'lower' },
      ack_to_visible_max: { value: round1(Math.max(...latencies)), unit: 'ms', better: 'lower' },
      offered_rate: { value: RATE, unit: 'events/s', goal: 1_000, better: 'higher' },
      achieved_rate: { value: achievedRate, unit: 'events/s', goal: 1_000 * 0.97, better: 'higher' },
      measurements_never_visible: { value: missingMeasurements, unit: 'events', goal: 0, better: 'lower' },
    },
    {
      method: `ingest-api, outbox-relay, access-projector and recipient-projector as separate processes; ${PATIENTS} patients under home care; ${RATE} events/s for ${SECONDS} s (3/5 home measurements, 1/5 medication lists, 1/5 lab results home care does not see), open loop, in requests of ${EVENTS_PER_REQUEST} event(s), after 3 s of warm-up; home care's feed polled every 5 ms; achieved rate: events over the time from the first planned request to the last acknowledgement`,
      events_measured: latencies.length,
      medication_lists_superseded_before_seen: missing.length - missingMeasurements,
      stages_from_service_histograms: stageBounds,
      cpu_seconds_during_load: cpuSeconds,
    },
  );
  if (missingMeasurements > 0) throw new Error(`${missingMeasurements} home measurements never became visible`);
}

async function revocation(pipeline: Pipeline, schemas: SchemaSet, patients: SyntheticPatient[]): Promise<void> {
  const relationships = await homeCareFor(pipeline, schemas, patients);
  const revocations = SECONDS * REVOCATIONS_PER_SECOND;
  const loaded = patients.slice(revocations);
  const revoked = patients.slice(0, revocations);
  if (loaded.length < 100) throw new Error(`BENCH_PATIENTS must exceed ${revocations + 100}`);
  // Every patient to be revoked has a measurement home care can see.
  for (let i = 0; i < revoked.length; i += 500) {
    const events = revoked.slice(i, i + 500).map(({ fnr }) => ({ ...exampleEvent(schemas, 'DhoMeasurementRecorded', { patientFnr: fnr }), observationId: randomUUID() }));
    await pipeline.post('/events/batch', JSON.stringify({ events }));
  }
  // As the query API reads (the events rendered for what is shown).
  const events = new StoredEvents(new EventCodec(schemas, new AvroSerde(loadConfig(stackEnv).SCHEMA_REGISTRY_URL)));
  const reader = new RecipientModelReader(pipeline.pool, new AccessModelReader(pipeline.pool, defaultPolicyTable()), events);
  for (const { key } of revoked) {
    const deadline = Date.now() + 60_000;
    while ((await reader.itemsFor(homeNurse(new Date()), key)).items.length === 0) {
      if (Date.now() > deadline) throw new Error('a measurement did not become visible within a minute');
      await sleep(20);
    }
  }

  const next = clinicalBody(schemas, loaded);
  const load = asRequests(Array.from({ length: RATE * (SECONDS + 4) }, (_, i) => next(i)));
  const background = atFixedRate(RATE / EVENTS_PER_REQUEST, load.length, (i) => pipeline.post(load[i].path, load[i].body));
  await sleep(3_000);
  const ended: number[] = [];
  const blocked: number[] = [];
  // Alternately the relationship ends, or the patient blocks the nurse (blokkering); each watched on the query path.
  await atFixedRate(REVOCATIONS_PER_SECOND, revocations, async (i) => {
    const { fnr, key } = revoked[i];
    const event = i % 2 === 0 ? relationshipEnded(schemas, fnr, relationships.get(key)!) : nurseBlocked(schemas, fnr);
    await pipeline.post('/events', JSON.stringify(event));
    const acked = performance.now();
    while ((await reader.itemsFor(homeNurse(new Date()), key)).items.length > 0) await sleep(5);
    (i % 2 === 0 ? ended : blocked).push(performance.now() - acked);
  });
  await background;
  const all = [...ended, ...blocked];
  writeResults(
    'revocation',
    {
      revocation_p50: { value: round1(percentile(all, 50)), unit: 'ms', better: 'lower' },
      revocation_p99: { value: round1(percentile(all, 99)), unit: 'ms', goal: 250, better: 'lower' },
      revocation_max: { value: round1(Math.max(...all)), unit: 'ms', better: 'lower' },
      relationship_ended_median: { value: round1(median(ended)), unit: 'ms', better: 'lower' },
      blokkering_median: { value: round1(median(blocked)), unit: 'ms', better: 'lower' },
    },
    {
      method: `ingest-api, outbox-relay, access-projector and recipient-projector as separate processes; ${PATIENTS} patients under home care; ${revocations} revocations at ${REVOCATIONS_PER_SECOND}/s (alternately CareRelationshipEnded and a DataBlocked blokkering of the reading nurse) during ${RATE} clinical events/s (in requests of ${EVENTS_PER_REQUEST}); each timed from its 202 until the query path (RecipientModelReader: access model refresh, read model, engine decision per item) shows none of the patient's items, polled every 5 ms`,
      revocations: all.length,
    },
  );
}

/** CPU used by every part of the pipeline (and this load generator): on two cores, latency tails are mostly queueing for them. */
function pipelineCpu(pipeline: Pipeline) {
  return cpuAccount({
    ...Object.fromEntries(Object.entries(pipeline.pids).map(([name, pid]) => [name, () => [pid]])),
    postgres: () => pidsOf('postgres'),
    kafka: () => pidFromFile(join(__dirname, '..', '.stack', 'pids', 'kafka.pid')),
    registry: () => pidFromFile(join(__dirname, '..', '.stack', 'pids', 'registry.pid')),
    load_generator: () => [process.pid],
  });
}

function relationshipEnded(schemas: SchemaSet, fnr: string, relationshipId: string) {
  return { ...exampleEvent(schemas, 'CareRelationshipEnded', { patientFnr: fnr }), relationshipId, endedAt: new Date().toISOString() };
}

/** A blokkering of the reading home nurse by the patient. */
function nurseBlocked(schemas: SchemaSet, fnr: string) {
  const block = exampleEvent(schemas, 'DataBlocked', { patientFnr: fnr }) as unknown as Record<string, unknown> & { blockedPractitioner: Record<string, unknown> };
  return { ...block, blockId: randomUUID(), blockedPractitioner: { ...block.blockedPractitioner, hprNumber: homeNurse(new Date()).hprNumber, authorization: 'SP', name: 'Kari Nordmann' } };
}

async function main(): Promise<void> {
  if (MODE !== 'latency' && MODE !== 'revocation') throw new Error('usage: tsx bench/recipient-latency.bench.ts latency|revocation');
  const pipeline = await startPipeline(DATABASE, PORT);
  try {
    const schemas = SchemaSet.load();
    const patients = syntheticPatients(patientKeySecret(), PATIENTS);
    await (MODE === 'latency' ? latency : revocation)(pipeline, schemas, patients);
  } finally {
    await pipeline.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
