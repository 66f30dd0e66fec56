import type { Kafka, Message, Producer } from 'kafkajs';
import type { Pool, PoolClient } from 'pg';
import type { Logger } from 'pino';
import { KeyHashPartitioner } from '@backbone/messaging';
import { readBinaryCopy } from '@backbone/persistence';
import { OutboxBacklog, readOutboxBacklog } from './outbox-backlog';

export interface RelaySettings {
  /** Events read and sent to Kafka per round (whole requests: the first one always goes, however large). */
  batchSize: number;
  /** How long to wait after draining the outbox (a round that was empty or not full): the delay an event can wait before it is read. */
  idlePollMs: number;
  /** Upper bound of the exponential backoff while Kafka is unreachable. */
  maxBackoffMs: number;
}

export interface RelayMetrics {
  published(count: number): void;
  failed(): void;
  /** Seconds each published request waited in the outbox: from its transaction to Kafka's acknowledgement. */
  waited?(seconds: number[]): void;
}

/** One accepted request's messages, as parallel arrays (see the outbox-per-request migration). */
interface OutboxRow {
  id: string;
  eventIds: string[];
  eventTypes: string[];
  topics: string[];
  messageKeys: string[];
  /** The request's Avro values back to back; valueLengths cuts them apart. */
  messageValues: Buffer;
  valueLengths: string[];
  eventCount: number;
  /** When the request's transaction began, milliseconds since the epoch. */
  createdMs: number;
}

// The round (see the outbox-round-function migration), read by binary COPY: through the driver's
// text protocol the values came as hex and were decoded as UTF-8 before anything else, the relay's
// largest cost per event.
function readRoundQuery(limit: number): string {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new Error(`relay batch size must be a positive integer, got ${limit}`);
  return `SELECT * FROM outbox_round(${limit})`;
}

/** A row of the round from its binary COPY fields (int8, text x4, bytea, text, int4, float8). */
function outboxRowOf(fields: Array<Buffer | null>): OutboxRow {
  // The lists are ASCII by construction (uuids, type and topic names, base64url keys, numbers):
  // latin1 decodes them without UTF-8's checks.
  const list = (field: Buffer | null) => (field as Buffer).toString('latin1').split(',');
  const [id, eventIds, eventTypes, topics, keys, values, lengths, count, created] = fields as Buffer[];
  return {
    id: id.readBigInt64BE(0).toString(),
    eventIds: list(eventIds),
    eventTypes: list(eventTypes),
    topics: list(topics),
    messageKeys: list(keys),
    messageValues: values,
    valueLengths: list(lengths),
    eventCount: count.readInt32BE(0),
    createdMs: created.readDoubleBE(0),
  };
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
  private readonly readRound: string;

  constructor(
    private readonly pool: Pool,
    private readonly kafka: Kafka,
    private readonly backlog: OutboxBacklog,
    private readonly logger: Logger,
    private readonly settings: RelaySettings,
    private readonly metrics?: RelayMetrics,
  ) {
    this.readRound = readRoundQuery(settings.batchSize);
  }

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
        // The lock lives as long as this session: if the connection drops, so does the lock, and a
        // standby may take over. The relay reads and deletes through this same connection, so a
        // relay that lost its lock cannot go on publishing beside the new leader.
        client.on('error', (error) => this.logger.warn({ err: error.message }, 'outbox relay lost its leader connection'));
        this.leaderConnection = client;
        this.logger.info('outbox relay is the leader');
        return;
      }
      client.release();
      await this.sleep(2_000);
    }
  }

  /** Gives up leadership after an error on the leader connection: the lock may be gone with it. */
  private dropLeadership(error: Error): void {
    const connection = this.leaderConnection;
    this.leaderConnection = undefined;
    connection?.release(error);
  }

  private async run(): Promise<void> {
    let backoff = 100;
    while (this.running) {
      if (!this.leaderConnection) {
        try {
          await this.becomeLeader();
        } catch (error) {
          this.logger.warn({ err: (error as Error).message, retryInMs: backoff }, 'outbox relay cannot reach PostgreSQL to take the lead; retrying');
          await this.sleep(backoff);
          backoff = Math.min(backoff * 2, this.settings.maxBackoffMs);
          continue;
        }
      }
      const leader = this.leaderConnection;
      if (!leader) continue;
      let rows: OutboxRow[] = [];
      let events = 0;
      try {
        try {
          rows = (await readBinaryCopy(leader, this.readRound)).map(outboxRowOf);
        } catch (error) {
          this.dropLeadership(error as Error);
          throw error;
        }
        events = rows.reduce((sum, row) => sum + row.eventCount, 0);
        if (rows.length === 0) {
          this.backlog.observed(0, null);
          await this.sleep(this.settings.idlePollMs);
          continue;
        }
        const started = performance.now();
        await this.send(rows);
        if (this.metrics?.waited) {
          const sentAt = Date.now();
          this.metrics.waited(rows.map((row) => Math.max(0, sentAt - row.createdMs) / 1000));
        }
        try {
          await leader.query({ name: 'relay-delete-round', text: 'DELETE FROM outbox WHERE id = ANY($1::bigint[])', values: [rows.map((r) => r.id)] });
        } catch (error) {
          // Sent but not deleted: the next leader sends these rows again (consumers deduplicate).
          this.dropLeadership(error as Error);
          throw error;
        }
        this.backlog.drained(events, (performance.now() - started) / 1000);
        // A full round means more may be waiting: read the backlog now and then, and go on at once.
        // A short one drained the outbox: wait as if it had been empty, so a trickle of events
        // (audit records, single requests) travels in rounds of several instead of one round each.
        this.metrics?.published(events);
        backoff = 100;
        if (events >= this.settings.batchSize) {
          if (Date.now() - this.lastCount > 1_000) await this.observeBacklog();
        } else {
          this.backlog.observed(0, null);
          await this.sleep(this.settings.idlePollMs);
        }
      } catch (error) {
        this.metrics?.failed();
        this.logger.warn({ err: (error as Error).message, waiting: events, retryInMs: backoff }, 'outbox relay could not publish; retrying');
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
        // The Java client's partition for each key (the DefaultPartitioner's), at a fraction of its cost.
        createPartitioner: KeyHashPartitioner,
      });
      await producer.connect();
      this.producer = producer;
    }
    // Grouped by topic in outbox order; within a topic the key decides the partition, so each
    // patient's events keep their outbox order.
    const byTopic = new Map<string, Message[]>();
    for (const row of rows) {
      const { eventIds, eventTypes, topics, messageKeys: keys } = row;
      let offset = 0;
      for (let i = 0; i < row.eventCount; i += 1) {
        const length = Number(row.valueLengths[i]);
        const value = row.messageValues.subarray(offset, offset + length);
        offset += length;
        let messages = byTopic.get(topics[i]);
        if (!messages) byTopic.set(topics[i], (messages = []));
        messages.push({ key: keys[i], value, headers: { eventId: eventIds[i], eventType: eventTypes[i] } });
      }
    }
    await this.producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
  }
}
