import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { DevIssuer, unsignedToken } from '@backbone/auth';
import { loadConfig } from '@backbone/config';
import { EVENT_TOPICS, EventCodec, exampleEvent, patientKey, SchemaSet, syntheticFnr } from '@backbone/contracts';
import { createKafka } from '@backbone/messaging';
import { createLogger } from '@backbone/observability';
import { createHttpApp } from '@backbone/platform';
import { AvroSerde } from '@backbone/serde';
import { ingestApiEnv } from '../apps/ingest-api/src/ingest-api.config';
import { IngestApiModule } from '../apps/ingest-api/src/ingest-api.module';
import { outboxRelayEnv } from '../apps/outbox-relay/src/outbox-relay.config';
import { OutboxRelayModule } from '../apps/outbox-relay/src/outbox-relay.module';
import { probeTopics } from './support/topic-probe';

const run = promisify(execFile);
const STACK = join(__dirname, '..', 'scripts', 'stack.sh');

/*
 * The ingest API end to end: real tokens from the dev issuer, the real publisher registry
 * (deploy/publishers.yaml), PostgreSQL, the registry and Kafka, including a broker outage.
 */
describe('ingest-api (end to end)', () => {
  const config = loadConfig(ingestApiEnv, { ...process.env, OUTBOX_MAX_BACKLOG: '100000', INGEST_BODY_LIMIT_BYTES: '262144' });
  const schemas = SchemaSet.load();
  let app: INestApplication;
  let relay: INestApplication;
  let issuer: DevIssuer;
  let tokens: Record<'ous' | 'gp' | 'ambulance' | 'helsenorge' | 'noScope', string>;
  const kafka = createKafka(config, createLogger('ingest-e2e', 'warn'));

  const post = (path: string, token: string | undefined, body: unknown) => {
    const req = request(app.getHttpServer()).post(path).set('Content-Type', 'application/json');
    if (token) req.set('Authorization', `Bearer ${token}`);
    return req.send(typeof body === 'string' ? body : JSON.stringify(body));
  };
  const client = (clientId: string, scope = 'backbone:publish') => issuer.sign({ subject: clientId, clientId, audience: 'backbone-ingest', scope });

  beforeAll(async () => {
    issuer = await DevIssuer.loadOrCreate();
    tokens = {
      ous: await client('ous-dips-arena'),
      gp: await client('gp-grunerlokka'),
      ambulance: await client('ous-ambulance-journal'),
      helsenorge: await client('helsenorge'),
      noScope: await client('ous-dips-arena', 'backbone:read'),
    };
    app = await createHttpApp(IngestApiModule.forRoot(config), {
      name: 'ingest-api',
      title: 'ingest-api',
      description: 'e2e',
      bodyLimitBytes: config.INGEST_BODY_LIMIT_BYTES,
    });
    await app.init();
    relay = await createHttpApp(OutboxRelayModule.forRoot(loadConfig(outboxRelayEnv, { ...process.env, RELAY_MAX_BACKOFF_MS: '1000' })), {
      name: 'outbox-relay',
      title: 'outbox-relay',
      description: 'e2e',
    });
    await relay.init();
  });

  afterAll(async () => {
    await relay?.close();
    await app?.close();
  });

  describe('authentication', () => {
    const event = () => exampleEvent(schemas, 'DocumentPublished');

    it('rejects a missing token with 401 and a bare Bearer challenge', async () => {
      const response = await post('/events', undefined, event()).expect(401);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.headers['www-authenticate']).toBe('Bearer');
      expect(response.body).toMatchObject({ type: '/problems/unauthorized', status: 401, reason: 'MISSING_TOKEN' });
    });

    it.each([
      ['expired', () => issuer.signExpired({ subject: 'x', clientId: 'ous-dips-arena', audience: 'backbone-ingest', scope: 'backbone:publish' }), 'EXPIRED'],
      ['wrong issuer', () => issuer.sign({ subject: 'x', clientId: 'ous-dips-arena', audience: 'backbone-ingest', issuer: 'https://evil.example' }), 'WRONG_ISSUER'],
      ['wrong audience', () => issuer.sign({ subject: 'x', clientId: 'ous-dips-arena', audience: 'backbone-query' }), 'WRONG_AUDIENCE'],
      ['unsigned', async () => unsignedToken({ iss: 'http://127.0.0.1/dev-issuer', aud: 'backbone-ingest', client_id: 'ous-dips-arena', exp: 9_999_999_999 }), 'UNSIGNED_TOKEN'],
      ['signed by an unknown key', () => issuer.signWithOtherKey({ subject: 'x', clientId: 'ous-dips-arena', audience: 'backbone-ingest' }), 'UNKNOWN_KEY'],
    ])('rejects a token that is %s', async (_what, token, reason) => {
      const response = await post('/events', await token(), event()).expect(401);
      expect(response.body.reason).toBe(reason);
      expect(response.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
    });

    it('rejects a valid token without the publish scope', async () => {
      const response = await post('/events', tokens.noScope, event()).expect(403);
      expect(response.body.detail).toMatch(/backbone:publish/);
    });
  });

  describe('producer authorization (deploy/publishers.yaml)', () => {
    it('refuses a GP system publishing as the hospital', async () => {
      const response = await post('/events', tokens.gp, exampleEvent(schemas, 'DocumentPublished')).expect(403);
      expect(response.body).toMatchObject({
        type: '/problems/publication-not-allowed',
        errors: [{ field: 'envelope.custodian.orgNumber', rule: expect.stringContaining('may not publish as custodian 993467049') }],
      });
    });

    it('lets only the ambulance system publish ambulance journal entries', async () => {
      const entry = exampleEvent(schemas, 'AmbulanceJournalEntryRecorded');
      const refused = await post('/events', tokens.ous, entry).expect(403);
      expect(refused.body.detail).toMatch(/may not publish AmbulanceJournalEntryRecorded/);
      await post('/events', tokens.ambulance, entry).expect(202);
    });
  });

  describe('validation', () => {
    it('names the field and the rule of an invalid FNR', async () => {
      const event = exampleEvent(schemas, 'DocumentPublished', { patientFnr: '15868512219' });
      const response = await post('/events', tokens.ous, event).expect(422);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.body).toMatchObject({
        type: '/problems/validation-failed',
        errors: [{ field: 'envelope.patient.value', rule: expect.stringMatching(/^FNR: check digit/) }],
      });
      // The problem never echoes the identity number.
      expect(JSON.stringify(response.body)).not.toContain('15868512219');
    });

    it('rejects an unknown code: a malformed ICD-10 diagnosis', async () => {
      const event = exampleEvent(schemas, 'CriticalInfoUpdated');
      event.code = { system: 'urn:oid:2.16.578.1.12.4.1.1.7110', code: 'HEART', display: null };
      const response = await post('/events', tokens.ous, event).expect(422);
      expect(response.body.errors).toEqual([{ field: 'code.code', rule: expect.stringMatching(/^ICD-10 code: /) }]);
    });

    it('rejects a schema violation, naming each field', async () => {
      const event = exampleEvent(schemas, 'LabResultReported');
      event.status = 'DONE';
      delete event.reportId;
      const response = await post('/events', tokens.ous, event).expect(422);
      expect(response.body.errors).toEqual(
        expect.arrayContaining([
          { field: 'status', rule: expect.stringMatching(/^expected one of PRELIMINARY, FINAL/) },
          { field: 'reportId', rule: 'is required' },
        ]),
      );
    });

    it('rejects an oversized body with 413 problem+json', async () => {
      const event = exampleEvent(schemas, 'DocumentPublished');
      event.padding = 'x'.repeat(300_000);
      const response = await post('/events', tokens.ous, event).expect(413);
      expect(response.body).toMatchObject({ type: '/problems/payload-too-large', status: 413 });
    });

    it('rejects a body that is not JSON with 415 problem+json (plain text with 422)', async () => {
      const response = await request(app.getHttpServer())
        .post('/events')
        .set('Content-Type', 'application/xml')
        .set('Authorization', `Bearer ${tokens.ous}`)
        .send('<event/>')
        .expect(415);
      expect(response.body).toMatchObject({ type: '/problems/unsupported-media-type', status: 415 });
      // Plain text is read, and is not an event.
      await request(app.getHttpServer()).post('/events').set('Content-Type', 'text/plain').set('Authorization', `Bearer ${tokens.ous}`).send('an event').expect(422);
    });

    it('rejects malformed JSON with 400 problem+json', async () => {
      const response = await post('/events', tokens.ous, '{"envelope": {').expect(400);
      expect(response.body).toMatchObject({ type: '/problems/malformed-json', status: 400 });
    });

    it('rejects a body that sets __proto__ with 400 problem+json', async () => {
      const response = await post('/events', tokens.ous, '{"envelope": {"eventType": "DocumentPublished"}, "__proto__": {"admin": true}}').expect(400);
      expect(response.body).toMatchObject({ type: '/problems/malformed-json', status: 400 });
    });

    it('locates errors inside a batch by index and accepts nothing of it', async () => {
      const good = exampleEvent(schemas, 'DocumentPublished');
      const bad = exampleEvent(schemas, 'DocumentPublished');
      bad.envelope.occurredAt = 'yesterday';
      const response = await post('/events/batch', tokens.ous, { events: [good, bad] }).expect(422);
      expect(response.body.errors).toEqual([{ field: 'events.1.envelope.occurredAt', rule: expect.stringContaining('ISO-8601') }]);
      await post('/events', tokens.ous, good).expect(202).expect((r) => expect(r.body.status).toBe('accepted'));
    });
  });

  describe('idempotency', () => {
    it('answers a retry with the first result', async () => {
      const event = exampleEvent(schemas, 'RadiologyStudyAvailable');
      const first = await post('/events', tokens.ous, event).expect(202);
      const retry = await post('/events', tokens.ous, event).expect(202);
      expect(first.body).toMatchObject({ eventId: event.envelope.eventId, status: 'accepted', topic: EVENT_TOPICS.RadiologyStudyAvailable });
      expect(retry.body).toEqual({ ...first.body, status: 'duplicate' });
    });

    it('refuses a different body under a used eventId with 409', async () => {
      const event = exampleEvent(schemas, 'DataBlocked');
      await post('/events', tokens.helsenorge, event).expect(202);
      const changed = { ...event, effectiveFrom: '2026-12-01T00:00:00Z' };
      const response = await post('/events', tokens.helsenorge, changed).expect(409);
      expect(response.body).toMatchObject({ type: '/problems/event-id-conflict', eventIds: [event.envelope.eventId] });
    });
  });

  it('exposes accepted and rejected counts and the outbox backlog in /metrics', async () => {
    await post('/events', tokens.ous, exampleEvent(schemas, 'DocumentPublished')).expect(202);
    await post('/events', tokens.ous, exampleEvent(schemas, 'DocumentPublished', { patientFnr: '15868512219' })).expect(422);
    const text = (await request(app.getHttpServer()).get('/metrics').expect(200)).text;
    expect(text).toMatch(/backbone_ingest_accepted_total\{event_type="DocumentPublished",app="ingest-api"\} \d+/);
    expect(text).toMatch(/backbone_ingest_rejected_total\{event_type="DocumentPublished",reason="invalid",app="ingest-api"\} \d+/);
    expect(text).toMatch(/backbone_outbox_backlog\{app="ingest-api"\} \d+/);
    expect(text).toMatch(/backbone_http_request_duration_seconds_bucket\{le="0.005",app="ingest-api",method="POST",route="\/events",status="202"/);
  });

  it('keeps accepting while Kafka is down, then delivers everything once and in per-patient order', async () => {
    const patients = [1, 2, 3].map((n) => syntheticFnr(20_000 + n));
    const event = (fnr: string) => {
      const e = exampleEvent(schemas, 'DhoMeasurementRecorded', { patientFnr: fnr, eventId: randomUUID() });
      e.observationId = randomUUID();
      return e;
    };
    const dho = await client('oslo-dho-platform');
    const sent: Array<{ key: string; eventId: string }> = [];
    const publishRound = async () => {
      const batch = patients.map(event);
      await post('/events/batch', dho, { events: batch }).expect(202);
      for (const e of batch) {
        const { value } = e.envelope.patient as { value: string };
        sent.push({ key: patientKey(config.PATIENT_KEY_SECRET, value), eventId: e.envelope.eventId });
      }
    };
    const probe = await probeTopics(kafka, [EVENT_TOPICS.DhoMeasurementRecorded]);
    try {
      for (let i = 0; i < 5; i += 1) await publishRound();
      await run('bash', [STACK, 'down', 'kafka']);
      try {
        // Accepted (202 = durable) while the broker is down.
        for (let i = 0; i < 10; i += 1) await publishRound();
        const backlog = await request(app.getHttpServer()).get('/metrics');
        expect(backlog.text).toMatch(/backbone_outbox_backlog\{app="ingest-api"\} [1-9]\d*/);
      } finally {
        await run('bash', [STACK, 'up', 'kafka']);
      }
      for (let i = 0; i < 5; i += 1) await publishRound();

      const ids = new Set(sent.map((s) => s.eventId));
      const arrived = await probe.waitFor((messages) => new Set(messages.map((m) => m.headers.eventId).filter((id) => ids.has(id))).size === ids.size, 90_000);
      const ours = arrived.filter((m) => ids.has(m.headers.eventId));
      expect(ours).toHaveLength(ids.size); // once: no event arrived twice
      for (const key of new Set(sent.map((s) => s.key))) {
        expect(ours.filter((m) => m.key === key).map((m) => m.headers.eventId)).toEqual(sent.filter((s) => s.key === key).map((s) => s.eventId));
      }
      const codec = new EventCodec(schemas, new AvroSerde(config.SCHEMA_REGISTRY_URL));
      expect((await codec.decode(ours[0].value)).envelope.eventType).toBe('DhoMeasurementRecorded');
    } finally {
      await probe.stop();
    }
  }, 180_000);
});
