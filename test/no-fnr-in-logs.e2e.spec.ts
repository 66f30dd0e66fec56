import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import { ACCESS_PROJECTION, GOVERNANCE_TOPIC } from '@backbone/access-model';
import { CITIZEN_SCOPE, DevIssuer } from '@backbone/auth';
import { loadConfig, stackEnv } from '@backbone/config';
import { checkPatientIdentifier, exampleEvent, SchemaSet } from '@backbone/contracts';
import { createKafka } from '@backbone/messaging';
import { createLogger } from '@backbone/observability';
import { RECIPIENT_TOPICS, recipientModelTables } from '@backbone/recipient-model';
import { eventually, startGroupAtEnds, unseenPatient } from './support/stack-clients';
import { healthWorkerClaims, KARI_HOME_NURSE } from './support/test-requesters';

/*
 * No national identity number in the services' logs. The built services run as they are deployed,
 * at LOG_LEVEL=debug (the most they ever say), through a patient's whole path: publishing (valid
 * and invalid), projection, health workers' reads (permitted, denied, malformed) and the
 * citizen's log. Everything they print is scanned for any 11-digit number that is a valid person
 * identifier, and for the numbers this test used.
 */
const ROOT = join(__dirname, '..');
const APPS = ['ingest-api', 'outbox-relay', 'access-projector', 'recipient-projector', 'query-api', 'delivery'] as const;
const BASE_PORT = 3960;
const port = (app: (typeof APPS)[number]) => BASE_PORT + APPS.indexOf(app);

describe('the services never log a national identity number (end to end, built services)', () => {
  const schemas = SchemaSet.load();
  const output = new Map<string, string[]>();
  const processes: ChildProcess[] = [];
  let issuer: DevIssuer;
  let patient = { fnr: '', key: '' };
  let stranger = { fnr: '', key: '' };

  beforeAll(async () => {
    for (const app of APPS) execFileSync('npx', ['nest', 'build', app], { cwd: ROOT, stdio: 'ignore' });
    const db = new Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();
    patient = await unseenPatient(db, process.env.PATIENT_KEY_SECRET!, ['patient_item_v1', 'access_patient', 'access_log']);
    stranger = await unseenPatient(db, process.env.PATIENT_KEY_SECRET!, ['patient_item_v1', 'access_patient', 'access_log']);
    // The projectors start at the topics' ends (new groups, no stored positions): the topics' history is not this test's.
    await db.query('DELETE FROM projection_position WHERE projection = ANY($1)', [[ACCESS_PROJECTION, recipientModelTables(1).projection]]).catch(() => undefined);
    await db.end();
    const kafka = createKafka(loadConfig(stackEnv), createLogger('no-fnr-e2e', 'warn'));
    const accessGroup = `no-fnr-access-${randomUUID()}`;
    const recipientGroup = `no-fnr-recipient-${randomUUID()}`;
    await startGroupAtEnds(kafka, accessGroup, [GOVERNANCE_TOPIC]);
    await startGroupAtEnds(kafka, recipientGroup, RECIPIENT_TOPICS);
    issuer = await DevIssuer.loadOrCreate();

    for (const app of APPS) {
      const child = spawn('node', [join(ROOT, 'dist', 'apps', app, 'main.js')], {
        cwd: ROOT,
        env: {
          ...process.env,
          PORT: String(port(app)),
          LOG_LEVEL: 'debug',
          ACCESS_PROJECTOR_GROUP_ID: accessGroup,
          RECIPIENT_PROJECTOR_GROUP_ID: recipientGroup,
          PUBLISHERS_FILE: join(ROOT, 'deploy', 'publishers.yaml'),
          WEBHOOK_DISPATCHER: 'false',
        },
      });
      const lines: string[] = [];
      output.set(app, lines);
      child.stdout!.on('data', (chunk: Buffer) => lines.push(chunk.toString()));
      child.stderr!.on('data', (chunk: Buffer) => lines.push(chunk.toString()));
      processes.push(child);
      await eventually(async () => ((await fetch(`http://127.0.0.1:${port(app)}/health/ready`).catch(() => undefined))?.ok ? true : undefined), `${app} to be ready`, { timeoutMs: 60_000 });
    }
  }, 240_000);

  afterAll(async () => {
    for (const child of processes) child.kill('SIGTERM');
    await Promise.all(processes.map((child) => new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)))));
  });

  const publisherToken = (client: string) => issuer.sign({ subject: client, clientId: client, audience: 'backbone-ingest', scope: 'backbone:publish' });
  const post = async (app: (typeof APPS)[number], path: string, token: string, body: unknown) =>
    fetch(`http://127.0.0.1:${port(app)}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const kari = (toa = new Date()) => issuer.sign({ subject: 'kari', clientId: 'gerica-epj', audience: 'backbone-query', scope: 'openid', extraClaims: healthWorkerClaims(KARI_HOME_NURSE, toa) });

  it('publishes, projects, reads, denies and refuses a patient without a person number in any log line', async () => {
    const gerica = await publisherToken('oslo-gerica');
    const dho = await publisherToken('oslo-dho-platform');
    const relationship = { ...exampleEvent(schemas, 'CareRelationshipStarted', { patientFnr: patient.fnr }), relationshipId: randomUUID() };
    expect((await post('ingest-api', '/events', gerica, relationship)).status).toBe(202);
    const measurement = { ...exampleEvent(schemas, 'DhoMeasurementRecorded', { patientFnr: patient.fnr }), observationId: randomUUID() };
    expect((await post('ingest-api', '/events', dho, measurement)).status).toBe(202);
    // Refusals at ingest: a wrong check digit, a client publishing as someone else, malformed JSON.
    const wrongDigit = exampleEvent(schemas, 'DhoMeasurementRecorded', { patientFnr: `${patient.fnr.slice(0, 10)}${(Number(patient.fnr[10]) + 1) % 10}` });
    expect((await post('ingest-api', '/events', dho, wrongDigit)).status).toBe(422);
    expect((await post('ingest-api', '/events', gerica, exampleEvent(schemas, 'DhoMeasurementRecorded', { patientFnr: patient.fnr }))).status).toBe(403);
    expect((await post('ingest-api', '/events', dho, `{"envelope": {"patient": {"value": "${patient.fnr}"`)).status).toBe(400);

    const summary = (token: string, fnr: string) => post('query-api', '/patients/summary', token, { patient: { system: 'FNR', value: fnr } });
    await eventually(async () => {
      const response = await summary(await kari(), patient.fnr);
      return response.status === 200 && ((await response.json()) as { count: number }).count > 0 ? true : undefined;
    }, 'the measurement to reach home care', { timeoutMs: 90_000 });
    expect((await summary(await kari(), stranger.fnr)).status).toBe(404);
    expect((await summary(await kari(new Date(Date.now() - 61 * 60_000)), patient.fnr)).status).toBe(403);
    expect((await summary(await kari(), `${patient.fnr}0`)).status).toBe(422);
    const citizen = await issuer.sign({ subject: 'c', clientId: 'helsenorge', audience: 'backbone-query', scope: CITIZEN_SCOPE, extraClaims: { pid: patient.fnr, acr: 'idporten-loa-high' } });
    expect((await post('query-api', '/citizen/access-log', citizen, {})).status).toBe(200);
    expect((await post('query-api', '/citizen/access-log', citizen, { patient: { system: 'FNR', value: stranger.fnr } })).status).toBe(403);
    // Delivery: home care's record system pulls its feed (full content: the events, FNR included, go to the client, never to a log).
    const subscriber = await issuer.sign({ subject: 'oslo-gerica', clientId: 'oslo-gerica', audience: 'backbone-delivery', scope: 'backbone:subscribe' });
    const feed = await fetch(`http://127.0.0.1:${port('delivery')}/feed?recipient=${encodeURIComponent('org:958935420/poc:934567897')}&content=full&limit=50`, { headers: { Authorization: `Bearer ${subscriber}` } });
    expect(feed.status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port('delivery')}/feed?recipient=${patient.fnr}`, { headers: { Authorization: `Bearer ${subscriber}` } })).status).toBe(400);
    // Let the relay publish the audit records and the projectors log what they did.
    await new Promise((resolve) => setTimeout(resolve, 2_000));

    const logs = [...output].map(([app, lines]) => [app, lines.join('')] as const);
    // The scan must have something to scan: every service said something at debug level.
    for (const [app, text] of logs) expect({ app, lines: text.split('\n').length > 3 }).toEqual({ app, lines: true });
    // And the HTTP services wrote their request log, the lines a URL with an FNR in it would reach.
    for (const [app, text] of logs.filter(([app]) => ['ingest-api', 'query-api', 'delivery'].includes(app))) {
      expect({ app, requestLog: text.includes('"msg":"request completed"') }).toEqual({ app, requestLog: true });
      // Readiness was polled above; probes stay out of the request log.
      expect({ app, probesLogged: text.includes('"url":"/health') }).toEqual({ app, probesLogged: false });
    }
    const found: string[] = [];
    for (const [app, text] of logs) {
      for (const match of text.matchAll(/(?<!\d)\d{11}(?!\d)/g)) {
        const number = match[0];
        const isPerson = (['FNR', 'DNR', 'HNR', 'FHN'] as const).some((system) => checkPatientIdentifier(system, number, { allowSynthetic: true }).ok);
        if (isPerson || number === patient.fnr || number === stranger.fnr) found.push(`${app}: …${text.slice(Math.max(0, match.index! - 60), match.index! + 20).replace(number, '<FNR>')}…`);
      }
    }
    expect(found).toEqual([]);
  }, 240_000);
});
