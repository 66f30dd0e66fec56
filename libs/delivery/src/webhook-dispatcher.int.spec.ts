import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import { defaultPolicyTable } from '@backbone/access-control';
import { AccessModelReader } from '@backbone/access-model';
import { AuditTrail } from '@backbone/audit';
import { EventCodec, SchemaSet } from '@backbone/contracts';
import { createLogger } from '@backbone/observability';
import { liveProjectionVersion } from '@backbone/projection';
import { StoredEvents } from '@backbone/recipient-model';
import { AvroSerde } from '@backbone/serde';
import { connectTestStack, eventually, unseenPatient } from '../../../test/support/stack-clients';
import { homeCareRecipient, homeCareRelationship, writeAccessFacts, writeFeedItems } from './delivery-test-support';
import { FeedDelivery } from './feed-delivery';
import type { RetryPolicy } from './retry-policy';
import { parseSubscriberRegistry } from './subscriber-registry';
import { fetchSender, WebhookDispatcher, type DispatcherOptions, type WebhookPayload } from './webhook-dispatcher';
import { newWebhookSecret, SIGNATURE_HEADER, verifySignature } from './webhook-signature';
import { WebhookStore } from './webhook-store';

const CLIENT = `test-subscriber-${randomUUID().slice(0, 8)}`;
const MINUTE = 60_000;

/** A local webhook receiver whose behaviour a test switches: answer, fail, or hang. */
class Receiver {
  readonly received: Array<{ payload: WebhookPayload; signature: string; body: string; at: number }> = [];
  mode: 'ok' | 'down' | 'slow' = 'ok';
  slowMs = 3_000;
  attempts = 0;
  private server!: Server;

  async start(): Promise<string> {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.attempts += 1;
        const body = Buffer.concat(chunks).toString('utf8');
        const accept = () => {
          this.received.push({ payload: JSON.parse(body), signature: String(req.headers[SIGNATURE_HEADER]), body, at: Date.now() });
          res.writeHead(204).end();
        };
        if (this.mode === 'down') res.writeHead(503).end();
        else if (this.mode === 'slow') setTimeout(accept, this.slowMs);
        else accept();
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
  }

  seqs(): string[] {
    return this.received.flatMap((r) => r.payload.entries.map((e) => e.seq));
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

describe('webhook dispatcher (real PostgreSQL and HTTP endpoints)', () => {
  const secret = process.env.PATIENT_KEY_SECRET!;
  const table = defaultPolicyTable();
  const logger = createLogger('webhook-int', 'warn');
  let dataSource: DataSource;
  let pool: Pool;
  let feed: FeedDelivery;
  let codec: EventCodec;
  let store: WebhookStore;
  let version: number;
  const receivers: Receiver[] = [];
  const dispatchers: WebhookDispatcher[] = [];
  /** The injected clock: tests move time by hand. */
  let now = new Date();
  const clock = () => now;

  const retry: RetryPolicy = { baseDelayMs: 1_000, maxDelayMs: 5 * MINUTE, deadLetterAfterMs: 24 * 60 * MINUTE, deadLetterAfterAttempts: 500 };
  const dispatcher = (options: Partial<DispatcherOptions> = {}, useClock = true) => {
    const d = new WebhookDispatcher(
      pool,
      store,
      feed,
      parseSubscriberRegistry(`clients:\n  - { clientId: ${CLIENT}, name: tests, recipients: [${recipients.map((r) => `"${r}"`).join(', ')}], maxContent: full }\n`),
      fetchSender,
      logger,
      { batchSize: 3, requestTimeoutMs: 10_000, maxInFlight: 8, pollMs: 20, idleRecheckMs: 50, retry, leaderLockKey: 7_000_000 + Math.floor(Math.random() * 1_000_000), ...options },
      useClock ? clock : undefined,
      () => 0.5,
    );
    dispatchers.push(d);
    return d;
  };
  const recipients: string[] = [];

  /** A recipient with a patient under its home care and `n` items in its feed, a receiver, and a subscription. */
  const setUp = async (n: number) => {
    const recipient = homeCareRecipient();
    recipients.push(recipient.recipientKey);
    const patient = await unseenPatient(pool, secret, ['patient_item_v1', 'access_patient']);
    await writeAccessFacts(pool, new Map([[patient.key, { relationships: [homeCareRelationship(recipient)], consents: [], blocks: [], emergencyAccesses: [] }]]));
    const seqs = await writeFeedItems(pool, codec, recipient.recipientKey, Array.from({ length: n }, () => ({ patientKey: patient.key, patientFnr: patient.fnr })));
    const receiver = new Receiver();
    receivers.push(receiver);
    const url = await receiver.start();
    const subscription = await store.create({ clientId: CLIENT, recipientKey: recipient.recipientKey, url, content: 'id-only', secret: newWebhookSecret(), start: { version, readSeq: 0n, deliveredSeq: null } }, now);
    const more = async (count: number) => writeFeedItems(pool, codec, recipient.recipientKey, Array.from({ length: count }, () => ({ patientKey: patient.key, patientFnr: patient.fnr })));
    return { recipient, patient, seqs, receiver, subscription, more };
  };

  /** One round of the leader, then wait for its deliveries. */
  const round = async (d: WebhookDispatcher) => {
    await d.tick();
    await d.settled();
  };

  beforeAll(async () => {
    const stack = await connectTestStack(logger);
    ({ dataSource, pool } = stack);
    codec = new EventCodec(SchemaSet.load(), new AvroSerde(stack.config.SCHEMA_REGISTRY_URL));
    const audit = new AuditTrail(pool, codec, {
      organisation: { orgNumber: '958935420', reshId: null, herId: null, name: 'Oslo kommune' },
      systemId: 'delivery-int-test',
    });
    feed = new FeedDelivery(pool, new AccessModelReader(pool, table), table, audit, new StoredEvents(codec), clock);
    store = new WebhookStore(pool);
    version = (await liveProjectionVersion(pool, 'recipient-model'))!;
    // Subscriptions left by earlier runs of these tests would be due for every dispatcher here.
    await pool.query(`DELETE FROM webhook_subscription WHERE client_id LIKE 'test-subscriber-%'`);
  }, 60_000);

  afterEach(async () => {
    for (const d of dispatchers.splice(0)) await d.stop();
    await pool.query('DELETE FROM webhook_subscription WHERE client_id = $1', [CLIENT]);
    for (const r of receivers.splice(0)) await r.stop();
  });

  afterAll(async () => {
    await dataSource?.destroy();
  });

  it('delivers the feed in order, in batches, each signed over its timestamp and body (verifiable by the documented recipe)', async () => {
    now = new Date();
    const { seqs, receiver, subscription } = await setUp(7);
    const d = dispatcher();
    expect(await d.tryLead()).toBe(true);
    for (let i = 0; i < 4; i += 1) await round(d);
    expect(receiver.seqs()).toEqual(seqs);
    expect(receiver.received.map((r) => r.payload.entries.length)).toEqual([3, 3, 1]);
    expect(receiver.received.flatMap((r) => r.payload.entries.map((e) => e.previousSeq))).toEqual([null, ...seqs.slice(0, -1)]);
    for (const r of receiver.received) expect(verifySignature(subscription.secret, r.signature, r.body, now)).toEqual({ ok: true });
    const stored = (await store.get(subscription.id, CLIENT))!;
    expect([stored.readSeq, stored.deliveredSeq, stored.attempts]).toEqual([BigInt(seqs[6]), BigInt(seqs[6]), 0]);
  });

  it('an endpoint down for an hour loses nothing: retried with backoff, then everything in order', async () => {
    now = new Date();
    const { seqs, receiver, subscription, more } = await setUp(4);
    const d = dispatcher();
    await d.tryLead();
    receiver.mode = 'down';
    const downSince = now.getTime();
    const added: string[] = [];
    // An hour of (injected) time, a minute at a time; new entries keep arriving meanwhile.
    while (now.getTime() - downSince < 60 * MINUTE) {
      now = new Date(now.getTime() + MINUTE);
      if (now.getTime() - downSince < 30 * MINUTE) added.push(...(await more(1)));
      await round(d);
    }
    const failing = (await store.get(subscription.id, CLIENT))!;
    expect(receiver.received).toEqual([]);
    expect(failing.status).toBe('active');
    expect(failing.attempts).toBeGreaterThanOrEqual(10);
    expect(failing.lastError).toBe('HTTP 503');
    // Backoff: far fewer attempts than minutes (the cap is 5 minutes), but at least one per cap.
    expect(receiver.attempts).toBeLessThan(40);

    receiver.mode = 'ok';
    for (let i = 0; i < 20 && receiver.seqs().length < seqs.length + added.length; i += 1) {
      now = new Date(now.getTime() + MINUTE);
      await round(d);
    }
    expect(receiver.seqs()).toEqual([...seqs, ...added]);
    const healed = (await store.get(subscription.id, CLIENT))!;
    expect([healed.status, healed.attempts, healed.failingSince, healed.lastError]).toEqual(['active', 0, null, null]);
  }, 60_000);

  it('a slow endpoint does not delay another subscription', async () => {
    now = new Date();
    const slow = await setUp(2);
    const fast = await setUp(2);
    slow.receiver.mode = 'slow';
    slow.receiver.slowMs = 4_000;
    const d = dispatcher({}, false);
    const started = Date.now();
    d.start();
    await eventually(async () => (fast.receiver.seqs().length === 2 ? true : undefined), 'the fast endpoint\'s entries', { timeoutMs: 3_000 });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(slow.receiver.received).toEqual([]);
    // Another batch for the fast one goes through while the slow one is still answering its first.
    const [next] = await fast.more(1);
    await eventually(async () => (fast.receiver.seqs().includes(next) ? true : undefined), 'the fast endpoint\'s next entry', { timeoutMs: 3_000 });
    expect(slow.receiver.received).toEqual([]);
    await eventually(async () => (slow.receiver.seqs().length === 2 ? true : undefined), 'the slow endpoint\'s entries', { timeoutMs: 10_000 });
  }, 30_000);

  it('an endpoint that does not answer within the timeout fails that attempt and is retried', async () => {
    now = new Date();
    const { receiver, subscription } = await setUp(1);
    receiver.mode = 'slow';
    receiver.slowMs = 2_000;
    const d = dispatcher({ requestTimeoutMs: 300 });
    await d.tryLead();
    await round(d);
    const after = (await store.get(subscription.id, CLIENT))!;
    expect([after.attempts, after.lastError]).toEqual([1, 'no answer within 300 ms']);
    expect(after.readSeq).toBe(0n);
  });

  it('dead-letters after the bound, keeps the place, and resends from a feed number on request', async () => {
    now = new Date();
    const { seqs, receiver, subscription } = await setUp(4);
    receiver.mode = 'down';
    const d = dispatcher({ retry: { ...retry, deadLetterAfterAttempts: 3 } });
    await d.tryLead();
    for (let i = 0; i < 6; i += 1) {
      now = new Date(now.getTime() + 10 * MINUTE);
      await round(d);
    }
    expect(receiver.attempts).toBe(3);
    const dead = (await store.get(subscription.id, CLIENT))!;
    expect([dead.status, dead.attempts, dead.lastError]).toEqual(['dead-lettered', 3, 'HTTP 503']);
    expect(await store.deadLettersOf(subscription.id, CLIENT)).toEqual([expect.objectContaining({ afterSeq: '0', attempts: 3, lastError: 'HTTP 503' })]);

    // The endpoint is back; its owner asks for everything from the second entry.
    receiver.mode = 'ok';
    await store.resend(subscription.id, CLIENT, { version, readSeq: BigInt(seqs[1]) - 1n, deliveredSeq: null }, now);
    for (let i = 0; i < 3; i += 1) await round(d);
    expect(receiver.seqs()).toEqual(seqs.slice(1));
    expect(receiver.received[0].payload.entries[0].previousSeq).toBeNull();
  });

  it('leads from one instance only', async () => {
    const leaderLockKey = 7_000_000 + Math.floor(Math.random() * 1_000_000);
    const a = dispatcher({ leaderLockKey });
    const b = dispatcher({ leaderLockKey });
    expect(await a.tryLead()).toBe(true);
    expect(await b.tryLead()).toBe(false);
    await a.stop();
    await eventually(async () => ((await b.tryLead()) ? true : undefined), 'the second instance taking over', { timeoutMs: 5_000 });
  });
});
