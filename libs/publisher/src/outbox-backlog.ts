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
 * The outbox backlog, in events, read from PostgreSQL through the primary key alone: every event
 * drew a number from outbox_event_seq and each row keeps its last one, so "newest row's last
 * number minus the oldest row's first number" is an upper bound of the events waiting (numbers
 * drawn by rolled-back requests count too). Two index probes, where a sum over the table would
 * scan rows that the relay's deletes leave dead until vacuum comes by.
 */
export async function readOutboxBacklog(pool: { query: (sql: string) => Promise<{ rows: Array<Record<string, unknown>> }> }) {
  const { rows } = await pool.query(
    `SELECT coalesce(newest.last_event_seq - oldest.last_event_seq + oldest.event_count, 0)::bigint AS waiting, oldest.created_at AS oldest
       FROM (SELECT 1) AS one
       LEFT JOIN LATERAL (SELECT last_event_seq, event_count, created_at FROM outbox ORDER BY id LIMIT 1) AS oldest ON true
       LEFT JOIN LATERAL (SELECT last_event_seq FROM outbox ORDER BY id DESC LIMIT 1) AS newest ON true`,
  );
  return { waiting: Number(rows[0].waiting), oldestAt: (rows[0].oldest as Date | null) ?? null };
}
