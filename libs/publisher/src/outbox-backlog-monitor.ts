import type { Pool } from 'pg';
import type { OutboxBacklog } from './outbox-backlog';

/**
 * Keeps an OutboxBacklog current from PostgreSQL, for processes that accept events but do not
 * relay them (the relay runs as its own app): one count per interval, cheap on a table that the
 * relay keeps short.
 */
export class OutboxBacklogMonitor {
  private timer?: NodeJS.Timeout;
  private last?: { count: number; at: number };

  constructor(
    private readonly pool: Pool,
    private readonly backlog: OutboxBacklog,
    private readonly intervalMs = 1_000,
  ) {}

  start(): void {
    const tick = async () => {
      try {
        await this.observe();
      } catch {
        // PostgreSQL unreachable: the last figures stand; readiness reports the outage.
      }
      this.timer = setTimeout(tick, this.intervalMs);
      this.timer.unref();
    };
    void tick();
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  async observe(): Promise<void> {
    const { rows } = await this.pool.query<{ waiting: string; oldest: Date | null }>('SELECT count(*) AS waiting, min(created_at) AS oldest FROM outbox');
    const count = Number(rows[0].waiting);
    const now = Date.now();
    if (this.last && count < this.last.count) this.backlog.drained(this.last.count - count, (now - this.last.at) / 1000);
    this.last = { count, at: now };
    this.backlog.observed(count, rows[0].oldest);
  }
}
