import type { Pool, PoolClient } from 'pg';
import type { Logger } from 'pino';
import { encodeCursor, feedStart, type FeedCursor } from './feed-cursor';
import { NO_OBSERVER, type DeliveryObserver } from './delivery-observer';
import type { FeedDelivery } from './feed-delivery';
import type { FeedEntry } from './feed-page';
import { afterFailure, type RetryPolicy } from './retry-policy';
import { authorizeSubscription, type SubscriberRegistry } from './subscriber-registry';
import { SIGNATURE_HEADER, signatureHeader } from './webhook-signature';
import type { WebhookStore, WebhookSubscription } from './webhook-store';

/** What a webhook POST carries. */
export interface WebhookPayload {
  subscriptionId: string;
  recipient: string;
  entries: FeedEntry[];
  /** The feed cursor after this batch: a pull from here continues where the webhook stands. */
  cursor: string;
}

export type SendResult = { ok: true; status: number } | { ok: false; error: string };

/** Sends one signed POST; the dispatcher never waits longer than `timeoutMs` for an answer. */
export interface WebhookSender {
  send(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<SendResult>;
}

/** The sender over fetch: any 2xx is delivered; redirects are not followed (an endpoint moves by re-registering). */
export const fetchSender: WebhookSender = {
  async send(url, body, headers, timeoutMs) {
    try {
      const response = await fetch(url, { method: 'POST', body, headers, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
      await response.body?.cancel().catch(() => undefined);
      return response.status >= 200 && response.status < 300 ? { ok: true, status: response.status } : { ok: false, error: `HTTP ${response.status}` };
    } catch (error) {
      const e = error as Error & { cause?: { code?: string } };
      if (e.name === 'TimeoutError' || e.name === 'AbortError') return { ok: false, error: `no answer within ${timeoutMs} ms` };
      return { ok: false, error: e.cause?.code ?? e.message };
    }
  },
};

export interface DispatcherOptions {
  /** Entries per POST. */
  batchSize: number;
  requestTimeoutMs: number;
  /** Subscriptions delivered to at once; a slow endpoint holds one slot, never the others. */
  maxInFlight: number;
  /** How often the leader looks for due subscriptions. */
  pollMs: number;
  /** How long a subscription with nothing new waits before it is read again. */
  idleRecheckMs: number;
  retry: RetryPolicy;
  /** The advisory lock that makes one dispatcher the leader across instances. */
  leaderLockKey: number;
}

/**
 * Delivers each webhook subscription its recipient's feed in order, in batches, signed, each
 * subscription on its own: its own cursor in PostgreSQL, its own retry schedule, its own slot. One
 * instance leads (a session advisory lock held on a connection of its own; if that connection
 * goes, PostgreSQL releases the lock and another instance takes over). A batch is read through
 * FeedDelivery, so it is re-checked by the need-to-know engine and audited before it is sent, at
 * every attempt. A failed batch is retried (exponential backoff with jitter) from the same cursor;
 * after the retry policy's bound the subscription is dead-lettered and stops, skipping nothing,
 * until its owner asks for a resend.
 */
export class WebhookDispatcher {
  private readonly inFlight = new Map<string, Promise<void>>();
  private lockClient: PoolClient | null = null;
  private loop: Promise<void> | null = null;
  private stopping = false;
  private wake: (() => void) | null = null;

  constructor(
    private readonly pool: Pool,
    private readonly store: WebhookStore,
    private readonly feed: FeedDelivery,
    private readonly registry: SubscriberRegistry,
    private readonly sender: WebhookSender,
    private readonly logger: Logger,
    private readonly options: DispatcherOptions,
    private readonly clock: () => Date = () => new Date(),
    private readonly random: () => number = Math.random,
    private readonly observer: DeliveryObserver = NO_OBSERVER,
  ) {}

  get isLeader(): boolean {
    return this.lockClient !== null;
  }

  start(): void {
    this.stopping = false;
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    this.loop = null;
    await this.settled();
    this.resign();
  }

  /** Resolves when every delivery started so far has finished (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight.values()]);
  }

  /** Becomes the leader if no other instance is. */
  async tryLead(): Promise<boolean> {
    if (this.lockClient) return true;
    const client = await this.pool.connect();
    try {
      const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [this.options.leaderLockKey]);
      if (!rows[0].ok) {
        client.release();
        return false;
      }
    } catch (error) {
      client.release(error as Error);
      throw error;
    }
    client.on('error', () => this.resign(true));
    this.lockClient = client;
    this.logger.info('webhook dispatcher: leading');
    return true;
  }

  /**
   * Starts a delivery for each due subscription not already in flight, up to the free slots, and
   * returns without waiting for them. The due query runs on the lock's own connection: if it is
   * gone, this instance stops leading at once.
   */
  async tick(): Promise<number> {
    if (!this.lockClient) return 0;
    const free = this.options.maxInFlight - this.inFlight.size;
    if (free <= 0) return 0;
    let due: WebhookSubscription[];
    try {
      due = await this.store.due(this.lockClient, this.clock(), free, [...this.inFlight.keys()]);
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'webhook dispatcher: lost the leader connection');
      this.resign(true);
      return 0;
    }
    for (const subscription of due) {
      const run = this.deliver(subscription)
        .catch((error: Error) => this.logger.error({ subscription: subscription.id, err: error.message }, 'webhook delivery failed unexpectedly'))
        .finally(() => {
          this.inFlight.delete(subscription.id);
          this.wake?.();
        });
      this.inFlight.set(subscription.id, run);
    }
    return due.length;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        if (await this.tryLead()) await this.tick();
      } catch (error) {
        this.logger.warn({ err: (error as Error).message }, 'webhook dispatcher: round failed');
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.options.pollMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  private resign(broken = false): void {
    const client = this.lockClient;
    if (!client) return;
    this.lockClient = null;
    if (broken) client.release(true);
    else {
      void client
        .query('SELECT pg_advisory_unlock($1)', [this.options.leaderLockKey])
        .catch(() => undefined)
        .finally(() => client.release());
    }
  }

  /** One attempt for one subscription: read (re-checked, audited), send, move the cursor or schedule a retry. */
  async deliver(subscription: WebhookSubscription): Promise<void> {
    const grant = authorizeSubscription(this.registry, subscription.clientId, subscription.recipientKey, subscription.content);
    if (!grant.ok) return this.fail(subscription, subscription.projectionVersion ?? 0, grant.rule);
    const version = await this.feed.liveVersion();
    if (version === undefined) {
      // Not the endpoint's failure: nothing counts towards its dead-letter bound.
      await this.store.failed(subscription, subscription.attempts, subscription.failingSince, new Date(this.clock().getTime() + this.options.idleRecheckMs), 'the recipient read model is not built yet');
      return;
    }
    // A new read model version numbers the feed anew: the chain restarts (previousSeq null) at its start.
    const after: FeedCursor =
      subscription.projectionVersion === version ? { version, readSeq: subscription.readSeq, deliveredSeq: subscription.deliveredSeq } : feedStart(version);
    const page = await this.feed.deliver({
      principal: { kind: 'system', clientId: subscription.clientId, scopes: [] },
      recipientKey: subscription.recipientKey,
      after,
      limit: this.options.batchSize,
      content: subscription.content,
      api: 'webhook',
    });
    const now = this.clock();
    if (page.entries.length === 0) {
      // Nothing to send (or only rows withheld now): move past what was read, look again later.
      await this.store.advance(subscription, page.next, false, new Date(now.getTime() + (page.hasMore ? 0 : this.options.idleRecheckMs)), now);
      return;
    }
    const payload: WebhookPayload = { subscriptionId: subscription.id, recipient: subscription.recipientKey, entries: page.entries, cursor: encodeCursor(page.next) };
    const body = JSON.stringify(payload);
    const headers = {
      'content-type': 'application/json',
      'webhook-id': `${subscription.id}:${page.entries[0].seq}-${page.entries[page.entries.length - 1].seq}`,
      [SIGNATURE_HEADER]: signatureHeader(subscription.secret, now, body),
    };
    const result = await this.sender.send(subscription.url, body, headers, this.options.requestTimeoutMs);
    if (result.ok) {
      this.observer.webhookAttempt('delivered');
      await this.store.advance(subscription, page.next, true, this.clock(), this.clock());
      return;
    }
    await this.fail(subscription, version, result.error);
  }

  private async fail(subscription: WebhookSubscription, version: number, error: string): Promise<void> {
    const now = this.clock();
    const attempts = subscription.attempts + 1;
    const failingSince = subscription.failingSince ?? now;
    const outcome = afterFailure(this.options.retry, failingSince, attempts, now, this.random());
    this.observer.webhookAttempt(outcome.kind === 'retry' ? 'failed' : 'dead-lettered');
    if (outcome.kind === 'retry') {
      await this.store.failed(subscription, attempts, failingSince, outcome.at, error);
      this.logger.info({ subscription: subscription.id, recipient: subscription.recipientKey, attempts, error, retryAt: outcome.at }, 'webhook delivery failed; will retry');
    } else {
      await this.store.deadLetter(subscription, version, attempts, failingSince, error, now);
      this.logger.warn({ subscription: subscription.id, recipient: subscription.recipientKey, attempts, error }, 'webhook subscription dead-lettered');
    }
  }
}
