import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import request from 'supertest';
import { AUDIT_TOPIC } from '@backbone/audit';
import { CITIZEN_SCOPE, DEV_HPR_NUMBER, DevIssuer, exampleHealthWorkerClaims } from '@backbone/auth';
import { loadConfig } from '@backbone/config';
import { exampleEvent, SchemaSet, type DataAccessed, type EventCodec, type EventTypeName } from '@backbone/contracts';
import { createLogger } from '@backbone/observability';
import { createHttpApp } from '@backbone/platform';
import { queryApiEnv } from '../apps/query-api/src/query-api.config';
import { QueryApiModule } from '../apps/query-api/src/query-api.module';
import { startInProcessPipeline, type InProcessPipeline } from './support/in-process-pipeline';
import { eventually, readRecords, topicEnd, unseenPatient, type PartitionOffsets } from './support/stack-clients';
import { healthWorkerClaims, KARI_HOME_NURSE } from './support/test-requesters';

/*
 * The query API end to end: events published through the outbox, relayed to Kafka, projected by
 * the access and recipient projectors, read by health personnel and the citizen through the query
 * API, with every access audited to PostgreSQL and the audit topic before the answer.
 */
describe('query API: need-to-know at query time, audit, the citizen access log (end to end)', () => {
  const secret = process.env.PATIENT_KEY_SECRET!;
  const schemas = SchemaSet.load();
  const run = randomUUID().slice(0, 8);
  let pipeline: InProcessPipeline;
  let kafka: Kafka;
  let pool: Pool;
  let codec: EventCodec;
  let api: INestApplication;
  let issuer: DevIssuer;
  let auditStart: PartitionOffsets;
  let patient = { fnr: '', key: '' };
  const measurementId = randomUUID();
  const labId = `LAB-${randomUUID()}`;

  const publish = (...events: object[]) => pipeline.publish(...events);
  const event = (type: EventTypeName, fields: Record<string, unknown> = {}) => ({ ...exampleEvent(schemas, type, { patientFnr: patient.fnr }), ...fields });

  const token = (claims: Record<string, unknown>, scope = 'openid') => issuer.sign({ subject: randomUUID(), clientId: 'gerica-epj', audience: 'backbone-query', scope, extraClaims: claims });
  const kari = (toa = new Date(), purpose: typeof KARI_HOME_NURSE.purpose = 'TREAT') => token(healthWorkerClaims({ ...KARI_HOME_NURSE, purpose }, toa));
  // The dev doctor at Oslo universitetssykehus, medical department, under break-the-glass.
  const doctorBtg = () => {
    const claims = exampleHealthWorkerClaims(new Date());
    const details = (claims.authorization_details as Array<{ care_relationship: { purpose_of_use: { code: string } } }>)[0];
    details.care_relationship.purpose_of_use.code = 'BTG';
    return token(claims);
  };
  const citizen = (pid: string) => token({ pid, acr: 'idporten-loa-high' }, CITIZEN_SCOPE);

  const post = (path: string, bearer: string | undefined, body: unknown) => {
    const r = request(api.getHttpServer()).post(path).set('Content-Type', 'application/json');
    if (bearer) r.set('Authorization', `Bearer ${bearer}`);
    return r.send(JSON.stringify(body));
  };
  const summary = (bearer: string, fnr = patient.fnr, extra: Record<string, unknown> = {}) => post('/patients/summary', bearer, { patient: { system: 'FNR', value: fnr }, ...extra });
  const logRow = async (accessId: string) =>
    (await pool.query<{ outcome: string; reason_code: string; emergency: boolean; entry: Record<string, unknown> }>('SELECT outcome, reason_code, emergency, entry FROM access_log WHERE access_id = $1', [accessId])).rows[0];
  const lastLogRow = async (patientKey: string) =>
    (await pool.query<{ outcome: string; reason_code: string; actor_kind: string }>('SELECT outcome, reason_code, actor_kind FROM access_log WHERE patient_key = $1 ORDER BY accessed_at DESC LIMIT 1', [patientKey])).rows[0];
  const held = async (recipientKey: string, itemKey: string) =>
    Boolean((await pool.query('SELECT 1 FROM recipient_item_v1 WHERE recipient_key = $1 AND patient_key = $2 AND item_key = $3 AND removed_at IS NULL', [recipientKey, patient.key, itemKey])).rowCount);

  beforeAll(async () => {
    pipeline = await startInProcessPipeline(createLogger('query-e2e', 'warn'));
    ({ kafka, pool, codec } = pipeline);
    patient = await unseenPatient(pool, secret, ['patient_item_v1', 'access_patient', 'access_log']);
    // The live v1 tables are what the query API reads; this run's recipient consumer writes them from the topics' ends.
    await pipeline.startProjectors(`query-e2e-${run}`);
    auditStart = await topicEnd(kafka, AUDIT_TOPIC);
    issuer = await DevIssuer.loadOrCreate();
    api = await createHttpApp(QueryApiModule.forRoot(loadConfig(queryApiEnv)), { name: 'query-api', title: 'query-api', description: 'e2e' });
    await api.init();

    await publish(
      event('CareRelationshipStarted', { relationshipId: randomUUID() }),
      event('DhoMeasurementRecorded', { observationId: measurementId }),
      event('LabResultReported', { reportId: labId, releaseToCitizenAt: new Date(Date.now() + 7 * 24 * 3600_000).toISOString() }),
    );
    await eventually(async () => ((await held('org:958935420/poc:934567897', `dho:${measurementId}`)) ? true : undefined), 'home care to hold the measurement', { timeoutMs: 60_000 });
  }, 120_000);

  afterAll(async () => {
    await api?.close();
    await pipeline?.stop();
  });

  it('shows the home nurse what home care may see, audits the access first, and publishes the DataAccessed', async () => {
    const response = await summary(await kari()).expect(200);
    expect(response.body.items.map((i: { itemKey: string }) => i.itemKey)).toEqual([`dho:${measurementId}`]);
    expect(response.body.items[0]).toMatchObject({ category: 'DHO', basis: 'PERMIT_CARE_RELATIONSHIP', custodian: expect.stringMatching(/^\d{9}$/), occurredAt: expect.any(String) });
    expect(response.body.items[0].event).toBeUndefined();
    const dho = await post('/patients/categories/dho', await kari(), { patient: { system: 'FNR', value: patient.fnr } }).expect(200);
    expect(dho.body.items[0]).toMatchObject({ itemKey: `dho:${measurementId}`, event: { observationId: measurementId } });
    const accessId = response.headers['x-access-id'];
    expect(response.body.accessId).toBe(accessId);
    expect(await logRow(accessId)).toMatchObject({
      outcome: 'PERMIT',
      reason_code: 'PERMIT_CARE_RELATIONSHIP',
      emergency: false,
      entry: { practitioner: { hprNumber: '9144897', name: 'Kari Nordmann' }, legalEntity: { orgNumber: '958935420' }, purposeOfUse: 'TREAT', decisionRef: 'VEDTAK-2026-11-0142', itemIds: [`dho:${measurementId}`] },
    });

    const end = await topicEnd(kafka, AUDIT_TOPIC);
    const audited = await eventually(async () => {
      const now = await topicEnd(kafka, AUDIT_TOPIC);
      const ranges = now.map((p) => ({ partition: p.partition, from: auditStart.find((s) => s.partition === p.partition)?.offset ?? '0', to: p.offset }));
      const records = [...(await readRecords(kafka, AUDIT_TOPIC, ranges, 30_000)).values()].flat();
      for (const record of records) {
        const decoded = (await codec.decode(record.value!)) as unknown as DataAccessed;
        if (decoded.accessId === accessId) return { record, value: decoded };
      }
      return undefined;
    }, 'the DataAccessed on the audit topic', { timeoutMs: 30_000 });
    expect(end.length).toBeGreaterThan(0);
    expect(audited.record.key?.toString()).toBe(patient.key);
    expect(audited.value).toMatchObject({ outcome: 'PERMIT', actorKind: 'HEALTH_PERSONNEL', api: 'POST /patients/summary', envelope: { patient: { value: patient.fnr } } });
  }, 60_000);

  it("lists the measurement in the home nurse's inbox with the patient it is about, one SEARCH audit per patient", async () => {
    const inbox = await post('/inbox', await kari(), { since: new Date(Date.now() - 3600_000).toISOString(), limit: 200 }).expect(200);
    const entry = inbox.body.entries.find((e: { itemKey: string }) => e.itemKey === `dho:${measurementId}`);
    expect(entry).toMatchObject({ patient: { system: 'FNR', value: patient.fnr }, recipientKey: 'org:958935420/poc:934567897', basis: 'PERMIT_CARE_RELATIONSHIP' });
    const { rows } = await pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM access_log WHERE access_id = ANY($1::uuid[]) AND patient_key = $2 AND entry->>'action' = 'SEARCH'",
      [inbox.body.accessIds, patient.key],
    );
    expect(rows[0].n).toBe(1);
    expect((await post('/inbox', await kari(), { limit: 0 }).expect(422)).body.errors).toEqual([{ field: 'limit', rule: 'must be a whole number from 1 to 200' }]);
  });

  it('answers 404 for a category the service may not see, a purpose it may not use and an unknown patient, and audits each denial', async () => {
    const lab = await post('/patients/categories/lab', await kari(), { patient: { system: 'FNR', value: patient.fnr } }).expect(404);
    expect(lab.body).toMatchObject({ type: '/problems/patient-not-found', status: 404 });
    expect(lab.body.detail).not.toContain(patient.fnr);
    expect(await lastLogRow(patient.key)).toMatchObject({ outcome: 'DENY', reason_code: 'DENY_CATEGORY_NOT_ALLOWED' });

    // ETREAT is not a purpose home care's services may attest (policy row municipal-home-care: TREAT, COC).
    await summary(await kari(new Date(), 'ETREAT')).expect(404);
    expect(await lastLogRow(patient.key)).toMatchObject({ outcome: 'DENY', reason_code: 'DENY_PURPOSE_NOT_ALLOWED' });

    const stranger = await unseenPatient(pool, secret, ['patient_item_v1', 'access_patient', 'access_log']);
    const unknown = await summary(await kari(), stranger.fnr).expect(404);
    expect(unknown.body).toEqual(lab.body);
    expect(await lastLogRow(stranger.key)).toMatchObject({ outcome: 'DENY', reason_code: 'DENY_NO_RELATIONSHIP' });
  });

  it('answers an empty 200, not a 404, to a home nurse whose relationship has no data yet, whatever the order of the categories', async () => {
    const newcomer = await unseenPatient(pool, secret, ['patient_item_v1', 'access_patient', 'access_log']);
    await publish({ ...exampleEvent(schemas, 'CareRelationshipStarted', { patientFnr: newcomer.fnr }), relationshipId: randomUUID() });
    const first = await eventually(async () => {
      const r = await summary(await kari(), newcomer.fnr);
      return r.status === 200 ? r : undefined;
    }, 'the relationship to be projected', { timeoutMs: 60_000 });
    expect(first.body).toMatchObject({ count: 0, items: [] });
    for (const categories of [['LAB', 'DHO'], ['DHO', 'LAB']]) expect((await summary(await kari(), newcomer.fnr, { categories })).status).toBe(200);
    expect((await summary(await kari(), newcomer.fnr, { categories: ['LAB'] })).status).toBe(404);
    expect(await lastLogRow(newcomer.key)).toMatchObject({ outcome: 'DENY', reason_code: 'DENY_CATEGORY_NOT_ALLOWED' });
  }, 90_000);

  it('refuses an attestation older than 60 minutes with 403 and says why, audited', async () => {
    const response = await summary(await kari(new Date(Date.now() - 61 * 60_000))).expect(403);
    expect(response.body).toMatchObject({ type: '/problems/access-denied', reason: 'DENY_ATTESTATION_EXPIRED' });
    expect(await lastLogRow(patient.key)).toMatchObject({ outcome: 'DENY', reason_code: 'DENY_ATTESTATION_EXPIRED' });
  });

  it('lets an emergency access through flagged, and denies a practitioner the patient blocked even under break-the-glass', async () => {
    await summary(await doctorBtg()).expect(404);
    const now = Date.now();
    await publish(
      event('EmergencyAccessInvoked', {
        accessId: randomUUID(),
        practitioner: { hprNumber: DEV_HPR_NUMBER, authorization: 'LE', name: 'Lege Legesen' },
        invokedAt: new Date(now - 60_000).toISOString(),
        expiresAt: new Date(now + 3600_000).toISOString(),
      }),
    );
    const emergency = await eventually(async () => {
      const r = await summary(await doctorBtg());
      return r.status === 200 && r.body.items.length > 0 ? r : undefined;
    }, 'the emergency access to be projected and the items fanned out', { timeoutMs: 60_000 });
    expect(emergency.body.items.map((i: { itemKey: string }) => i.itemKey)).toEqual(expect.arrayContaining([`dho:${measurementId}`]));
    expect(emergency.body.items[0]).toMatchObject({ basis: 'PERMIT_EMERGENCY_ACCESS', emergency: true });
    expect(await logRow(emergency.body.accessId)).toMatchObject({ outcome: 'PERMIT', reason_code: 'PERMIT_EMERGENCY_ACCESS', emergency: true });

    const blokkering = event('DataBlocked', { blockId: randomUUID(), effectiveFrom: new Date(Date.now() - 1_000).toISOString() }) as unknown as Record<string, unknown> & { blockedPractitioner: { hprNumber: string } };
    blokkering.blockedPractitioner = { ...blokkering.blockedPractitioner, hprNumber: DEV_HPR_NUMBER };
    await publish(blokkering);
    const denied = await eventually(async () => {
      const r = await summary(await doctorBtg());
      return r.status === 404 ? r : undefined;
    }, 'the blokkering to hold', { timeoutMs: 60_000 });
    expect(await lastLogRow(patient.key)).toMatchObject({ outcome: 'DENY', reason_code: 'DENY_BLOKKERING' });
    // Blocked and unknown answer alike: the same status, body and headers (but the date).
    const stranger = await unseenPatient(pool, secret, ['patient_item_v1', 'access_patient', 'access_log']);
    const unknown = await summary(await doctorBtg(), stranger.fnr);
    const headers = (r: { headers: Record<string, unknown> }) => Object.keys(r.headers).filter((h) => h !== 'date').sort();
    expect({ status: denied.status, body: denied.body, headers: headers(denied) }).toEqual({ status: unknown.status, body: unknown.body, headers: headers(unknown) });
    expect(denied.headers['x-access-id']).toBeUndefined();
    const metrics = await request(api.getHttpServer()).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/backbone_audit_accesses_total\{api="POST \/patients\/summary",actor_kind="HEALTH_PERSONNEL",outcome="DENY",reason="DENY_BLOKKERING",emergency="false"[^}]*\} [1-9]/);
    expect(metrics.text).toMatch(/backbone_audit_accesses_total\{[^}]*outcome="PERMIT",reason="PERMIT_EMERGENCY_ACCESS",emergency="true"[^}]*\} [1-9]/);
  }, 150_000);

  it("shows the citizen who accessed their data (and that they looked), never someone else's log", async () => {
    const own = await post('/citizen/access-log', await citizen(patient.fnr), {}).expect(200);
    const entries = [...(own.body.entries as Array<Record<string, unknown>>)];
    for (let next = own.body.next; next; ) {
      const page = await post('/citizen/access-log', await citizen(patient.fnr), { before: next }).expect(200);
      entries.push(...page.body.entries);
      next = page.body.next;
    }
    expect(entries[0]).toMatchObject({ actorKind: 'CITIZEN', action: 'READ', outcome: 'PERMIT', reasonCode: 'PERMIT_CITIZEN_OWN_DATA' });
    // Which items were read is not shown: it could name a lab result still held back from the citizen.
    for (const entry of entries) for (const hidden of ['itemIds', 'categories', 'clientId', 'api']) expect(entry).not.toHaveProperty(hidden);
    expect(entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          outcome: 'PERMIT',
          practitioner: expect.objectContaining({ name: 'Kari Nordmann', hprNumber: '9144897' }),
          legalEntity: expect.objectContaining({ orgNumber: '958935420', name: 'OSLO KOMMUNE' }),
          purposeOfUse: 'TREAT',
          decisionRef: 'VEDTAK-2026-11-0142',
          emergency: false,
        }),
        expect.objectContaining({ outcome: 'PERMIT', reasonCode: 'PERMIT_EMERGENCY_ACCESS', emergency: true, practitioner: expect.objectContaining({ hprNumber: DEV_HPR_NUMBER }) }),
        expect.objectContaining({ outcome: 'DENY', reasonCode: 'DENY_BLOKKERING' }),
      ]),
    );
    // Pages: newest first, the cursor continues where the page ended.
    const first = await post('/citizen/access-log', await citizen(patient.fnr), { limit: 2 }).expect(200);
    const second = await post('/citizen/access-log', await citizen(patient.fnr), { limit: 2, before: first.body.next }).expect(200);
    expect(second.body.entries[0].accessedAt <= first.body.entries[1].accessedAt).toBe(true);
    expect(second.body.entries.map((e: { accessId: string }) => e.accessId)).not.toContain(first.body.entries[1].accessId);

    const other = await unseenPatient(pool, secret, ['access_log']);
    const refused = await post('/citizen/access-log', await citizen(patient.fnr), { patient: { system: 'FNR', value: other.fnr } }).expect(403);
    expect(refused.body.type).toBe('/problems/not-your-log');
    expect(await lastLogRow(other.key)).toMatchObject({ outcome: 'DENY', reason_code: 'DENY_CITIZEN_NOT_PATIENT', actor_kind: 'CITIZEN' });
  });

  it('hides a lab result from the citizen until its release time, and shows the rest of their data', async () => {
    const data = await post('/citizen/data', await citizen(patient.fnr), {}).expect(200);
    const keys = data.body.items.map((i: { itemKey: string }) => i.itemKey);
    expect(keys).toContain(`dho:${measurementId}`);
    expect(keys.some((k: string) => k.startsWith('lab:'))).toBe(false);
    expect(await logRow(data.body.accessId)).toMatchObject({ outcome: 'PERMIT' });
  });

  it('describes itself in OpenAPI, every operation with its problems', async () => {
    const { body } = await request(api.getHttpServer()).get('/openapi.json').expect(200);
    expect(Object.keys(body.paths)).toEqual(expect.arrayContaining(['/patients/summary', '/patients/categories/{category}', '/inbox', '/citizen/data', '/citizen/access-log']));
    expect(Object.keys(body.paths['/patients/summary'].post.responses).sort()).toEqual(['200', '401', '403', '404', '422']);
  });

  it('refuses bad input with problem+json naming the field and the rule', async () => {
    const bearer = await kari();
    const logged = async () => (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM access_log WHERE patient_key = $1', [patient.key])).rows[0].n;
    const before = await logged();
    await post('/patients/summary', undefined, { patient: { system: 'FNR', value: patient.fnr } }).expect(401);
    const expired = await issuer.sign({ subject: 's', clientId: 'gerica-epj', audience: 'backbone-query', issuedAt: new Date(Date.now() - 7200_000), expiresInSeconds: 60, extraClaims: healthWorkerClaims(KARI_HOME_NURSE, new Date()) });
    expect((await summary(expired).expect(401)).body.reason).toBe('EXPIRED');
    expect((await post('/patients/summary', bearer, { patient: { system: 'FNR', value: "1' OR '1'='1" } }).expect(422)).body.errors).toEqual([{ field: 'patient.value', rule: 'must be 11 digits' }]);
    expect((await post('/patients/summary', bearer, { patient: { system: 'FNR', value: '12345678901' } }).expect(422)).body.errors[0].field).toBe('patient.value');
    expect((await post('/patients/summary', bearer, { patient: { system: 'FNR', value: patient.fnr }, where: '1=1' }).expect(422)).body.errors).toEqual([{ field: 'where', rule: 'is not a field of this request' }]);
    expect((await post('/patients/summary', bearer, { patient: { system: 'FNR', value: patient.fnr }, categories: ['LAB); DROP TABLE access_log;--'] }).expect(422)).body.errors[0].field).toBe('categories.0');
    expect((await post('/patients/categories/lab%3BDROP', bearer, { patient: { system: 'FNR', value: patient.fnr } }).expect(400)).body.errors[0].field).toBe('category');
    expect((await post('/citizen/access-log', await citizen(patient.fnr), { before: 'not-a-cursor' }).expect(400)).body.errors).toEqual([{ field: 'before', rule: 'must be the `next` cursor of a previous page' }]);
    expect((await summary(await citizen(patient.fnr)).expect(403)).body.type).toBe('/problems/health-personnel-only');
    expect((await post('/citizen/access-log', bearer, {}).expect(403)).body.type).toBe('/problems/citizens-only');
    // Malformed requests name no patient and read nothing: no log rows. The citizen's token on the
    // health personnel's route named this patient: that attempt is in the patient's log.
    expect((await logged()) - before).toBe(1);
    expect(await lastLogRow(patient.key)).toMatchObject({ outcome: 'DENY', reason_code: 'DENY_DEFAULT', actor_kind: 'CITIZEN' });
  });
});
