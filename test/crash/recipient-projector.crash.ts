// Crash test of the recipient projector. One command: npm run crash:recipient
// Governance gives a share of the patients home care or a specialist relationship (the access
// projector and the outbox relay run throughout and are never killed); a clinical backlog of
// CRASH_EVENTS mixed events goes onto the clinical topics, with many versions of the same items
// (medication lists, lab reports going preliminary -> final/cancelled, documents replaced and
// deprecated, a medication list turning confidential and back) and a few records no projection can
// read. The built recipient-projector catches up on it into an empty database while this script
// kill -9s it at random moments, at least CRASH_KILLS times, restarting it each time; between kills
// new governance arrives (relationships started, ended and started again, sperringer, a
// blokkering, a sperring lifted), so backfills and revocations run under crashes too. Then the
// stored read models must equal a reference folded independently from the same records, read back
// from Kafka in offset order:
//  (a) the patient store holds the last version of every (patient, item), no row missing or extra;
//  (b) every recipient holds exactly the items recipientMayHold permits it under the final facts,
//      each at its last version, none missing, none extra (a lost item stays as a tombstone, which
//      holds nothing);
//  (c) per recipient, feed sequence numbers are unique and never above the recipient's last_seq;
//  (d) the same records are dead-lettered, with the same reasons.
// Exit code 1 on any difference, printing the first ones.
import { execFileSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { Kafka } from 'kafkajs';
import { Client } from 'pg';
import {
  applyGovernanceEvent,
  audienceOf,
  factsFromJson,
  GOVERNANCE_EVENT_TYPES,
  loadPolicyTable,
  NO_FACTS,
  recipientKeyOf,
  recipientMayHold,
  type DataItem,
  type GovernanceEvent,
  type GovernanceEventType,
  type PatientAccessFacts,
} from '@backbone/access-control';
import { ACCESS_CHANGES_TOPIC, ACCESS_PROJECTION, GOVERNANCE_TOPIC } from '@backbone/access-model';
import { loadConfig, stackEnv } from '@backbone/config';
import { DERIVED_RECORDS, EVENT_TOPICS, EVENT_TYPES, EventCodec, loadTopicCatalog, provisionTopics, SchemaSet, type EventTypeName } from '@backbone/contracts';
import { createKafka } from '@backbone/messaging';
import { createLogger } from '@backbone/observability';
import { CLINICAL_EVENT_TYPES, clinicalItemsOf, RECIPIENT_TOPICS, recipientModelTables, type ClinicalEventType } from '@backbone/recipient-model';
import { AvroSerde } from '@backbone/serde';
import { CLINICAL_MIX, eventEncoder, patientKeySecret, sendByTopic, syntheticPatients, type OutgoingRecord, type SyntheticPatient } from '../../bench/support/clinical-load';
import { endOffsets, startGroupAt as startGovernanceGroupAt } from '../../bench/support/governance-load';
import { freshDatabase, projectedSince, startAccessProjector, startBuiltApp } from '../../bench/support/projector-process';
import { readRecords, startGroupAtOffsets, topicEnd, type PartitionOffsets, type TopicRecord } from '../support/stack-clients';

// The read model under test (its first version, what the projector builds by default) and the
// other tables compared, in one place.
const MODEL = recipientModelTables(1);
const TABLES = {
  /** The name the recipient projection keeps its positions and dead letters under. */
  recipientProjection: MODEL.projection,
  patientItems: MODEL.patientItem,
  recipientItems: MODEL.recipientItem,
  recipientSeqs: MODEL.recipientSeq,
  positions: 'projection_position',
  deadLetters: 'dead_letter',
  accessFacts: 'access_patient',
  outbox: 'outbox',
} as const;

const ROOT = join(__dirname, '..', '..');
const EVENTS = Number(process.env.CRASH_EVENTS ?? 120_000);
const KILLS = Number(process.env.CRASH_KILLS ?? 12);
/** About 20 clinical events per patient, so items get several versions. */
const ROUNDS = 20;
const PATIENTS = Math.max(60, Math.ceil(EVENTS / ROUNDS));
/** One record in POISON_EVERY cannot be projected (no value, not Avro, not a clinical event). */
const POISON_EVERY = 5_000;
const DATABASE = 'backbone_crash_recipient';
const PORTS = { access: 3980, relay: 3981, recipient: 3982 };
const DAY = 86_400_000;
const T0 = Date.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Recipients: home care units of Oslo kommune (DHO, medication, critical info) and two OUS
// departments as specialists (documents, medication, lab, ...).
const HOME_CARE = { legalEntity: '958935420', units: ['934567897', '974778807', '974778866', '974779021'] };
const SPECIALIST = { legalEntity: '993467049', departments: ['4001124', '4001076'] };

const CLINICAL_TOPICS = RECIPIENT_TOPICS.filter((t) => t !== ACCESS_CHANGES_TOPIC);
const CLINICAL_BY_NAME = new Map<string, ClinicalEventType>(CLINICAL_EVENT_TYPES.map((t) => [EVENT_TYPES[t], t]));
const GOVERNANCE_BY_NAME = new Map<string, GovernanceEventType>(GOVERNANCE_EVENT_TYPES.map((t) => [EVENT_TYPES[t], t]));
const mixChange = (type: EventTypeName) => CLINICAL_MIX.find(([t]) => t === type)![1];
const newDocumentId = () => `2.16.578.1.12.4.1.7.3.1.993467049.${randomUUID()}`;

type Offsets = Map<string, PartitionOffsets>;
type Encode = ReturnType<typeof eventEncoder>;

interface PatientState {
  /** Documents not replaced or deprecated yet. */
  documents: string[];
  firstDocument?: string;
  /** Lab reports still PRELIMINARY. */
  preliminaryLabs: string[];
  homeCare?: { relationshipId: string; unit: string };
}

async function main(): Promise<void> {
  const started = performance.now();
  execFileSync('bash', [join(ROOT, 'scripts', 'stack.sh'), 'up'], { stdio: 'inherit' });
  for (const app of ['access-projector', 'recipient-projector', 'outbox-relay']) execFileSync('npx', ['nest', 'build', app], { cwd: ROOT, stdio: 'inherit' });
  const config = loadConfig(stackEnv);
  const kafka = createKafka(config, createLogger('crash-test', 'warn'));
  await provisionTopics(kafka, loadTopicCatalog());
  const schemas = SchemaSet.load();
  const codec = new EventCodec(schemas, new AvroSerde(config.SCHEMA_REGISTRY_URL));
  const encode = eventEncoder(schemas, codec);
  const patients = syntheticPatients(patientKeySecret(), PATIENTS);
  const state = patients.map((): PatientState => ({ documents: [], preliminaryLabs: [] }));
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const send = async (records: OutgoingRecord[]) => {
    for (let i = 0; i < records.length; i += 2_000) await sendByTopic(producer, records.slice(i, i + 2_000));
  };

  // Where this run starts on every topic, before it produces anything.
  const clinicalStart: Offsets = new Map();
  for (const topic of CLINICAL_TOPICS) clinicalStart.set(topic, await topicEnd(kafka, topic));
  const changesStart = await topicEnd(kafka, ACCESS_CHANGES_TOPIC);
  const governanceStart = await endOffsets();
  const recipientStart: Offsets = new Map([...clinicalStart, [ACCESS_CHANGES_TOPIC, changesStart]]);

  const databaseUrl = await freshDatabase(DATABASE);
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  const accessGroup = `access-crash-recipient-${randomUUID()}`;
  await startGovernanceGroupAt(accessGroup, governanceStart);
  const recipientGroup = `recipient-crash-${randomUUID()}`;
  await startGroupAtOffsets(kafka, recipientGroup, recipientStart);

  const children = new Set<ChildProcess>();
  const spawned = (child: ChildProcess) => {
    children.add(child);
    child.once('exit', () => children.delete(child));
    return child;
  };
  const killAll = () => {
    for (const child of children) child.kill('SIGKILL');
  };
  process.once('exit', killAll);
  try {
    // Governance before the load: home care for half of the patients, a specialist for a third.
    const before: OutgoingRecord[] = [];
    for (const [n, patient] of patients.entries()) {
      if (n % 2 === 0) before.push(await startHomeCare(encode, patient, state[n], HOME_CARE.units[(n >> 1) % HOME_CARE.units.length]));
      if (n % 3 === 1) before.push(await startSpecialist(encode, patient, SPECIALIST.departments[n % 2]));
    }
    await send(before);
    const governanceBefore = await endOffsets();
    spawned(startAccessProjector(databaseUrl, accessGroup, PORTS.access));
    spawned(startBuiltApp('outbox-relay', databaseUrl, PORTS.relay, {}));
    await until(async () => (await remaining(db, ACCESS_PROJECTION, new Map([[GOVERNANCE_TOPIC, governanceStart]]), new Map([[GOVERNANCE_TOPIC, governanceBefore]]))) === 0, 'the access projector applying the governance before the load', 300_000);

    // The clinical backlog.
    const load = await clinicalLoad(encode, patients, state);
    for (let i = 0; i < load.records.length; i += 20_000) await send(load.records.slice(i, i + 20_000));
    const clinicalEnd: Offsets = new Map();
    for (const topic of CLINICAL_TOPICS) clinicalEnd.set(topic, await topicEnd(kafka, topic));
    const clinicalTotal = eventsBetween(clinicalStart, clinicalEnd);
    console.log(`produced ${load.records.length.toLocaleString()} clinical records (${load.poison} unreadable) for ${PATIENTS.toLocaleString()} patients; ${before.length.toLocaleString()} governance events before the load`);

    // Governance while the projector catches up and crashes: given after some of the kills.
    const waves = governanceWaves(encode, patients, state);
    const waveAfter = [Math.max(1, Math.floor(KILLS / 4)), Math.max(2, Math.floor(KILLS / 2)), Math.max(3, Math.floor((3 * KILLS) / 4))];
    let governanceCount = before.length;
    const fireWave = async (index: number) => {
      const records = await waves[index]();
      await send(records);
      governanceCount += records.length;
      console.log(`  governance wave ${index + 1}: ${records.length} events`);
    };

    const start = () =>
      spawned(
        startBuiltApp('recipient-projector', databaseUrl, PORTS.recipient, {
          RECIPIENT_PROJECTOR_GROUP_ID: recipientGroup,
          // Kafka's minimum, so a killed member's partitions move on after 6 s, not 30.
          RECIPIENT_PROJECTOR_SESSION_TIMEOUT_MS: '6000',
        }),
      );
    const exited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;
    const progress = () => projectedSince(db, TABLES.recipientProjection, recipientStart);
    // A kill -9 in the middle of a transaction shows as a rollback in the database's statistics.
    const rollbacks = async () => Number((await db.query<{ n: string }>('SELECT xact_rollback AS n FROM pg_stat_database WHERE datname = current_database()')).rows[0].n);
    const rollbacksBefore = await rollbacks();
    let app = start();
    let kills = 0;
    let done = 0;
    while (kills < KILLS) {
      // Kill only while it works: wait until this incarnation has applied something, then a random
      // moment later (mid-chunk, between transactions, while committing), kill -9.
      const from = done;
      const deadline = Date.now() + 120_000;
      while ((done = await progress()) === from) {
        if (exited(app)) throw new Error(`the recipient projector exited by itself (code ${app.exitCode}, signal ${app.signalCode}) after ${kills} kills`);
        if (Date.now() > deadline) throw new Error(`no progress for 2 minutes after kill ${kills}`);
        await sleep(20);
      }
      if ((await remaining(db, TABLES.recipientProjection, clinicalStart, clinicalEnd)) === 0) throw new Error(`the clinical load was applied after only ${kills} kills; raise CRASH_EVENTS`);
      await sleep(Math.random() * 500);
      if (exited(app)) throw new Error(`the recipient projector exited by itself (code ${app.exitCode}, signal ${app.signalCode}) after ${kills} kills`);
      const gone = new Promise((resolve) => app.once('exit', resolve));
      app.kill('SIGKILL');
      await gone;
      kills += 1;
      done = await progress();
      const left = await remaining(db, TABLES.recipientProjection, clinicalStart, clinicalEnd);
      console.log(`kill -9 #${kills}: ${done.toLocaleString()} records applied so far, ${left.toLocaleString()} of ${clinicalTotal.toLocaleString()} clinical still to go`);
      for (const [index, after] of waveAfter.entries()) if (after === kills) await fireWave(index);
      app = start();
    }
    for (const [index, after] of waveAfter.entries()) if (after > kills) await fireWave(index);
    await producer.disconnect();

    // Everything in: the access projector has applied all governance, the relay has published
    // every AccessChanged, and the recipient projector has consumed all of it and the load.
    const governanceEnd = await endOffsets();
    await until(async () => (await remaining(db, ACCESS_PROJECTION, new Map([[GOVERNANCE_TOPIC, governanceStart]]), new Map([[GOVERNANCE_TOPIC, governanceEnd]]))) === 0, 'the access projector applying all governance', 300_000);
    await until(async () => Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${TABLES.outbox}`)).rows[0].n) === 0, 'the outbox relay draining the outbox', 120_000);
    const recipientEnd: Offsets = new Map([...clinicalEnd, [ACCESS_CHANGES_TOPIC, await topicEnd(kafka, ACCESS_CHANGES_TOPIC)]]);
    await until(
      async () => {
        if (exited(app)) throw new Error(`the recipient projector exited by itself (code ${app.exitCode}, signal ${app.signalCode}) after the last kill`);
        return (await remaining(db, TABLES.recipientProjection, recipientStart, recipientEnd)) === 0;
      },
      'the recipient projector consuming everything after the last kill',
      600_000,
    );
    for (const child of [...children]) {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([gone, sleep(15_000)]);
      if (!exited(child)) child.kill('SIGKILL');
    }
    const caughtUp = performance.now();
    await sleep(1_000); // statistics reach pg_stat_database within a second
    const interrupted = (await rollbacks()) - rollbacksBefore;
    console.log(`consumed everything through ${kills} kills in ${((caughtUp - started) / 1000).toFixed(0)} s (${interrupted} transactions rolled back meanwhile); folding the reference from the records`);

    // The reference reads exactly what the projections consumed: from this run's start to their stored positions.
    const recipientRead = await rangesUpTo(db, TABLES.recipientProjection, recipientStart);
    const governanceRead = await rangesUpTo(db, ACCESS_PROJECTION, new Map([[GOVERNANCE_TOPIC, governanceStart]]));
    const reference = await referenceFrom(kafka, codec, recipientRead, governanceRead);
    const { problems, compared } = await compare(db, reference);
    await db.end();
    const seconds = ((performance.now() - started) / 1000).toFixed(0);
    if (problems.length > 0) {
      // The first few of each kind (a kind is what comes before the first colon), then the counts.
      const kinds = countBy(problems.map((p) => p.slice(0, p.indexOf(':'))));
      for (const kind of kinds.keys()) for (const problem of problems.filter((p) => p.startsWith(`${kind}:`)).slice(0, 8)) console.error(`DIFFERENCE: ${problem}`);
      console.error(`${problems.length} differences (${[...kinds].map(([kind, n]) => `${kind}: ${n}`).join(', ')}) after ${seconds} s, ${kills} kills`);
      process.exitCode = 1;
      return;
    }
    console.log(
      [
        `the recipient read models equal the reference (${seconds} s, ${kills} kills of the recipient projector):`,
        `  kills: ${kills}, with ${interrupted} transactions rolled back in the database meanwhile (kills mid-transaction, or retried deadlocks)`,
        `  records folded: ${reference.clinicalRecords.toLocaleString()} clinical (${(load.records.length - load.poison).toLocaleString()} produced by this run), ${reference.accessChanges.toLocaleString()} AccessChanged (${[...reference.changeKinds].map(([k, v]) => `${v} ${k}`).join(', ')}), ${reference.governanceRecords.toLocaleString()} governance (${governanceCount.toLocaleString()} produced by this run)`,
        `  patient store: ${compared.patientItems.toLocaleString()} items of ${reference.patients.toLocaleString()} patients, ${compared.versioned.toLocaleString()} of them with more than one version`,
        `  recipient rows: ${compared.recipientRows.toLocaleString()} for ${compared.recipients} recipients (max seq ${compared.maxSeq.toLocaleString()}, ${compared.tombstones.toLocaleString()} tombstones, ${compared.renumbered.toLocaleString()} sequence numbers given to rows since changed again)`,
        `  dead letters: ${reference.deadLetters.size} (${[...countBy([...reference.deadLetters.values()])].map(([k, v]) => `${v} ${k}`).join(', ')})`,
      ].join('\n'),
    );
  } finally {
    killAll();
  }
}

// ---------------------------------------------------------------------------------------------
// The load

function relationshipFields(fields: Record<string, unknown>) {
  return (e: Record<string, unknown>) =>
    Object.assign(e, {
      practitioner: null,
      purposeOfUse: 'TREAT',
      purposeOfUseDetails: null,
      missionId: null,
      validFrom: new Date(T0 - 30 * DAY),
      validTo: new Date(T0 + 180 * DAY),
      ...fields,
    });
}

async function startHomeCare(encode: Encode, { fnr, key }: SyntheticPatient, state: PatientState, unit: string): Promise<OutgoingRecord> {
  state.homeCare = { relationshipId: randomUUID(), unit };
  return encode(
    'CareRelationshipStarted',
    fnr,
    key,
    relationshipFields({
      relationshipId: state.homeCare.relationshipId,
      legalEntity: HOME_CARE.legalEntity,
      pointOfCare: unit,
      department: null,
      healthcareService: { system: 'urn:oid:2.16.578.1.12.4.1.1.8663', code: 'KP02', display: 'Hjemmesykepleie' },
      basis: 'HOME_CARE_DECISION',
    }),
  );
}

const startSpecialist = (encode: Encode, { fnr, key }: SyntheticPatient, department: string) =>
  encode(
    'CareRelationshipStarted',
    fnr,
    key,
    relationshipFields({
      relationshipId: randomUUID(),
      legalEntity: SPECIALIST.legalEntity,
      pointOfCare: null,
      department,
      healthcareService: { system: 'urn:oid:2.16.578.1.12.4.1.1.8655', code: 'S03', display: 'Indremedisin' },
      basis: 'REFERRAL',
    }),
  );

const block = (encode: Encode, { fnr, key }: SyntheticPatient, blockId: string, fields: Record<string, unknown>) =>
  encode('DataBlocked', fnr, key, (e) =>
    Object.assign(e, {
      blockId,
      kind: 'SPERRING',
      sperringScope: null,
      dataCategories: [],
      documentIds: [],
      organisation: null,
      timeWindow: null,
      blockedPractitioner: null,
      effectiveFrom: new Date(T0 - DAY),
      ...fields,
    }),
  );

/**
 * ROUNDS events per patient, the patients interleaved (one patient's versions spread over the
 * topic, so over many chunks and kills). Each round gives the patient the next kind in the cycle.
 */
async function clinicalLoad(encode: Encode, patients: SyntheticPatient[], state: PatientState[]): Promise<{ records: OutgoingRecord[]; poison: number }> {
  const cycle = ['dho', 'medication', 'lab', 'document', 'dho', 'lab-version', 'medication', 'document-replaced', 'document-deprecated', 'medication'] as const;
  const records: OutgoingRecord[] = [];
  let poison = 0;
  let i = 0;
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const [n, { fnr, key }] of patients.entries()) {
      const s = state[n];
      const kind = cycle[(round + n) % cycle.length];
      let type: EventTypeName;
      let change: (e: Record<string, unknown>) => void;
      if (kind === 'dho') [type, change] = ['DhoMeasurementRecorded', mixChange('DhoMeasurementRecorded')];
      else if (kind === 'medication') {
        // Now and then a version the home care may not see (confidentiality R needs a consent), the next one again.
        const restricted = (n + round) % 3 === 0 && round % 2 === 0;
        [type, change] = ['MedicationListUpdated', (e) => ((e.envelope as Record<string, unknown>).confidentiality = restricted ? 'R' : 'N')];
      } else if (kind === 'lab' || (kind === 'lab-version' && s.preliminaryLabs.length === 0)) {
        [type, change] = [
          'LabResultReported',
          (e) => {
            mixChange('LabResultReported')(e);
            e.status = 'PRELIMINARY';
            s.preliminaryLabs.push(e.reportId as string);
          },
        ];
      } else if (kind === 'lab-version') {
        const reportId = s.preliminaryLabs.shift()!;
        [type, change] = ['LabResultReported', (e) => Object.assign(e, { reportId, status: n % 5 === 0 ? 'CANCELLED' : 'FINAL' })];
      } else if (kind === 'document' || s.documents.length === 0 || (kind === 'document-deprecated' && s.documents.length < 2)) {
        [type, change] = [
          'DocumentPublished',
          (e) => {
            const id = newDocumentId();
            (e.document as { uniqueId: string }).uniqueId = id;
            s.documents.push(id);
            s.firstDocument ??= id;
          },
        ];
      } else if (kind === 'document-replaced') {
        const replaces = s.documents.pop()!;
        [type, change] = [
          'DocumentReplaced',
          (e) => {
            const id = newDocumentId();
            (e.document as { uniqueId: string }).uniqueId = id;
            e.replaces = replaces;
            s.documents.push(id);
          },
        ];
      } else {
        const uniqueId = s.documents.shift()!;
        [type, change] = ['DocumentDeprecated', (e) => (e.uniqueId = uniqueId)];
      }
      i += 1;
      if (i % POISON_EVERY === POISON_EVERY / 2) {
        // In the topic of the event it replaces: no value, not Avro, or a governance event.
        const topic = EVENT_TOPICS[type];
        const headers = { eventId: randomUUID(), eventType: type };
        const sort = poison % 3;
        poison += 1;
        if (sort === 0) records.push({ topic, message: { key, value: null, headers } });
        else if (sort === 1) records.push({ topic, message: { key, value: Buffer.from('not an Avro record'), headers } });
        else records.push({ topic, message: (await encode('DataUnblocked', fnr, key, (e) => (e.blockId = randomUUID()))).message });
        continue;
      }
      records.push(await encode(type, fnr, key, change));
    }
  }
  return { records, poison };
}

/** Governance given while the recipient projector catches up (each wave built when it is given). */
function governanceWaves(encode: Encode, patients: SyntheticPatient[], state: PatientState[]): Array<() => Promise<OutgoingRecord[]>> {
  const lifted = new Map<number, string>();
  return [
    // Wave 1: new specialists (a backfill from a partly filled store), home care ended for a
    // quarter of the patients (the recipient loses the patient), a blokkering of a practitioner
    // (every recipient CHANGED, nothing it holds changes).
    async () => {
      const records: OutgoingRecord[] = [];
      for (const [n, patient] of patients.entries()) {
        if (n % 6 === 5) records.push(await startSpecialist(encode, patient, SPECIALIST.departments[n % 2]));
        if (n % 4 === 2) {
          const { relationshipId } = state[n].homeCare!;
          records.push(await encode('CareRelationshipEnded', patient.fnr, patient.key, (e) => Object.assign(e, { relationshipId, endedAt: new Date(T0 - DAY), reason: 'Vedtak avsluttet' })));
        }
        if (n % 6 === 0) records.push(await encode('DataBlocked', patient.fnr, patient.key, (e) => Object.assign(e, { blockId: randomUUID(), effectiveFrom: new Date(T0 - DAY) })));
      }
      return records;
    },
    // Wave 2: home care again for half of those who lost it (the same recipient, granted again),
    // a sperring of one document, a sperring of the medication category.
    async () => {
      const records: OutgoingRecord[] = [];
      for (const [n, patient] of patients.entries()) {
        if (n % 8 === 2) records.push(await startHomeCare(encode, patient, state[n], state[n].homeCare!.unit));
        if (n % 3 === 1 && n % 4 === 1 && state[n].firstDocument) {
          records.push(await block(encode, patient, randomUUID(), { sperringScope: 'DOCUMENT', documentIds: [state[n].firstDocument] }));
        }
        if (n % 3 === 1 && n % 4 === 3) {
          const blockId = randomUUID();
          if (n % 8 === 7) lifted.set(n, blockId);
          records.push(await block(encode, patient, blockId, { sperringScope: 'CATEGORY', dataCategories: ['MEDICATION'] }));
        }
      }
      return records;
    },
    // Wave 3: half of the category sperringer lifted (the medication list comes back, a backfill).
    async () => {
      const records: OutgoingRecord[] = [];
      for (const [n, blockId] of lifted) {
        records.push(await encode('DataUnblocked', patients[n].fnr, patients[n].key, (e) => Object.assign(e, { blockId, unblockedAt: new Date(T0 - DAY / 2) })));
      }
      return records;
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// Progress

async function storedPositions(db: Client, projection: string): Promise<Map<string, bigint>> {
  const { rows } = await db
    .query<{ topic: string; partition: number; next_offset: string }>(`SELECT topic, partition, next_offset FROM ${TABLES.positions} WHERE projection = $1`, [projection])
    .catch(() => ({ rows: [] as Array<{ topic: string; partition: number; next_offset: string }> }));
  return new Map(rows.map((r) => [`${r.topic}|${r.partition}`, BigInt(r.next_offset)]));
}

const offsetIn = (offsets: Offsets, topic: string, partition: number) => BigInt(offsets.get(topic)?.find((p) => p.partition === partition)?.offset ?? '0');

/** Records between `start` and `end` the projection has not consumed yet (by its stored positions). */
async function remaining(db: Client, projection: string, start: Offsets, end: Offsets): Promise<number> {
  const stored = await storedPositions(db, projection);
  let left = 0n;
  for (const [topic, partitions] of end) {
    for (const { partition, offset } of partitions) {
      const from = offsetIn(start, topic, partition);
      const at = stored.get(`${topic}|${partition}`) ?? from;
      const position = at > from ? at : from;
      if (BigInt(offset) > position) left += BigInt(offset) - position;
    }
  }
  return Number(left);
}

/** From `start` to the projection's stored position, per topic and partition: exactly what it consumed. */
async function rangesUpTo(db: Client, projection: string, start: Offsets): Promise<Map<string, Array<{ partition: number; from: string; to: string }>>> {
  const stored = await storedPositions(db, projection);
  return new Map(
    [...start].map(([topic, partitions]) => [
      topic,
      partitions.map(({ partition, offset }) => {
        const at = stored.get(`${topic}|${partition}`);
        return { partition, from: offset, to: at !== undefined && at > BigInt(offset) ? at.toString() : offset };
      }),
    ]),
  );
}

const eventsBetween = (start: Offsets, end: Offsets) => [...end].reduce((sum, [topic, partitions]) => sum + partitions.reduce((s, p) => s + Number(BigInt(p.offset) - offsetIn(start, topic, p.partition)), 0), 0);

async function until(check: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

function countBy(values: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}

// ---------------------------------------------------------------------------------------------
// The reference

interface ReferenceItem {
  patientKey: string;
  itemKey: string;
  eventId: string;
  status: string;
  access: DataItem;
  topic: string;
  partition: number;
  offset: bigint;
}

const itemKeyOf = (patientKey: string, itemKey: string) => `${patientKey}\u0000${itemKey}`;
const rowKeyOf = (recipientKey: string, patientKey: string, itemKey: string) => `${recipientKey}\u0000${itemKeyOf(patientKey, itemKey)}`;
const positionOf = (topic: string, partition: number, offset: bigint | string) => `${topic}/${partition}/${offset}`;

/** Checks that a read gave every offset of its ranges (no gap: the projector counted the same records). */
function contiguous(topic: string, ranges: Array<{ partition: number; from: string; to: string }>, read: Map<number, TopicRecord[]>): void {
  for (const { partition, from, to } of ranges) {
    const expected = Number(BigInt(to) - BigInt(from));
    const got = read.get(partition)?.length ?? 0;
    if (got !== expected) throw new Error(`${topic}/${partition}: read ${got} records between offsets ${from} and ${to}, expected ${expected}`);
  }
}

/**
 * Folded from the records themselves, with the pure functions only (no projector code): the facts
 * of every patient, the last version of every item (offset order within a partition; a patient's
 * items of one kind are in one topic and partition), the records the projector must dead-letter.
 */
async function referenceFrom(
  kafka: Kafka,
  codec: EventCodec,
  recipientRanges: Map<string, Array<{ partition: number; from: string; to: string }>>,
  governanceRanges: Map<string, Array<{ partition: number; from: string; to: string }>>,
) {
  const facts = new Map<string, PatientAccessFacts>();
  let governanceRecords = 0;
  for (const [topic, ranges] of governanceRanges) {
    const read = await readRecords(kafka, topic, ranges);
    contiguous(topic, ranges, read);
    for (const records of read.values()) {
      for (const { value } of records) {
        governanceRecords += 1;
        if (!value) continue;
        const decoded = await codec.decodeNamed(value).catch(() => undefined);
        const type = decoded && GOVERNANCE_BY_NAME.get(decoded.name);
        if (!decoded || !type) continue;
        const event = decoded.value as { envelope: { patientKey: string } };
        const key = event.envelope.patientKey;
        if (!key) continue;
        const result = applyGovernanceEvent(facts.get(key) ?? NO_FACTS, { type, event } as GovernanceEvent);
        if (result.ok) facts.set(key, result.facts);
      }
    }
  }

  const items = new Map<string, ReferenceItem>();
  /** Items seen in more than one topic or partition: the order between those is not defined, so they are not compared. */
  const ambiguous = new Set<string>();
  const versions = new Map<string, number>();
  const deadLetters = new Map<string, string>();
  const changeKinds = new Map<string, number>();
  let clinicalRecords = 0;
  let accessChanges = 0;
  for (const [topic, ranges] of recipientRanges) {
    const read = await readRecords(kafka, topic, ranges);
    contiguous(topic, ranges, read);
    for (const [partition, records] of read) {
      for (const { offset, value } of records) {
        const position = positionOf(topic, partition, offset);
        if (!value) {
          deadLetters.set(position, 'EMPTY_VALUE');
          continue;
        }
        const decoded = await codec.decodeNamed(value).catch(() => undefined);
        if (!decoded) {
          deadLetters.set(position, 'UNDECODABLE');
          continue;
        }
        if (decoded.name === DERIVED_RECORDS.AccessChanged) {
          accessChanges += 1;
          const kind = (decoded.value as { change: string }).change;
          changeKinds.set(kind, (changeKinds.get(kind) ?? 0) + 1);
          continue;
        }
        const type = CLINICAL_BY_NAME.get(decoded.name);
        if (!type) {
          deadLetters.set(position, 'UNKNOWN_EVENT_TYPE');
          continue;
        }
        clinicalRecords += 1;
        const event = decoded.value as { envelope: { patientKey: string; eventId: string } };
        for (const item of clinicalItemsOf(type, event as never)) {
          const key = itemKeyOf(event.envelope.patientKey, item.itemKey);
          const previous = items.get(key);
          if (previous && (previous.topic !== topic || previous.partition !== partition)) ambiguous.add(key);
          versions.set(key, (versions.get(key) ?? 0) + 1);
          items.set(key, { patientKey: event.envelope.patientKey, itemKey: item.itemKey, eventId: event.envelope.eventId, status: item.status, access: item.access, topic, partition, offset });
        }
      }
    }
  }

  // Who may hold what now: for every item, every recipient the final facts name (an audience
  // member, a relationship, an emergency access), decided by the policy engine.
  const table = loadPolicyTable();
  const now = new Date();
  const candidates = new Map<string, string[]>();
  const candidatesOf = (patientKey: string, patientFacts: PatientAccessFacts) => {
    let keys = candidates.get(patientKey);
    if (!keys) {
      const set = new Set(audienceOf(patientFacts, now, table).keys());
      for (const r of patientFacts.relationships) set.add(recipientKeyOf(r));
      for (const e of patientFacts.emergencyAccesses) set.add(recipientKeyOf(e));
      candidates.set(patientKey, (keys = [...set]));
    }
    return keys;
  };
  const held = new Map<string, { eventId: string; status: string; category: string }>();
  for (const [key, item] of items) {
    if (ambiguous.has(key)) continue;
    const patientFacts = facts.get(item.patientKey);
    if (!patientFacts) continue;
    for (const recipientKey of candidatesOf(item.patientKey, patientFacts)) {
      if (recipientMayHold(patientFacts, recipientKey, item.access, now, table)) held.set(rowKeyOf(recipientKey, item.patientKey, item.itemKey), { eventId: item.eventId, status: item.status, category: item.access.category });
    }
  }
  return {
    facts,
    items,
    ambiguous,
    versions,
    held,
    deadLetters,
    changeKinds,
    clinicalRecords,
    accessChanges,
    governanceRecords,
    patients: new Set([...items.values()].map((i) => i.patientKey)).size,
  };
}

// ---------------------------------------------------------------------------------------------
// The comparison

async function compare(db: Client, reference: Awaited<ReturnType<typeof referenceFrom>>) {
  const problems: string[] = [];
  const compared = { patientItems: 0, versioned: 0, recipientRows: 0, recipients: 0, maxSeq: 0, renumbered: 0, tombstones: 0 };
  if (reference.ambiguous.size > 0) console.warn(`note: ${reference.ambiguous.size} items came from more than one topic or partition and are not compared`);

  // The facts the reference decides with must be the access projector's (else (b) compares nothing useful).
  const { rows: factRows } = await db.query<{ patient_key: string; facts: object }>(`SELECT patient_key, facts FROM ${TABLES.accessFacts}`);
  const storedFacts = new Map(factRows.map((r) => [r.patient_key, factsFromJson(r.facts)]));
  for (const [key, expected] of reference.facts) {
    if (!isDeepStrictEqual(storedFacts.get(key), expected)) problems.push(`access facts (the access projector's, not the recipient projector's): patient ${key} differs from the governance records`);
  }

  // (a) The patient store: the last version of every item, nothing missing, nothing extra.
  const { rows: itemRows } = await db.query<{ patient_key: string; item_key: string; event_id: string; status: string; source_topic: string; source_partition: number; source_offset: string }>(
    `SELECT patient_key, item_key, event_id, status, source_topic, source_partition, source_offset FROM ${TABLES.patientItems}`,
  );
  const storedItems = new Set<string>();
  for (const row of itemRows) {
    const key = itemKeyOf(row.patient_key, row.item_key);
    if (storedItems.has(key)) problems.push(`patient store: (${row.patient_key}, ${row.item_key}) stored twice`);
    storedItems.add(key);
    if (reference.ambiguous.has(key)) continue;
    const expected = reference.items.get(key);
    if (!expected) {
      problems.push(`patient store: (${row.patient_key}, ${row.item_key}) is not in the reference`);
      continue;
    }
    compared.patientItems += 1;
    if ((reference.versions.get(key) ?? 0) > 1) compared.versioned += 1;
    const at = positionOf(row.source_topic, row.source_partition, row.source_offset);
    const wanted = positionOf(expected.topic, expected.partition, expected.offset);
    if (row.event_id !== expected.eventId || row.status !== expected.status || at !== wanted) {
      problems.push(`patient store: (${row.patient_key}, ${row.item_key}) holds event ${row.event_id} (${row.status}, ${at}), the last version is ${expected.eventId} (${expected.status}, ${wanted})`);
    }
  }
  for (const [key, expected] of reference.items) {
    if (!storedItems.has(key)) problems.push(`patient store: (${expected.patientKey}, ${expected.itemKey}) is missing (last version ${expected.eventId} at ${positionOf(expected.topic, expected.partition, expected.offset)})`);
  }

  // (b) What each recipient holds, and (c) its feed sequence numbers.
  const { rows: heldRows } = await db.query<{ recipient_key: string; patient_key: string; item_key: string; seq: string; event_id: string; status: string; category: string; removed: boolean }>(
    `SELECT recipient_key, patient_key, item_key, seq, event_id, status, category, removed_at IS NOT NULL AS removed FROM ${TABLES.recipientItems}`,
  );
  const storedRows = new Set<string>();
  const seqs = new Map<string, Map<bigint, string>>();
  for (const row of heldRows) {
    const key = rowKeyOf(row.recipient_key, row.patient_key, row.item_key);
    const name = `${row.recipient_key} holds (${row.patient_key}, ${row.item_key})`;
    if (storedRows.has(key)) problems.push(`recipient rows: ${name} twice`);
    const seq = BigInt(row.seq);
    const feed = seqs.get(row.recipient_key) ?? seqs.set(row.recipient_key, new Map()).get(row.recipient_key)!;
    const other = feed.get(seq);
    if (other !== undefined) problems.push(`sequences: ${row.recipient_key} has seq ${seq} twice, for ${other} and (${row.patient_key}, ${row.item_key})`);
    feed.set(seq, `(${row.patient_key}, ${row.item_key})`);
    if (seq < 1n) problems.push(`sequences: ${name} at seq ${seq}`);
    // A tombstone (an item the recipient lost, kept for its feed) holds nothing: if the reference
    // says the recipient may hold the item, the check below reports it as missing.
    if (row.removed) {
      compared.tombstones += 1;
      continue;
    }
    storedRows.add(key);
    if (reference.ambiguous.has(itemKeyOf(row.patient_key, row.item_key))) continue;
    const expected = reference.held.get(key);
    if (!expected) {
      problems.push(`recipient rows: ${name} (event ${row.event_id}), which it may not hold`);
      continue;
    }
    compared.recipientRows += 1;
    if (row.event_id !== expected.eventId || row.status !== expected.status || row.category !== expected.category) {
      problems.push(`recipient rows: ${name} at event ${row.event_id} (${row.status}), the last version is ${expected.eventId} (${expected.status})`);
    }
  }
  for (const key of reference.held.keys()) {
    if (!storedRows.has(key)) {
      const [recipientKey, patientKey, itemKey] = key.split('\u0000');
      problems.push(`recipient rows: ${recipientKey} does not hold (${patientKey}, ${itemKey}), which it may hold`);
    }
  }
  const { rows: seqRows } = await db.query<{ recipient_key: string; last_seq: string }>(`SELECT recipient_key, last_seq FROM ${TABLES.recipientSeqs}`);
  const lastSeq = new Map(seqRows.map((r) => [r.recipient_key, BigInt(r.last_seq)]));
  for (const [recipientKey, feed] of seqs) {
    const max = [...feed.keys()].reduce((a, b) => (a > b ? a : b), 0n);
    const last = lastSeq.get(recipientKey);
    if (last === undefined) problems.push(`sequences: ${recipientKey} holds rows up to seq ${max} but has no last_seq`);
    else if (max > last) problems.push(`sequences: ${recipientKey} holds seq ${max}, above its last_seq ${last}`);
    else compared.renumbered += Number(last) - feed.size;
    compared.maxSeq = Math.max(compared.maxSeq, Number(max));
  }
  compared.recipients = seqs.size;

  // (d) Dead letters: the same records, for the same reasons.
  const { rows: deadRows } = await db.query<{ topic: string; partition: number; offset: string; reason: string }>(
    `SELECT topic, partition, "offset", reason FROM ${TABLES.deadLetters} WHERE projection = $1`,
    [TABLES.recipientProjection],
  );
  const storedDead = new Map<string, string>();
  for (const row of deadRows) {
    const position = positionOf(row.topic, row.partition, row.offset);
    if (storedDead.has(position)) problems.push(`dead letters: ${position} twice`);
    storedDead.set(position, row.reason);
    const expected = reference.deadLetters.get(position);
    if (expected === undefined) problems.push(`dead letters: ${position} dead-lettered (${row.reason}), the reference applies it`);
    else if (expected !== row.reason) problems.push(`dead letters: ${position} dead-lettered as ${row.reason}, the reference says ${expected}`);
  }
  for (const [position, reason] of reference.deadLetters) if (!storedDead.has(position)) problems.push(`dead letters: ${position} (${reason}) was not dead-lettered`);
  if (deadRows.length !== reference.deadLetters.size) problems.push(`dead letters: ${deadRows.length} stored, ${reference.deadLetters.size} in the reference`);

  return { problems, compared };
}

// Exits when done: a Kafka client left connected by a failure must not keep the process waiting.
void main().then(() => process.exit(process.exitCode ?? 0)).catch((error) => {
  console.error(error);
  process.exit(1);
});
