// The demo's scenario: one (synthetic) patient's week across the data domains, published by the
// systems that own each fact through the ingest API, then read back through the query API by each
// health worker involved and by the patient, who finally sees who looked.
//
//   Ola (a Tenor synthetic person) is on the list of his fastlege at Grünerløkka legesenter and gets
//   home care from Bydel Gamle Oslo with digital home follow-up. The hospital (OUS) has his lab
//   results, an X-ray, his medication list and critical info. He falls ill at home: the ambulance
//   (AMK mission) treats him and hands him over to OUS's emergency department. Earlier, Ola
//   blocked Dr. Nils Berg at OUS (a blokkering). At night a doctor on call at OUS opens his record
//   with break-the-glass.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEV_HOME_NURSE, DevIssuer, healthWorkerClaims, type AttestedHealthWorker } from '@backbone/auth';
import { EVENT_TYPES, exampleOf, SchemaSet, syntheticFnr, type EventTypeName } from '@backbone/contracts';

const INGEST = process.env.INGEST_URL ?? 'http://127.0.0.1:3000';
const QUERY = process.env.QUERY_URL ?? 'http://127.0.0.1:3004';
const DELIVERY = process.env.DELIVERY_URL ?? 'http://127.0.0.1:3005';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const OUS = { id: '993467049', name: 'OSLO UNIVERSITETSSYKEHUS HF' };
const OUS_ULLEVAL = { id: '974589095', name: 'OUS Ullevål' };
const AKUTTMOTTAK = { id: '4001031', name: 'Akuttmottaket Ullevål' };
const S03 = { system: 'urn:oid:2.16.578.1.12.4.1.1.8655', code: 'S03', text: 'Indremedisin' };

const FASTLEGE: AttestedHealthWorker = {
  hprNumber: '8123456',
  authorization: 'LE',
  name: 'Eva Fastlege',
  legalEntity: { id: '923456783', name: 'GRÜNERLØKKA LEGESENTER' },
  pointOfCare: { id: '923456783', name: 'Grünerløkka legesenter' },
  service: { system: 'urn:oid:2.16.578.1.12.4.1.1.8663', code: 'KA01', text: 'Fastlegetjeneste' },
  purpose: 'TREAT',
  decisionRef: 'FASTLEGELISTE',
};
const AKUTTLEGE: AttestedHealthWorker = {
  hprNumber: '9144900',
  authorization: 'LE',
  name: 'Lege Legesen',
  legalEntity: OUS,
  pointOfCare: OUS_ULLEVAL,
  department: AKUTTMOTTAK,
  service: S03,
  purpose: 'ETREAT',
  decisionRef: 'INNLEGGELSE-AKUTT',
};
const DR_BERG: AttestedHealthWorker = { ...AKUTTLEGE, hprNumber: '7654321', name: 'Nils Berg', purpose: 'BTG', decisionRef: 'NØDRETT' };
const VAKTLEGE: AttestedHealthWorker = { ...AKUTTLEGE, hprNumber: '5566778', name: 'Vakt Legesen', department: { id: '4001032', name: 'Medisinsk klinikk, vakt' }, purpose: 'BTG', decisionRef: 'NØDRETT' };

const CUSTODIAN_OF: Record<string, { id: string; name: string }> = {
  'gp-grunerlokka': { id: '923456783', name: 'Grünerløkka legesenter' },
  'ous-dips-arena': OUS,
  'ous-ambulance-journal': { id: OUS.id, name: 'OUS Prehospital klinikk, Ambulanseavdelingen' },
};

type Event = Record<string, unknown> & { envelope: Record<string, unknown> };

async function main(): Promise<void> {
  const issuer = await DevIssuer.loadOrCreate();
  const schemas = SchemaSet.load();
  const fnr = syntheticFnr(Math.floor(Math.random() * 1_000_000));
  const now = Date.now();
  const iso = (offsetMinutes: number) => new Date(now + offsetMinutes * 60_000).toISOString();
  const missionId = `AMK-OSLO-${new Date(now).toISOString().slice(0, 10).replace(/-/g, '')}-${Math.floor(Math.random() * 9000 + 1000)}`;

  const example = (type: EventTypeName, fields: Record<string, unknown> = {}): Event => {
    const event = structuredClone(exampleOf(schemas, EVENT_TYPES[type])) as Event;
    event.envelope.eventId = randomUUID();
    event.envelope.patient = { system: 'FNR', value: fnr };
    event.envelope.occurredAt = iso(-60);
    event.envelope.recordedAt = iso(-59);
    return Object.assign(event, fields);
  };
  const publish = async (client: string, what: string, event: Event) => {
    // Each system publishes as the organisation it belongs to (deploy/publishers.yaml).
    const custodian = CUSTODIAN_OF[client];
    if (custodian) event.envelope.custodian = { orgNumber: custodian.id, reshId: null, herId: null, name: custodian.name };
    const token = await issuer.sign({ subject: client, clientId: client, audience: 'backbone-ingest', scope: 'backbone:publish' });
    const response = await fetch(`${INGEST}/events`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` }, body: JSON.stringify(event) });
    const body = (await response.json()) as { status?: string; detail?: string; errors?: unknown };
    if (response.status !== 202) throw new Error(`${client} ${what}: HTTP ${response.status} ${JSON.stringify(body)}`);
    console.log(`  ${client.padEnd(22)} ${String(event.envelope.eventType ?? '').padEnd(30)} ${what}`);
  };

  console.log(`== the week of a synthetic patient (FNR shown here only: it never appears in a URL, a Kafka key or a log)`);
  console.log(`   patient ${fnr}, AMK mission ${missionId}\n`);
  console.log('-- care relationships, blocks and emergency access (the systems that own them publish them)');
  await publish('gp-grunerlokka', 'Ola is on Dr. Fastlege\'s list', example('CareRelationshipStarted', {
    relationshipId: randomUUID(), legalEntity: FASTLEGE.legalEntity.id, pointOfCare: FASTLEGE.pointOfCare.id, department: null,
    practitioner: { hprNumber: FASTLEGE.hprNumber, authorization: 'LE', name: FASTLEGE.name },
    healthcareService: { system: FASTLEGE.service.system, code: 'KA01', display: 'Fastlegetjeneste' }, purposeOfUse: 'TREAT',
    decisionRef: FASTLEGE.decisionRef, basis: 'GP_LIST', validFrom: iso(-60 * 24 * 365), validTo: null,
  }));
  await publish('oslo-gerica', 'home care decision, Bydel Gamle Oslo', example('CareRelationshipStarted', { relationshipId: randomUUID(), validFrom: iso(-60 * 24 * 30), validTo: iso(60 * 24 * 150) }));
  await publish('helsenorge', 'Ola blocks Dr. Nils Berg (blokkering)', example('DataBlocked', { blockId: randomUUID(), effectiveFrom: iso(-60 * 24 * 10) }));

  console.log('\n-- clinical data from the systems that hold it');
  await publish('ous-dips-arena', 'discharge summary from OUS', example('DocumentPublished', { document: { ...(example('DocumentPublished').document as object), uniqueId: `2.16.578.1.12.4.1.7.3.1.993467049.${randomUUID()}` } }));
  await publish('ous-dips-arena', 'lab result, released to Ola in 3 days', example('LabResultReported', { reportId: `OUS-MB-${randomUUID().slice(0, 8)}`, releaseToCitizenAt: iso(60 * 24 * 3) }));
  await publish('ous-dips-arena', 'chest X-ray available', example('RadiologyStudyAvailable', { studyInstanceUid: `1.2.578.1.${Math.floor(Math.random() * 1e9)}` }));
  await publish('ous-dips-arena', 'medication list reconciled', example('MedicationListUpdated'));
  await publish('ous-dips-arena', 'penicillin allergy (critical info)', example('CriticalInfoUpdated', { criticalInfoId: `KI-${randomUUID().slice(0, 8)}` }));
  await publish('oslo-dho-platform', 'home blood pressure', example('DhoMeasurementRecorded', { observationId: randomUUID(), effectiveAt: iso(-120) }));
  await publish('oslo-dho-platform', 'home blood pressure, next day', example('DhoMeasurementRecorded', { observationId: randomUUID(), effectiveAt: iso(-30) }));
  await publish('diakonhjemmet-dips', 'video follow-up booked', example('VideoConsultationScheduled', { appointmentId: `VK-${randomUUID().slice(0, 8)}`, start: iso(60 * 24 * 7), end: iso(60 * 24 * 7 + 30) }));

  console.log('\n-- Ola falls ill at home: the ambulance hands him over to the emergency department');
  await publish('ous-dips-arena', 'admitted to Akuttmottaket (mission handed over)', example('CareRelationshipStarted', {
    relationshipId: randomUUID(), legalEntity: OUS.id, pointOfCare: OUS_ULLEVAL.id, department: AKUTTMOTTAK.id, practitioner: null,
    healthcareService: { system: S03.system, code: S03.code, display: S03.text }, purposeOfUse: 'ETREAT', decisionRef: AKUTTLEGE.decisionRef,
    basis: 'EMERGENCY_CLINIC', missionId, validFrom: iso(-20), validTo: iso(60 * 24 * 2),
  }));
  await publish('ous-ambulance-journal', 'ambulance journal, handed over', example('AmbulanceJournalEntryRecorded', { missionId }));
  await publish('ous-dips-arena', 'night: Dr. Vakt Legesen invokes emergency access', example('EmergencyAccessInvoked', {
    accessId: randomUUID(), practitioner: { hprNumber: VAKTLEGE.hprNumber, authorization: 'LE', name: VAKTLEGE.name },
    legalEntity: OUS.id, pointOfCare: OUS_ULLEVAL.id, department: VAKTLEGE.department!.id, purposeOfUse: 'BTG', invokedAt: iso(-5), expiresAt: iso(120),
  }));
  await publish('ous-dips-arena', 'Dr. Berg tries break-the-glass too (he may not: blocked)', example('EmergencyAccessInvoked', {
    accessId: randomUUID(), practitioner: { hprNumber: DR_BERG.hprNumber, authorization: 'LE', name: DR_BERG.name },
    legalEntity: OUS.id, pointOfCare: OUS_ULLEVAL.id, department: AKUTTMOTTAK.id, purposeOfUse: 'BTG', invokedAt: iso(-4), expiresAt: iso(120),
  }));

  const token = (worker: AttestedHealthWorker) =>
    issuer.sign({ subject: worker.hprNumber, clientId: 'demo-epj', audience: 'backbone-query', scope: 'openid', extraClaims: healthWorkerClaims(worker, new Date()) });
  const summary = async (worker: AttestedHealthWorker) => {
    const response = await fetch(`${QUERY}/patients/summary`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${await token(worker)}` },
      body: JSON.stringify({ patient: { system: 'FNR', value: fnr } }),
    });
    return { status: response.status, body: (await response.json()) as { items?: Array<{ category: string; eventType: string; basis: string; emergency?: boolean }>; title?: string; reason?: string } };
  };

  // The projectors work asynchronously: wait until the emergency department holds the handed-over ambulance journal.
  const deadline = Date.now() + 60_000;
  for (;;) {
    const akutt = await readQuietly(() => summary(AKUTTLEGE));
    const gp = await readQuietly(() => summary(FASTLEGE));
    // The fastlege sees all nine items once every topic has been projected.
    if (akutt?.body.items?.some((i) => i.category === 'AMBULANCE') && (gp?.body.items?.length ?? 0) >= 9) break;
    if (Date.now() > deadline) throw new Error('the read models did not catch up within 60 s (are the projectors running? scripts/apps.sh status)');
    await sleep(500);
  }

  console.log('\n== what each health worker sees now (query API: every item decided at this moment, every access audited first)');
  const readers: Array<[string, AttestedHealthWorker]> = [
    ['fastlege Eva Fastlege (GP list, TREAT)', FASTLEGE],
    ['home nurse Kari Nordmann (home care, TREAT)', DEV_HOME_NURSE],
    ['Dr. Lege Legesen, Akuttmottaket (ETREAT)', AKUTTLEGE],
    ['Dr. Vakt Legesen, on call (BTG)', VAKTLEGE],
    ['Dr. Nils Berg, blocked by Ola (BTG)', DR_BERG],
  ];
  for (const [who, worker] of readers) {
    const { status, body } = await summary(worker);
    if (status !== 200) {
      console.log(`-- ${who}: HTTP ${status} ${body.title}${body.reason ? ` (${body.reason})` : ''}`);
      continue;
    }
    const byCategory = new Map<string, number>();
    for (const item of body.items ?? []) byCategory.set(item.category, (byCategory.get(item.category) ?? 0) + 1);
    const basis = [...new Set((body.items ?? []).map((i) => i.basis))].join(', ');
    console.log(`-- ${who}: ${body.items?.length ?? 0} items [${[...byCategory].map(([c, n]) => `${c} ${n}`).join(', ')}] basis ${basis}`);
  }

  // Delivery: home care's record system follows its feed (pull; SSE and webhooks read the same feed).
  const gerica = await issuer.sign({ subject: 'oslo-gerica', clientId: 'oslo-gerica', audience: 'backbone-delivery', scope: 'backbone:subscribe' });
  const homeCare = 'org:958935420/poc:934567897';
  let cursor: string | undefined;
  let delivered: Array<{ seq: string; previousSeq: string | null; category: string; eventType: string; removed: boolean }> = [];
  for (let pages = 0; pages < 1_000; pages += 1) {
    const url = `${DELIVERY}/feed?recipient=${encodeURIComponent(homeCare)}&limit=1000${cursor ? `&cursor=${cursor}` : ''}`;
    const page = (await (await fetch(url, { headers: { Authorization: `Bearer ${gerica}` } })).json()) as { entries: typeof delivered; nextCursor: string; hasMore: boolean };
    delivered = [...delivered, ...page.entries].slice(-4);
    cursor = page.nextCursor;
    if (!page.hasMore) break;
  }
  console.log(`\n== home care's record system pulls its feed (delivery API, id-only, every entry decided again and audited); the newest entries:`);
  for (const e of delivered) console.log(`  seq ${e.seq.padStart(6)} (previous ${String(e.previousSeq).padStart(6)})  ${e.category.padEnd(14)} ${e.eventType}${e.removed ? '  removed' : ''}`);

  const citizen = await issuer.sign({ subject: 'ola', clientId: 'helsenorge', audience: 'backbone-query', scope: 'backbone:citizen', extraClaims: { pid: fnr, acr: 'idporten-loa-high' } });
  const asCitizen = async (path: string, body: unknown = {}) =>
    (await (await fetch(`${QUERY}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${citizen}` }, body: JSON.stringify(body) })).json()) as Record<string, unknown>;

  const own = (await asCitizen('/citizen/data')) as { items: Array<{ category: string }> };
  console.log(`\n== Ola on Helsenorge: his own data, ${own.items.length} items [${[...new Set(own.items.map((i) => i.category))].join(', ')}] (the lab result is not released to him yet)`);

  console.log('\n== why Dr. Berg saw nothing (ops-cli access explain)');
  console.log(explain(fnr, ['--hpr', DR_BERG.hprNumber, '--org', OUS.id, '--point-of-care', OUS_ULLEVAL.id, '--service-code', 'S03', '--category', 'MEDICATION']).trim().split('\n').slice(0, 8).map((l) => `  ${l}`).join('\n'));

  // And a refusal at the door: a GP system publishing as the hospital.
  const gp = await issuer.sign({ subject: 'gp', clientId: 'gp-grunerlokka', audience: 'backbone-ingest', scope: 'backbone:publish' });
  const refused = await fetch(`${INGEST}/events`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${gp}` }, body: JSON.stringify(example('DocumentPublished')) });
  console.log(`\n== ingest refuses a GP system publishing as the hospital: HTTP ${refused.status}, ${((await refused.json()) as { detail: string }).detail}`);

  console.log('\n== Ola\'s access log: who looked, from where, why; emergency access flagged (oldest first; the demo\'s own waiting reads are accesses too)');
  const log = (await asCitizen('/citizen/access-log', { limit: 20 })) as { entries: Array<Record<string, any>> };
  for (const line of log.entries.reverse()) {
    const who = line.practitioner ? `${line.practitioner.name} (HPR ${line.practitioner.hprNumber})` : line.actorKind === 'CITIZEN' ? 'Ola himself' : 'a record system (feed)';
    const where = [line.legalEntity?.name ?? line.legalEntity?.orgNumber, line.department?.reshId ? `dept ${line.department.reshId}` : ''].filter(Boolean).join(', ');
    const flag = line.emergency ? '  ** EMERGENCY ACCESS **' : '';
    console.log(`  ${String(line.accessedAt).slice(11, 19)}  ${line.outcome.padEnd(6)} ${who.padEnd(28)} ${where.padEnd(36)} ${String(line.purposeOfUse ?? '').padEnd(6)} ${String(line.decisionRef ?? '').padEnd(18)} ${line.reasonCode}${flag}`);
  }
}

/** The engine's reasoning for one decision, rule by rule, from the ops CLI (it hashes the identifier itself and never prints it). */
function explain(fnr: string, args: string[]): string {
  const cli = join(__dirname, '..', 'dist', 'apps', 'ops-cli', 'main.js');
  const secret = process.env.PATIENT_KEY_SECRET ?? readFileSync(join(__dirname, '..', '.stack', 'secrets', 'patient-key-secret'), 'utf8');
  return execFileSync('node', [cli, 'access', 'explain', '--patient', fnr, ...args], { encoding: 'utf8', env: { ...process.env, PATIENT_KEY_SECRET: secret, LOG_LEVEL: 'error' } });
}

/** A read that may fail while the apps warm up: undefined instead of a crash. */
async function readQuietly<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch {
    return undefined;
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
