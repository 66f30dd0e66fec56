import type { Kafka, Message, Producer } from 'kafkajs';
import { Partitioners } from 'kafkajs';
import type { Pool, PoolClient } from 'pg';
import type { Logger } from 'pino';
import { OutboxBacklog, readOutboxBacklog } from './outbox-backlog';

export interface RelaySettings {
  /** Rows read and sent to Kafka per round. */
  batchSize: number;
  /** How long to wait after finding the outbox empty: the delay an event can wait before it is read. */
  idlePollMs: number;
  /** Upper bound of the exponential backoff while Kafka is unreachable. */
  maxBackoffMs: number;
}

export interface RelayMetrics {
  published(count: number): void;
  failed(): void;
}

interface OutboxRow {
  id: string;
  event_id: string;
  event_type: string;
  topic: string;
  message_key: string;
  message_value: Buffer;
}

// Leadership lock: one relay publishes at a time, whatever the number of ingest instances, which
// is what keeps the outbox order (and so the per-patient order) on the topics.
const RELAY_LEADER_LOCK = 7_101_978;

/**
 * Drains the outbox to Kafka: reads rows in id order, sends them with an idempotent producer
 * (acks=all), and deletes them once Kafka has acknowledged them. Kafka down means rows wait and
 * the relay retries with backoff; a crash between acknowledgement and delete re-sends those rows,
 * so consumers deduplicate on the eventId header (the projectors' versioned upserts do).
 */
export class OutboxRelay {
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private producer?: Producer;
  /** The connection that holds the leader lock for as long as this relay publishes. */
  private leaderConnection?: PoolClient;

  constructor(
    private readonly pool: Pool,
    private readonly kafka: Kafka,
    private readonly backlog: OutboxBacklog,
    private readonly logger: Logger,
    private readonly settings: RelaySettings,
    private readonly metrics?: RelayMetrics,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run().catch((error) => this.logger.error({ err: error }, 'outbox relay stopped on an unexpected error'));
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    await this.producer?.disconnect().catch(() => undefined);
    if (this.leaderConnection) {
      await this.leaderConnection.query('SELECT pg_advisory_unlock($1)', [RELAY_LEADER_LOCK]).catch(() => undefined);
      this.leaderConnection.release();
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private async becomeLeader(): Promise<void> {
    while (this.running) {
      const client = await this.pool.connect();
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [RELAY_LEADER_LOCK]);
      if (rows[0].locked) {
        this.leaderConnection = client;
        this.logger.info('outbox relay is the leader');
        return;
      }
      client.release();
      await this.sleep(2_000);
    }
  }

  private async run(): Promise<void> {
    await this.becomeLeader();
    let backoff = 100;
    while (this.running) {
      let rows: OutboxRow[] = [];
      try {
        rows = (
          await this.pool.query<OutboxRow>(
            'SELECT id, event_id, event_type, topic, message_key, message_value FROM outbox ORDER BY id LIMIT $1',
            [this.settings.batchSize],
          )
        ).rows;
        if (rows.length === 0) {
          this.backlog.observed(0, null);
          await this.sleep(this.settings.idlePollMs);
          continue;
        }
        const started = performance.now();
        await this.send(rows);
        await this.pool.query('DELETE FROM outbox WHERE id = ANY($1::bigint[])', [rows.map((r) => r.id)]);
        this.backlog.drained(rows.length, (performance.now() - started) / 1000);
        // A full batch means more is waiting: read the backlog now and then; a short one drained it.
        if (rows.length === this.settings.batchSize && Date.now() - this.lastCount > 1_000) await this.observeBacklog();
        else if (rows.length < this.settings.batchSize) this.backlog.observed(0, null);
        this.metrics?.published(rows.length);
        backoff = 100;
      } catch (error) {
        this.metrics?.failed();
        this.logger.warn({ err: (error as Error).message, waiting: rows.length, retryInMs: backoff }, 'outbox relay could not publish; retrying');
        await this.observeBacklog().catch(() => undefined);
        await this.sleep(backoff);
        backoff = Math.min(backoff * 2, this.settings.maxBackoffMs);
      }
    }
  }

  private lastCount = 0;

  private async observeBacklog(): Promise<void> {
    this.lastCount = Date.now();
    const { waiting, oldestAt } = await readOutboxBacklog(this.pool);
    this.backlog.observed(waiting, oldestAt);
  }

  private async send(rows: OutboxRow[]): Promise<void> {
    if (!this.producer) {
      const producer = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      await producer.connect();
      this.producer = producer;
    }
    // Grouped by topic in outbox order; within a topic the key decides the partition, so each
    // patient's events keep their outbox order.
    const byTopic = new Map<string, Message[]>();
    for (const row of rows) {
      const messages = byTopic.get(row.topic) ?? [];
      messages.push({ key: row.message_key, value: row.message_value, headers: { eventId: row.event_id, eventType: row.event_type } });
      byTopic.set(row.topic, messages);
    }
    await this.producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
  }
}
