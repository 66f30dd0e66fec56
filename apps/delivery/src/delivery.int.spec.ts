import { writeFileSync, mkdtempSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import type { Pool } from 'pg';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { DevIssuer } from '@backbone/auth';
import { loadConfig } from '@backbone/config';
import { EventCodec } from '@backbone/contracts';
import { encodeCursor } from '@backbone/delivery';
import { pgPoolOf } from '@backbone/persistence';
import { createHttpApp } from '@backbone/platform';
import { liveProjectionVersion } from '@backbone/projection';
import { unseenPatient } from '../../../test/support/stack-clients';
import { homeCareRecipient, homeCareRelationship, writeAccessFacts, writeFeedItems } from '../../../libs/delivery/src/delivery-test-support';
import { deliveryEnv } from './delivery.config';
import { DeliveryModule } from './delivery.module';

const VENDOR = 'delivery-int-vendor';
const ID_ONLY_VENDOR = 'delivery-int-dashboard';
const OTHER_VENDOR = 'delivery-int-other';

describe('delivery app (real PostgreSQL, registry and tokens from the dev issuer)', () => {
  const secret = process.env.PATIENT_KEY_SECRET!;
  const recipient = homeCareRecipient();
  const foreignRecipient = homeCareRecipient();
  let app: INestApplication;
  let pool: Pool;
  let codec: EventCodec;
  let issuer: DevIssuer;
  let baseUrl: string;
  let version: number;
  let patient: { fnr: string; key: string };
  let seqs: string[];

  const token = (clientId: string, scope: string | undefined = 'backbone:subscribe', audience = 'backbone-delivery') =>
    issuer.sign({ subject: clientId, clientId, audience, scope });
  const bearer = async (clientId = VENDOR) => ({ Authorization: `Bearer ${await token(clientId)}` });
  const get = async (path: string, clientId = VENDOR) => request(app.getHttpServer()).get(path).set(await bearer(clientId));
  const feedPath = (params: Record<string, string>) => `/feed?${new URLSearchParams({ recipient: recipient.recipientKey, ...params })}`;

  beforeAll(async () => {
    issuer = await DevIssuer.loadOrCreate();
    const dir = mkdtempSync(join(tmpdir(), 'subscribers-'));
    const registry = join(dir, 'subscribers.yaml');
    writeFileSync(
      registry,
      [
        'clients:',
        `  - { clientId: ${VENDOR}, name: test vendor, recipients: ["${recipient.recipientKey}"], maxContent: full }`,
        `  - { clientId: ${ID_ONLY_VENDOR}, name: test dashboard, recipients: ["${recipient.recipientKey}"], maxContent: id-only }`,
        `  - { clientId: ${OTHER_VENDOR}, name: another vendor, recipients: ["${foreignRecipient.recipientKey}"], maxContent: full }`,
      ].join('\n'),
    );
    const config = loadConfig(deliveryEnv, {
      ...process.env,
      SUBSCRIBERS_FILE: registry,
      WEBHOOK_DISPATCHER: 'false',
      WEBHOOK_ALLOW_HTTP: 'true',
      WEBHOOK_ALLOW_PRIVATE_HOSTS: 'true',
      DELIVERY_SSE_HEARTBEAT_MS: '300',
      DELIVERY_SSE_POLL_MS: '50',
    });
    app = await createHttpApp(DeliveryModule.forRoot(config), { name: 'delivery', title: 'delivery', description: 'test' });
    await app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    pool = pgPoolOf(app.get(DataSource));
    codec = app.get(EventCodec);
    version = (await liveProjectionVersion(pool, 'recipient-model'))!;
    patient = await unseenPatient(pool, secret, ['patient_item_v1', 'access_patient']);
    await writeAccessFacts(pool, new Map([[patient.key, { relationships: [homeCareRelationship(recipient)], consents: [], blocks: [], emergencyAccesses: [] }]]));
    seqs = await writeFeedItems(pool, codec, recipient.recipientKey, Array.from({ length: 5 }, () => ({ patientKey: patient.key, patientFnr: patient.fnr })));
  }, 60_000);

  afterAll(async () => {
    await pool?.query('DELETE FROM webhook_subscription WHERE client_id = ANY($1)', [[VENDOR, ID_ONLY_VENDOR, OTHER_VENDOR]]);
    await app?.close();
  });

  describe('pull', () => {
    it('pages through the feed with the opaque cursor, id-only by default and full where allowed', async () => {
      const first = await get(feedPath({ limit: '3' }));
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ recipient: recipient.recipientKey, projectionVersion: version, hasMore: true });
      const second = await get(feedPath({ limit: '3', cursor: first.body.nextCursor, content: 'full' }));
      const entries = [...first.body.entries, ...second.body.entries];
      expect(entries.map((e: { seq: string }) => e.seq)).toEqual(seqs);
      expect(entries.map((e: { previousSeq: string | null }) => e.previousSeq)).toEqual([null, ...seqs.slice(0, -1)]);
      expect(first.body.entries[0]).not.toHaveProperty('event');
      expect(second.body.entries[0].event).toMatchObject({ envelope: { patientKey: patient.key } });
      expect(second.body.hasMore).toBe(false);
    });

    it('answers 401 without a token', async () => {
      const response = await request(app.getHttpServer()).get(feedPath({}));
      expect(response.status).toBe(401);
      expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
    });

    it.each([
      ['a client not in the registry', 'some-unknown-client', 'backbone:subscribe', {}, /not registered as a subscriber/],
      ['a token without the subscribe scope', VENDOR, 'backbone:publish', {}, /scope backbone:subscribe/],
      ['a client asking for a recipient it does not own', OTHER_VENDOR, 'backbone:subscribe', {}, /may not receive for recipient/],
      ['full content beyond the client\'s maximum', ID_ONLY_VENDOR, 'backbone:subscribe', { content: 'full' }, /id-only content, not full/],
    ])('answers 403 to %s', async (_what, clientId, scope, params, detail) => {
      const response = await request(app.getHttpServer()).get(feedPath(params)).set({ Authorization: `Bearer ${await token(clientId, scope)}` });
      expect(response.status).toBe(403);
      expect(response.body).toMatchObject({ type: '/problems/subscription-not-allowed', detail: expect.stringMatching(detail) });
    });

    it.each([
      ['a malformed cursor', { cursor: 'not-a-cursor' }, 'cursor', /must be a cursor returned by this feed/],
      ['an injection-shaped cursor', { cursor: "1'; DROP TABLE access_log;--" }, 'cursor', /must be a cursor returned by this feed/],
      ['a cursor of another read model version', { cursor: encodeCursor({ version: 9_999, readSeq: 1n, deliveredSeq: 1n }) }, 'cursor', /version 9999/],
      ['an injection-shaped recipient', { recipient: "org:958935420' OR '1'='1" }, 'recipient', /must be a recipient key/],
      ['a limit out of range', { limit: '100000' }, 'limit', /from 1 to 1000/],
      ['an unknown content level', { content: '<script>' }, 'content', /one of id-only, full/],
      ['an unknown parameter', { patient: '15868512218' }, 'patient', /is not a parameter/],
    ])('answers 400 problem+json naming the field for %s', async (_what, params, field, rule) => {
      const response = await get(feedPath(params as Record<string, string>));
      expect(response.status).toBe(400);
      expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(response.body).toMatchObject({ type: '/problems/invalid-parameters', errors: [{ field, rule: expect.stringMatching(rule) }] });
    });
  });

  describe('Server-Sent Events', () => {
    /** Opens the stream and collects what arrives until `until` is satisfied (or the time is up). */
    const stream = async (headers: Record<string, string>, until: (text: string) => boolean, timeoutMs = 5_000, onOpen?: () => void): Promise<{ status: number; text: string }> => {
      const auth = await bearer();
      return new Promise((resolve, reject) => {
        const req = httpRequest(`${baseUrl}${feedPath({})}`.replace('/feed?', '/feed/stream?'), { headers: { ...auth, Accept: 'text/event-stream', ...headers } }, (res: IncomingMessage) => {
          let text = '';
          const done = () => {
            clearTimeout(timer);
            req.destroy();
            resolve({ status: res.statusCode!, text });
          };
          const timer = setTimeout(done, timeoutMs);
          onOpen?.();
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            text += chunk;
            if (until(text)) done();
          });
          res.on('end', done);
        });
        req.on('error', (error) => (error.message === 'socket hang up' ? undefined : reject(error)));
        req.end();
      });
    };
    const events = (text: string) =>
      text
        .split('\n\n')
        .filter((block) => block.includes('event: entry'))
        .map((block) => ({ id: /^id: (.*)$/m.exec(block)![1], entry: JSON.parse(/^data: (.*)$/m.exec(block)![1]) }));

    it('streams the feed, resumes after Last-Event-ID, and writes heartbeats while idle', async () => {
      const all = await stream({}, (text) => events(text).length >= 5);
      expect(all.status).toBe(200);
      const received = events(all.text);
      expect(received.map((e) => e.entry.seq)).toEqual(seqs);

      // Reconnecting with the id of the second event resumes after it; idle, the stream beats.
      const resumed = await stream({ 'Last-Event-ID': received[1].id }, (text) => events(text).length >= 3 && text.includes(': heartbeat'));
      expect(events(resumed.text).map((e) => e.entry.seq)).toEqual(seqs.slice(2));
      expect(events(resumed.text)[0].entry.previousSeq).toBe(seqs[1]);
      expect(resumed.text).toContain(': heartbeat');
    });

    it('sends what arrives while connected', async () => {
      const last = encodeCursor({ version, readSeq: BigInt(seqs[4]), deliveredSeq: BigInt(seqs[4]) });
      let late: Promise<string[]> | undefined;
      // Written only once the stream is open (its headers have arrived).
      const live = await stream({ 'Last-Event-ID': last }, (text) => events(text).length >= 1, 5_000, () => {
        late = writeFeedItems(pool, codec, recipient.recipientKey, [{ patientKey: patient.key, patientFnr: patient.fnr }]);
      });
      const [seq] = await late!;
      expect(events(live.text).map((e) => e.entry.seq)).toEqual([seq]);
    });

    it('ends the stream when the token that opened it expires', async () => {
      const shortLived = await issuer.sign({ subject: VENDOR, clientId: VENDOR, audience: 'backbone-delivery', scope: 'backbone:subscribe', expiresInSeconds: 2 });
      const started = Date.now();
      const ended = await stream({ Authorization: `Bearer ${shortLived}` }, (text) => text.includes('event: token-expired'), 6_000);
      expect(ended.text).toContain('event: token-expired');
      expect(Date.now() - started).toBeLessThan(4_000);
    });

    it('refuses a malformed Last-Event-ID before streaming, naming the header', async () => {
      const response = await stream({ 'Last-Event-ID': 'garbage' }, () => false, 2_000);
      expect(response.status).toBe(400);
      expect(JSON.parse(response.text)).toMatchObject({ errors: [{ field: 'Last-Event-ID' }] });
    });
  });

  describe('webhook subscriptions', () => {
    const post = async (path: string, body: unknown, clientId = VENDOR) => request(app.getHttpServer()).post(path).set(await bearer(clientId)).send(body as object);

    it('registers a webhook, shows the secret once, lists, resends and deletes it; another client sees none of it', async () => {
      const created = await post('/subscriptions', { recipient: recipient.recipientKey, url: 'http://127.0.0.1:9/hooks', content: 'full' });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ recipientKey: recipient.recipientKey, content: 'full', status: 'active', secret: expect.stringMatching(/^whsec_/) });
      const id = created.body.id as string;

      const shown = await get(`/subscriptions/${id}`);
      expect(shown.status).toBe(200);
      expect(shown.body).not.toHaveProperty('secret');
      expect(JSON.stringify((await get('/subscriptions')).body)).not.toContain(created.body.secret);

      expect((await get(`/subscriptions/${id}`, OTHER_VENDOR)).status).toBe(404);
      expect((await request(app.getHttpServer()).delete(`/subscriptions/${id}`).set(await bearer(OTHER_VENDOR))).status).toBe(404);

      const resent = await post(`/subscriptions/${id}/resend`, { fromSeq: seqs[2] });
      expect(resent.status).toBe(202);
      expect(resent.body).toMatchObject({ readSeq: String(BigInt(seqs[2]) - 1n), deliveredSeq: null, status: 'active' });

      expect((await request(app.getHttpServer()).delete(`/subscriptions/${id}`).set(await bearer())).status).toBe(204);
      expect((await get(`/subscriptions/${id}`)).status).toBe(404);
    });

    it('refuses a registration for a recipient the client does not own (403) and bad fields (422 naming each)', async () => {
      expect((await post('/subscriptions', { recipient: foreignRecipient.recipientKey, url: 'https://vendor.example/h' })).status).toBe(403);
      const bad = await post('/subscriptions', { recipient: recipient.recipientKey, url: 'ftp://vendor.example/h', fromSeq: 'zero' });
      expect(bad.status).toBe(422);
      expect(bad.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'url' }), expect.objectContaining({ field: 'fromSeq' })]));
    });

    it('answers 400 for an id that is not a UUID, and 422 for a resend without a feed number', async () => {
      const bad = await get("/subscriptions/1'%20OR%20'1'='1");
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({ errors: [{ field: 'id' }] });
      const created = await post('/subscriptions', { recipient: recipient.recipientKey, url: 'https://vendor.example/h' });
      expect((await post(`/subscriptions/${created.body.id}/resend`, {})).body).toMatchObject({ status: 422, errors: [{ field: 'fromSeq' }] });
    });
  });

  it('counts delivered entries per API in its metrics', async () => {
    const metrics = await request(app.getHttpServer()).get('/metrics').expect(200);
    const delivered = /backbone_delivery_entries_total\{api="GET \/feed",app="delivery"\} (\d+)/.exec(metrics.text);
    expect(Number(delivered?.[1])).toBeGreaterThanOrEqual(5);
  });

  it('serves its OpenAPI document with the feed and webhook routes', async () => {
    const response = await request(app.getHttpServer()).get('/openapi.json').expect(200);
    expect(Object.keys(response.body.paths)).toEqual(expect.arrayContaining(['/feed', '/feed/stream', '/subscriptions', '/subscriptions/{id}', '/subscriptions/{id}/resend']));
  });
});
