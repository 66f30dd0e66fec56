import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { Pool, PoolClient } from 'pg';
import type { Logger } from 'pino';
import { DERIVED_RECORDS, loadTopicCatalog, topicFor, type EventCodec } from '@backbone/contracts';
import { deterministicUuid } from '@backbone/platform';
import { enqueueOutboxMessages, type OutboxMessage } from '@backbone/publisher';
import { ApplyQueue, partitionKey } from './apply-queue';

/** Where every projection's dead letters are published (besides the dead_letter table operators query). */
export const DEAD_LETTER_TOPIC = topicFor(loadTopicCatalog(), DERIVED_RECORDS.DeadLetter).name;

/** One Kafka record as a projection sees it. */
export interface IncomingMessage {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string | undefined>;
  /** When the record was written to Kafka (its timestamp, milliseconds since the epoch). */
  timestamp?: number;
}

/** A message the projection refuses, and why: it is recorded and the projection goes on. */
export interface DeadLetter {
  message: IncomingMessage;
  reason: string;
  detail: string;
  eventId?: string;
  eventType?: string;
}

export interface ProjectionHandler {
  /**
   * Applies messages (of one or more partitions, each partition's in offset order, none applied
   * before) inside the transaction
   * that will also hold the consumer position. Returns the messages it refuses (bad input: they
   * are dead-lettered in the same transaction). Throwing means the whole chunk is retried.
   */
  apply(tx: PoolClient, messages: IncomingMessage[]): Promise<DeadLetter[]>;
  /**
   * Called with a connection before each transaction on it, outside the transaction: for session
   * state the handler needs (a temporary staging table), which a rolled-back chunk cannot undo.
   */
  prepare?(connection: PoolClient): Promise<void>;
}

export interface ProjectionSettings {
  /** The projection's name and version, e.g. "access-model.v1": positions and dead letters are kept per name. */
  projection: string;
  groupId: string;
  topics: string[];
  /** Messages applied per transaction at most (from one partition or several). */
  chunkSize: number;
  /** A chunk failing this many times is split; a single message failing this many times is dead-lettered. */
  maxAttempts: number;
  /** Upper bound of the backoff while PostgreSQL is unreachable. */
  maxBackoffMs: number;
  /** Kafka group session timeout: how long a crashed member holds its partitions (default 30 s). */
  sessionTimeoutMs?: number;
  /**
   * Chunks applied at the same time, each in its own transaction and connection (default 1),
   * never two of one partition. More overlaps this process's decoding with PostgreSQL's work; the
   * handler must then order its own locks.
   */
  concurrentChunks?: number;
  /** Messages fetched ahead of the database at most, before fetching pauses (default 10,000). */
  maxQueued?: number;
}

export interface ProjectionMetrics {
  applied(projection: string, count: number): void;
  deadLettered(projection: string, reason: string): void;
  /** Seconds from each applied message's Kafka timestamp to the commit that applied it. */
  lagged?(projection: string, seconds: number[]): void;
  /** How long a chunk's transaction took, from connecting to its commit. */
  chunkApplied?(projection: string, seconds: number): void;
}

/** Errors that say "a dependency is not there right now" (the database, the registry), not "this message is bad": retried without limit. */
function isTransient(error: unknown): boolean {
  const { code, message, transient } = error as { code?: string; message?: string; transient?: boolean };
  if (transient === true) return true;
  if (typeof code === 'string' && (code.startsWith('08') || code.startsWith('57P') || code === '40001' || code === '40P01' || code === '53300')) return true;
  if (typeof code === 'string' && ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE'].includes(code)) return true;
  return /Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect/i.test(message ?? '');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs a projection from Kafka into PostgreSQL with an exactly-once effect: each chunk of a batch
 * is applied in one transaction together with the position (next offset) of its partition, read
 * FOR UPDATE first. A redelivered message (after a crash, a rebalance, or Kafka's committed offset
 * lagging the database) is below the stored position and skipped; the Kafka offset is committed
 * only after the database commit, so it never runs ahead. On joining the group the consumer seeks
 * to the stored positions, so a restart does not even re-read.
 */
export class ProjectionConsumer {
  private consumer?: Consumer;
  private readonly queue = new ApplyQueue();
  private running = false;
  private workers: Array<Promise<void>> = [];
  /** The next offset of each partition applied since the last Kafka commit. */
  private readonly appliedOffsets = new Map<string, { topic: string; partition: number; offset: string }>();
  private commitTimer?: NodeJS.Timeout;

  constructor(
    private readonly pool: Pool,
    private readonly kafka: Kafka,
    private readonly handler: ProjectionHandler,
    private readonly codec: Pick<EventCodec, 'encodeDerived'>,
    private readonly logger: Logger,
    private readonly settings: ProjectionSettings,
    private readonly metrics?: ProjectionMetrics,
  ) {}

  async start(): Promise<void> {
    await this.stop();
    const consumer = this.kafka.consumer({
      groupId: this.settings.groupId,
      maxBytesPerPartition: 4 * 1024 * 1024,
      ...(this.settings.sessionTimeoutMs ? { sessionTimeout: this.settings.sessionTimeoutMs } : {}),
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.queue.keepOnly(Object.entries(payload.memberAssignment).flatMap(([topic, partitions]) => partitions.map((partition) => ({ topic, partition }))));
      void this.seekToStoredPositions(consumer, payload.memberAssignment).catch((error) =>
        this.logger.warn({ err: (error as Error).message }, 'could not seek to the stored positions; stored positions still filter redeliveries'),
      );
    });
    await consumer.connect();
    for (const topic of this.settings.topics) await consumer.subscribe({ topic, fromBeginning: true });
    this.running = true;
    this.workers = Array.from({ length: this.settings.concurrentChunks ?? 1 }, () => this.work());
    this.commitTimer = setInterval(() => void this.commitKafkaOffsets(), 1_000);
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.eachBatch(payload),
    });
  }

  /** Stops fetching, lets the chunks being applied finish, and commits Kafka's offsets for them. */
  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.commitTimer);
    this.queue.wake();
    await this.consumer?.stop().catch(() => undefined);
    await Promise.all(this.workers);
    this.workers = [];
    await this.commitKafkaOffsets();
    await this.consumer?.disconnect().catch(() => undefined);
  }

  /** Positions this projection has stored, per topic and partition (for operators and tests). */
  async positions(): Promise<Array<{ topic: string; partition: number; nextOffset: string }>> {
    const { rows } = await this.pool.query<{ topic: string; partition: number; next_offset: string }>(
      'SELECT topic, partition, next_offset FROM projection_position WHERE projection = $1 ORDER BY topic, partition',
      [this.settings.projection],
    );
    return rows.map((r) => ({ topic: r.topic, partition: r.partition, nextOffset: r.next_offset }));
  }

  private async seekToStoredPositions(consumer: Consumer, assignment: Record<string, number[]>): Promise<void> {
    for (const [topic, partitions] of Object.entries(assignment)) {
      const { rows } = await this.pool.query<{ partition: number; next_offset: string }>(
        'SELECT partition, next_offset FROM projection_position WHERE projection = $1 AND topic = $2 AND partition = ANY($3::int[])',
        [this.settings.projection, topic, partitions],
      );
      for (const row of rows) consumer.seek({ topic, partition: row.partition, offset: row.next_offset });
    }
  }

  /**
   * Queues what Kafka delivered and lets fetching go on at once (the database, not Kafka's
   * offset, says what was applied), pausing only while too much waits.
   */
  private async eachBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    if (batch.messages.length === 0 || !isRunning() || isStale()) return;
    this.queue.add(
      batch.topic,
      batch.partition,
      batch.messages.map((m) => toIncoming(batch.topic, batch.partition, m)),
    );
    resolveOffset(batch.messages[batch.messages.length - 1].offset);
    const limit = this.settings.maxQueued ?? 10_000;
    while (this.queue.size > limit && this.running && isRunning() && !isStale()) {
      await Promise.race([this.queue.changed(), sleep(1_000)]);
      await heartbeat();
    }
  }

  /** One of `concurrentChunks` loops: takes what waits, applies it in one transaction, gives it back. */
  private async work(): Promise<void> {
    let backoff = 100;
    while (this.running) {
      const chunk = this.queue.take(this.settings.chunkSize);
      if (!chunk) {
        await this.queue.changed();
        continue;
      }
      let applied = false;
      try {
        await this.applyWithRetries(chunk.messages, () => this.running);
        applied = true;
        backoff = 100;
      } catch (error) {
        // Only a failure recording a dead letter, or a stop while the database is away: the chunk
        // goes back to the front of its partitions and is tried again (nothing behind it passes it).
        if (this.running) {
          this.logger.error({ err: (error as Error).message }, `${this.settings.projection}: a chunk could not be applied or dead-lettered; retrying`);
          await sleep(backoff);
          backoff = Math.min(backoff * 2, this.settings.maxBackoffMs);
        }
      } finally {
        this.queue.release(chunk, applied);
      }
    }
  }

  /**
   * Kafka's committed offsets follow the database, once a second (never ahead of it): for lag
   * monitoring and as a second starting point; the stored positions stay the truth.
   */
  private async commitKafkaOffsets(): Promise<void> {
    if (this.appliedOffsets.size === 0 || !this.consumer) return;
    const offsets = [...this.appliedOffsets.values()];
    this.appliedOffsets.clear();
    await this.consumer.commitOffsets(offsets).catch((error) =>
      this.logger.debug({ err: (error as Error).message }, `${this.settings.projection}: could not commit Kafka offsets (the stored positions stand)`),
    );
  }

  private async applyWithRetries(chunk: IncomingMessage[], isRunning: () => boolean): Promise<void> {
    let attempts = 0;
    let backoff = 100;
    for (;;) {
      try {
        await this.applyChunk(chunk, []);
        return;
      } catch (error) {
        if (isTransient(error)) {
          if (!isRunning()) throw error;
          this.logger.warn({ err: (error as Error).message, retryInMs: backoff }, `${this.settings.projection}: database unavailable; retrying`);
          await sleep(backoff);
          backoff = Math.min(backoff * 2, this.settings.maxBackoffMs);
          continue;
        }
        attempts += 1;
        if (attempts < this.settings.maxAttempts) continue;
        if (chunk.length > 1) {
          // Find the message that fails: apply one at a time, each with its own attempts.
          for (const message of chunk) await this.applyWithRetries([message], isRunning);
          return;
        }
        const [message] = chunk;
        this.logger.error({ err: (error as Error).message, topic: message.topic, partition: message.partition, offset: message.offset }, `${this.settings.projection}: dead-lettering a message that failed ${attempts} times`);
        await this.applyChunk([], [{ message, reason: 'PROJECTION_FAILED', detail: (error as Error).message, eventId: message.headers.eventId }], attempts);
        return;
      }
    }
  }

  /** One transaction: the positions FOR UPDATE, the handler's rows, dead letters, the new positions. */
  private async applyChunk(chunk: IncomingMessage[], failed: DeadLetter[], attempts = 1): Promise<void> {
    const all = chunk.length > 0 ? chunk : failed.map((d) => d.message);
    const { projection } = this.settings;
    const started = performance.now();
    const tx = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await this.handler.prepare?.(tx);
      await tx.query('BEGIN');
      const { previous, moved } = await this.movePositions(tx, all);
      const isFresh = (m: IncomingMessage) => BigInt(m.offset) >= previous.get(partitionKey(m.topic, m.partition))!;
      const fresh = chunk.filter(isFresh);
      const deadLetters = failed.filter((d) => isFresh(d.message));
      if (fresh.length > 0) deadLetters.push(...(await this.handler.apply(tx, fresh)));
      if (deadLetters.length > 0) await this.recordDeadLetters(tx, deadLetters, attempts);
      await tx.query('COMMIT');
      for (const m of moved) this.appliedOffsets.set(partitionKey(m.topic, m.partition), { topic: m.topic, partition: m.partition, offset: m.nextOffset.toString() });
      this.metrics?.chunkApplied?.(projection, (performance.now() - started) / 1000);
      this.metrics?.applied(projection, fresh.length);
      if (this.metrics?.lagged && fresh.length > 0) {
        const committedAt = Date.now();
        this.metrics.lagged(projection, fresh.filter((m) => m.timestamp !== undefined).map((m) => Math.max(0, committedAt - m.timestamp!) / 1000));
      }
      for (const d of deadLetters) this.metrics?.deadLettered(projection, d.reason);
    } catch (error) {
      await tx.query('ROLLBACK').catch(() => undefined);
      // A connection that failed goes, not back to the pool.
      broken = isTransient(error) ? (error as Error) : undefined;
      throw error;
    } finally {
      tx.release(broken);
    }
  }

  /**
   * Moves the stored position of each partition in the chunk past it, first thing in the
   * transaction and under the positions' row locks (taken in key order; a second instance applying
   * a partition during a rebalance waits here, then sees the moved position), and returns where each
   * stood before (the messages below it were applied already) and where each moved to. One
   * statement, so the chunk's transaction holds its other locks (a recipient's feed sequence) no
   * longer than it must.
   */
  private async movePositions(
    tx: PoolClient,
    messages: IncomingMessage[],
  ): Promise<{ previous: Map<string, bigint>; moved: Array<{ topic: string; partition: number; nextOffset: bigint }> }> {
    const next = new Map<string, { topic: string; partition: number; nextOffset: bigint }>();
    for (const m of messages) {
      const key = partitionKey(m.topic, m.partition);
      const offset = BigInt(m.offset) + 1n;
      const known = next.get(key);
      if (!known) next.set(key, { topic: m.topic, partition: m.partition, nextOffset: offset });
      else if (offset > known.nextOffset) known.nextOffset = offset;
    }
    const wanted = [...next.values()];
    const { rows } = await tx.query<{ topic: string; partition: number; previous: string }>({
      name: 'projection-consumer:move-positions',
      text: `WITH wanted AS (SELECT * FROM unnest($2::text[], $3::int[], $4::bigint[]) AS w(topic, partition, next_offset)),
            previous AS MATERIALIZED (
              SELECT p.topic, p.partition, p.next_offset FROM projection_position p JOIN wanted w USING (topic, partition)
               WHERE p.projection = $1 ORDER BY p.topic, p.partition FOR UPDATE OF p)
       UPDATE projection_position p SET next_offset = greatest(p.next_offset, w.next_offset), updated_at = now()
         FROM previous JOIN wanted w USING (topic, partition)
        WHERE p.projection = $1 AND p.topic = previous.topic AND p.partition = previous.partition
       RETURNING p.topic, p.partition, previous.next_offset AS previous`,
      values: [this.settings.projection, wanted.map((w) => w.topic), wanted.map((w) => w.partition), wanted.map((w) => w.nextOffset.toString())],
    });
    const previous = new Map(rows.map((r) => [partitionKey(r.topic, r.partition), BigInt(r.previous)]));
    const first = wanted.filter((w) => !previous.has(partitionKey(w.topic, w.partition)));
    if (first.length === 0) return { previous, moved: wanted };
    // The partitions' first chunks for this projection.
    const inserted = await tx.query(
      `INSERT INTO projection_position (projection, topic, partition, next_offset)
       SELECT $1, * FROM unnest($2::text[], $3::int[], $4::bigint[]) ON CONFLICT DO NOTHING`,
      [this.settings.projection, first.map((w) => w.topic), first.map((w) => w.partition), first.map((w) => w.nextOffset.toString())],
    );
    if (inserted.rowCount !== first.length) {
      // Another instance stored one first (a rebalance): retry the chunk, which then reads it.
      throw Object.assign(new Error(`${this.settings.projection}: a position was stored concurrently`), { transient: true });
    }
    for (const w of first) previous.set(partitionKey(w.topic, w.partition), 0n);
    return { previous, moved: wanted };
  }

  private async recordDeadLetters(tx: PoolClient, deadLetters: DeadLetter[], attempts: number): Promise<void> {
    for (const d of deadLetters) {
      this.logger.warn(
        { topic: d.message.topic, partition: d.message.partition, offset: d.message.offset, reason: d.reason, eventType: d.eventType },
        `${this.settings.projection}: dead letter`,
      );
    }
    const { rows: recorded } = await tx.query<{ topic: string; partition: number; offset: string }>(
      `INSERT INTO dead_letter (projection, topic, partition, "offset", event_id, event_type, reason, detail, attempts, payload)
       SELECT $1, d.topic, d.partition, d.off, d.event_id, d.event_type, d.reason, d.detail, $2, d.payload
         FROM ROWS FROM (unnest($3::text[]), unnest($4::int[]), unnest($5::bigint[]), unnest($6::text[]), unnest($7::text[]),
                         unnest($8::text[]), unnest($9::text[]), unnest($10::bytea[]))
              AS d(topic, partition, off, event_id, event_type, reason, detail, payload)
       ON CONFLICT (projection, topic, partition, "offset") DO NOTHING
       RETURNING topic, partition, "offset"`,
      [
        this.settings.projection,
        attempts,
        deadLetters.map((d) => d.message.topic),
        deadLetters.map((d) => d.message.partition),
        deadLetters.map((d) => d.message.offset),
        deadLetters.map((d) => d.eventId ?? null),
        deadLetters.map((d) => d.eventType ?? null),
        deadLetters.map((d) => d.reason),
        deadLetters.map((d) => d.detail),
        deadLetters.map((d) => d.message.value),
      ],
    );
    // The same transaction publishes them (through the outbox) on the dead-letter topic.
    const fresh = new Set(recorded.map((r) => `${r.topic}|${r.partition}|${r.offset}`));
    const now = new Date();
    const messages: OutboxMessage[] = [];
    for (const d of deadLetters.filter((d) => fresh.has(`${d.message.topic}|${d.message.partition}|${d.message.offset}`))) {
      const deadLetterId = deterministicUuid(`${this.settings.projection}|${d.message.topic}|${d.message.partition}|${d.message.offset}`);
      const value = await this.codec.encodeDerived('DeadLetter', {
        deadLetterId,
        projection: this.settings.projection,
        originalTopic: d.message.topic,
        originalPartition: d.message.partition,
        originalOffset: Number(d.message.offset),
        originalKey: d.message.key,
        originalValue: d.message.value,
        eventId: d.eventId ?? null,
        eventType: d.eventType ?? null,
        reason: d.reason,
        detail: d.detail,
        attempts,
        deadLetteredAt: now,
      });
      // Keyed like the original so one patient's dead letters stay in order.
      const key = d.message.key?.toString() ?? `${d.message.topic}-${d.message.partition}`;
      messages.push({ eventId: deadLetterId, eventType: 'DeadLetter', topic: DEAD_LETTER_TOPIC, key, value });
    }
    await enqueueOutboxMessages(tx, messages);
  }
}

function toIncoming(topic: string, partition: number, message: KafkaMessage): IncomingMessage {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) headers[name] = value === undefined ? undefined : Array.isArray(value) ? String(value[0]) : String(value);
  return { topic, partition, offset: message.offset, key: message.key, value: message.value, headers, timestamp: Number(message.timestamp) };
}

/**
 * Reads a record's value with `decode`, or gives the dead letter every projection gives for a
 * record it cannot read (no value, or bytes the decoder refuses).
 */
export async function decodeOrDeadLetter<T>(message: IncomingMessage, decode: (value: Buffer) => Promise<T>): Promise<{ value: T } | { deadLetter: DeadLetter }> {
  const eventId = message.headers.eventId;
  if (!message.value) return { deadLetter: { message, reason: 'EMPTY_VALUE', detail: 'the record has no value', eventId } };
  try {
    return { value: await decode(message.value) };
  } catch (error) {
    // A dependency that is down (the registry) is not bad input: the chunk fails and is retried.
    if ((error as { transient?: boolean }).transient === true) throw error;
    return { deadLetter: { message, reason: 'UNDECODABLE', detail: (error as Error).message, eventId } };
  }
}
