import { randomUUID } from 'node:crypto';
import type { ClientBase, Pool } from 'pg';
import type { FeedCursor } from './feed-cursor';
import type { ContentLevel } from './subscriber-registry';

/** A webhook subscription as the dispatcher works with it (the secret included: never log one). */
export interface WebhookSubscription {
  id: string;
  clientId: string;
  recipientKey: string;
  url: string;
  content: ContentLevel;
  secret: string;
  status: 'active' | 'dead-lettered';
  /** The read model version the cursor belongs to; null before the first delivery. */
  projectionVersion: number | null;
  readSeq: bigint;
  deliveredSeq: bigint | null;
  attempts: number;
  failingSince: Date | null;
  nextAttemptAt: Date;
  lastError: string | null;
  lastDeliveredAt: Date | null;
  createdAt: Date;
}

/** What the API shows of a subscription: everything but the secret. */
export type WebhookSubscriptionView = Omit<WebhookSubscription, 'secret' | 'readSeq' | 'deliveredSeq' | 'clientId'> & { readSeq: string; deliveredSeq: string | null };

export function viewOf(s: WebhookSubscription): WebhookSubscriptionView {
  return {
    id: s.id,
    recipientKey: s.recipientKey,
    url: s.url,
    content: s.content,
    status: s.status,
    projectionVersion: s.projectionVersion,
    readSeq: s.readSeq.toString(),
    deliveredSeq: s.deliveredSeq === null ? null : s.deliveredSeq.toString(),
    attempts: s.attempts,
    failingSince: s.failingSince,
    nextAttemptAt: s.nextAttemptAt,
    lastError: s.lastError,
    lastDeliveredAt: s.lastDeliveredAt,
    createdAt: s.createdAt,
  };
}

interface Row {
  id: string;
  client_id: string;
  recipient_key: string;
  url: string;
  content: ContentLevel;
  secret: string;
  status: 'active' | 'dead-lettered';
  projection_version: number | null;
  read_seq: string;
  delivered_seq: string | null;
  attempts: number;
  failing_since: Date | null;
  next_attempt_at: Date;
  last_error: string | null;
  last_delivered_at: Date | null;
  created_at: Date;
}

const fromRow = (r: Row): WebhookSubscription => ({
  id: r.id,
  clientId: r.client_id,
  recipientKey: r.recipient_key,
  url: r.url,
  content: r.content,
  secret: r.secret,
  status: r.status,
  projectionVersion: r.projection_version,
  readSeq: BigInt(r.read_seq),
  deliveredSeq: r.delivered_seq === null ? null : BigInt(r.delivered_seq),
  attempts: r.attempts,
  failingSince: r.failing_since,
  nextAttemptAt: r.next_attempt_at,
  lastError: r.last_error,
  lastDeliveredAt: r.last_delivered_at,
  createdAt: r.created_at,
});

export interface NewSubscription {
  clientId: string;
  recipientKey: string;
  url: string;
  content: ContentLevel;
  secret: string;
  /** Where delivery starts: after this feed number of this version (default: the start of the feed). */
  start: FeedCursor;
}

/**
 * The subscriptions and their cursors in PostgreSQL. Every cursor move is a compare-and-set on the
 * position the dispatcher read, so a resend (or a delete) that lands while a delivery is in flight
 * wins and the delivery's outcome is dropped rather than written over it.
 */
export class WebhookStore {
  constructor(private readonly pool: Pool) {}

  async create(s: NewSubscription, now: Date): Promise<WebhookSubscription> {
    const { rows } = await this.pool.query<Row>(
      `INSERT INTO webhook_subscription (id, client_id, recipient_key, url, content, secret, projection_version, read_seq, delivered_seq, next_attempt_at, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING *`,
      [randomUUID(), s.clientId, s.recipientKey, s.url, s.content, s.secret, s.start.version, s.start.readSeq.toString(), s.start.deliveredSeq?.toString() ?? null, now],
    );
    return fromRow(rows[0]);
  }

  async listOf(clientId: string): Promise<WebhookSubscription[]> {
    const { rows } = await this.pool.query<Row>('SELECT * FROM webhook_subscription WHERE client_id = $1 ORDER BY created_at, id', [clientId]);
    return rows.map(fromRow);
  }

  /** The client's own subscription, or undefined (another client's is as absent as a missing one). */
  async get(id: string, clientId: string): Promise<WebhookSubscription | undefined> {
    const { rows } = await this.pool.query<Row>('SELECT * FROM webhook_subscription WHERE id = $1 AND client_id = $2', [id, clientId]);
    return rows[0] ? fromRow(rows[0]) : undefined;
  }

  async delete(id: string, clientId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('DELETE FROM webhook_subscription WHERE id = $1 AND client_id = $2', [id, clientId]);
    return rowCount === 1;
  }

  /** Delivery starts again after `start` (a resend), now, and a dead-lettered subscription becomes active again. */
  async resend(id: string, clientId: string, start: FeedCursor, now: Date): Promise<WebhookSubscription | undefined> {
    const { rows } = await this.pool.query<Row>(
      `UPDATE webhook_subscription
          SET status = 'active', projection_version = $3, read_seq = $4, delivered_seq = $5, attempts = 0, failing_since = NULL, last_error = NULL, next_attempt_at = $6
        WHERE id = $1 AND client_id = $2 RETURNING *`,
      [id, clientId, start.version, start.readSeq.toString(), start.deliveredSeq?.toString() ?? null, now],
    );
    return rows[0] ? fromRow(rows[0]) : undefined;
  }

  /** Active subscriptions whose next attempt is due, oldest first, leaving out those already in flight. */
  async due(db: ClientBase | Pool, now: Date, limit: number, inFlight: readonly string[]): Promise<WebhookSubscription[]> {
    const { rows } = await db.query<Row>(
      `SELECT * FROM webhook_subscription
        WHERE status = 'active' AND next_attempt_at <= $1 AND NOT (id = ANY($2::uuid[]))
        ORDER BY next_attempt_at LIMIT $3`,
      [now, inFlight, limit],
    );
    return rows.map(fromRow);
  }

  /** The cursor moves (a batch was delivered, or only withheld rows were read past); failures are cleared. */
  async advance(s: WebhookSubscription, next: FeedCursor, delivered: boolean, nextAttemptAt: Date, now: Date): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE webhook_subscription
          SET projection_version = $3, read_seq = $4, delivered_seq = $5, attempts = 0, failing_since = NULL, last_error = NULL,
              next_attempt_at = $6, last_delivered_at = CASE WHEN $7 THEN $8 ELSE last_delivered_at END
        WHERE id = $1 AND read_seq = $2 AND status = 'active'`,
      [s.id, s.readSeq.toString(), next.version, next.readSeq.toString(), next.deliveredSeq?.toString() ?? null, nextAttemptAt, delivered, now],
    );
    return rowCount === 1;
  }

  /** A failed attempt: the cursor stays; the next attempt is scheduled. */
  async failed(s: WebhookSubscription, attempts: number, failingSince: Date | null, nextAttemptAt: Date, error: string): Promise<void> {
    await this.pool.query(
      `UPDATE webhook_subscription SET attempts = $3, failing_since = $4, next_attempt_at = $5, last_error = $6
        WHERE id = $1 AND read_seq = $2 AND status = 'active'`,
      [s.id, s.readSeq.toString(), attempts, failingSince, nextAttemptAt, error],
    );
  }

  /** The bound is reached: the subscription stops (nothing is skipped) until a resend; the dead letter says from where. */
  async deadLetter(s: WebhookSubscription, version: number, attempts: number, failingSince: Date, error: string, now: Date): Promise<void> {
    await this.pool.query(
      `WITH stopped AS (
         UPDATE webhook_subscription SET status = 'dead-lettered', attempts = $3, failing_since = $4, last_error = $5
          WHERE id = $1 AND read_seq = $2 AND status = 'active' RETURNING id, read_seq)
       INSERT INTO webhook_dead_letter (subscription_id, projection_version, after_seq, attempts, failing_since, dead_lettered_at, last_error)
       SELECT id, $6, read_seq, $3, $4, $7, $5 FROM stopped`,
      [s.id, s.readSeq.toString(), attempts, failingSince, error, version, now],
    );
  }

  async deadLettersOf(id: string, clientId: string): Promise<Array<{ afterSeq: string; projectionVersion: number; attempts: number; failingSince: Date; deadLetteredAt: Date; lastError: string }>> {
    const { rows } = await this.pool.query(
      `SELECT d.after_seq AS "afterSeq", d.projection_version AS "projectionVersion", d.attempts, d.failing_since AS "failingSince", d.dead_lettered_at AS "deadLetteredAt", d.last_error AS "lastError"
         FROM webhook_dead_letter d JOIN webhook_subscription s ON s.id = d.subscription_id
        WHERE d.subscription_id = $1 AND s.client_id = $2 ORDER BY d.id`,
      [id, clientId],
    );
    return rows;
  }
}
