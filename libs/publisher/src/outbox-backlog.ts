/**
 * How many accepted events are waiting in the outbox, as last counted by the relay plus what was
 * accepted since. Ingest refuses new events above the configured bound, so a long Kafka outage
 * fills neither the disk nor the relay's catch-up time without limit.
 */
export class OutboxBacklog {
  private waiting = 0;
  private oldestAt: Date | null = null;
  private drainedPerSecond = 0;

  size(): number {
    return this.waiting;
  }

  oldestAgeSeconds(now = Date.now()): number {
    return this.oldestAt ? Math.max(0, (now - this.oldestAt.getTime()) / 1000) : 0;
  }

  added(count: number): void {
    this.waiting += count;
  }

  /** The relay's exact count and the age of the oldest row, after each drain or idle poll. */
  observed(count: number, oldestAt: Date | null): void {
    this.waiting = count;
    this.oldestAt = oldestAt;
  }

  drained(count: number, seconds: number): void {
    if (seconds > 0) this.drainedPerSecond = 0.8 * this.drainedPerSecond + 0.2 * (count / seconds);
  }

  /** A Retry-After hint: the time to drain the backlog at the recent rate, between 1 and 60 seconds. */
  retryAfterSeconds(): number {
    if (this.drainedPerSecond < 1) return 30;
    return Math.min(60, Math.max(1, Math.ceil(this.waiting / this.drainedPerSecond)));
  }
}

/**
 * The outbox backlog read from PostgreSQL through the primary key alone: max(id) - min(id) + 1 is
 * an upper bound of the rows waiting (the relay deletes in id order, so the waiting rows are all but
 * contiguous) and costs two index probes, where count(*) would scan a table that the relay's
 * deletes leave full of dead rows until vacuum comes by.
 */
export async function readOutboxBacklog(pool: { query: (sql: string) => Promise<{ rows: Array<Record<string, unknown>> }> }) {
  const { rows } = await pool.query(
    `SELECT coalesce(max(id) - min(id) + 1, 0)::bigint AS waiting,
            (SELECT created_at FROM outbox ORDER BY id LIMIT 1) AS oldest
       FROM outbox`,
  );
  return { waiting: Number(rows[0].waiting), oldestAt: (rows[0].oldest as Date | null) ?? null };
}
