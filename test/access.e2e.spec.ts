import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { DevIssuer } from '@backbone/auth';
import { loadConfig, stackEnv } from '@backbone/config';
import { createKafka } from '@backbone/messaging';
import { createLogger } from '@backbone/observability';
import { exampleEvent, SchemaSet } from '@backbone/contracts';
import { Client } from 'pg';
import { ACCESS_PROJECTION, GOVERNANCE_TOPIC } from '@backbone/access-model';
import { createHttpApp } from '@backbone/platform';
import { eventually, startGroupAtEnds, unseenPatient } from './support/stack-clients';
import { accessProjectorEnv } from '../apps/access-projector/src/access-projector.config';
import { AccessProjectorModule } from '../apps/access-projector/src/access-projector.module';
import { ingestApiEnv } from '../apps/ingest-api/src/ingest-api.config';
import { IngestApiModule } from '../apps/ingest-api/src/ingest-api.module';
import { outboxRelayEnv } from '../apps/outbox-relay/src/outbox-relay.config';
import { OutboxRelayModule } from '../apps/outbox-relay/src/outbox-relay.module';

const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'dist', 'apps', 'ops-cli', 'main.js');
const opsCli = (...args: string[]) => promisify(execFile)('node', [CLI, ...args], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'error' } });

/*
 * Need-to-know end to end: governance events posted by the systems that own them (home care's
 * Gerica starts and ends a relationship, Helsenorge records the patient's blokkering), through
 * ingest, the outbox relay and Kafka to the access projector, and the answer to "why" from
 * ops-cli access explain over what the projector stored.
 */
describe('access projector (end to end)', () => {
  const schemas = SchemaSet.load();
  let fnr = '';
  const groupId = `access-e2e-${randomUUID()}`;
  const relationshipId = randomUUID();
  let ingest: INestApplication;
  let relay: INestApplication;
  let projector: INestApplication;
  let tokens: { gerica: string; helsenorge: string };

  // The home nurse of the example relationship (Oslo kommune, Bydel Gamle Oslo home care, 8663 KP01).
  const explainForNurse = async (hpr = '9144897') =>
    (
      await opsCli(
        'access', 'explain', '--patient', fnr, '--hpr', hpr, '--org', '958935420', '--point-of-care', '934567897',
        '--service-system', 'urn:oid:2.16.578.1.12.4.1.1.8663', '--service-code', 'KP01', '--category', 'DHO',
      )
    ).stdout;

  const until = (check: () => Promise<boolean>, what: string) => eventually(async () => ((await check()) ? true : undefined), what, { timeoutMs: 60_000 });

  const post = (token: string, event: object) =>
    request(ingest.getHttpServer()).post('/events').set('Authorization', `Bearer ${token}`).set('Content-Type', 'application/json').send(JSON.stringify(event));

  beforeAll(async () => {
    // A patient the access model has never seen: earlier runs and benchmarks leave relationships behind.
    const db = new Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();
    ({ fnr } = await unseenPatient(db, process.env.PATIENT_KEY_SECRET!, ['access_patient']));
    // The projector starts at the topic's end, not at a position stored by an earlier run: benchmarks
    // and crash tests leave hundreds of thousands of governance events this test has no use for.
    await db.query('DELETE FROM projection_position WHERE projection = $1', [ACCESS_PROJECTION]).catch(() => undefined);
    await db.end();
    await startGroupAtEnds(createKafka(loadConfig(stackEnv), createLogger('access-e2e', 'warn')), groupId, [GOVERNANCE_TOPIC]);
    const issuer = await DevIssuer.loadOrCreate();
    const sign = (clientId: string) => issuer.sign({ subject: clientId, clientId, audience: 'backbone-ingest', scope: 'backbone:publish' });
    tokens = { gerica: await sign('oslo-gerica'), helsenorge: await sign('helsenorge') };
    ingest = await createHttpApp(IngestApiModule.forRoot(loadConfig(ingestApiEnv)), { name: 'ingest-api', title: 'ingest-api', description: 'e2e' });
    await ingest.init();
    relay = await createHttpApp(OutboxRelayModule.forRoot(loadConfig(outboxRelayEnv, { ...process.env, RELAY_MAX_BACKOFF_MS: '1000' })), { name: 'outbox-relay', title: 'outbox-relay', description: 'e2e' });
    await relay.init();
    projector = await createHttpApp(AccessProjectorModule.forRoot(loadConfig(accessProjectorEnv, { ...process.env, ACCESS_PROJECTOR_GROUP_ID: groupId })), {
      name: 'access-projector',
      title: 'access-projector',
      description: 'e2e',
    });
    await projector.init();
  }, 60_000);

  afterAll(async () => {
    await projector?.close();
    await relay?.close();
    await ingest?.close();
  });

  it('permits under the relationship, denies the practitioner the patient blocked, explains both, and denies after the end', async () => {
    const started = { ...exampleEvent(schemas, 'CareRelationshipStarted', { patientFnr: fnr }), relationshipId };
    await post(tokens.gerica, started).expect(202);
    let explanation = '';
    await until(async () => (explanation = await explainForNurse()).startsWith('PERMIT'), 'the relationship to be projected');
    expect(explanation).toMatch(/^PERMIT PERMIT_CARE_RELATIONSHIP/);
    expect(explanation).toContain(relationshipId);
    expect(explanation).not.toContain(fnr);

    const blokkering = { ...exampleEvent(schemas, 'DataBlocked', { patientFnr: fnr }), blockId: randomUUID(), effectiveFrom: new Date(Date.now() - 60_000).toISOString() };
    (blokkering as unknown as { blockedPractitioner: { hprNumber: string } }).blockedPractitioner.hprNumber = '9144897';
    await post(tokens.helsenorge, blokkering).expect(202);
    await until(async () => (explanation = await explainForNurse()).startsWith('DENY DENY_BLOKKERING'), 'the blokkering to be projected');
    // The blokkering names one practitioner: a colleague in the same home care service still sees.
    expect(await explainForNurse('9144900')).toMatch(/^PERMIT PERMIT_CARE_RELATIONSHIP/);

    const ended = { ...exampleEvent(schemas, 'CareRelationshipEnded', { patientFnr: fnr }), relationshipId, endedAt: new Date(Date.now() - 1_000).toISOString() };
    await post(tokens.gerica, ended).expect(202);
    await until(async () => (explanation = await explainForNurse('9144900')).startsWith('DENY DENY_NO_RELATIONSHIP'), 'the end to be projected');
    const metrics = await request(projector.getHttpServer()).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/backbone_projection_applied_total\{projection="access-model.v1",app="access-projector"\} [1-9]/);
  }, 150_000);

  it('refuses a blokkering that names no practitioner at ingest, with the field', async () => {
    const incomplete = { ...exampleEvent(schemas, 'DataBlocked', { patientFnr: fnr }), blockId: randomUUID(), blockedPractitioner: null };
    const response = await post(tokens.helsenorge, incomplete).expect(422);
    expect(response.body.errors).toEqual([expect.objectContaining({ field: 'blockedPractitioner.hprNumber', rule: expect.stringContaining('INCOMPLETE_BLOCK') })]);
  });
});
