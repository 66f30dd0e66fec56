import type { Pool } from 'pg';
import { OutboxBacklog, readOutboxBacklog } from './outbox-backlog';

/**
 * Keeps an OutboxBacklog current from PostgreSQL, for processes that accept events but do not
 * relay them (the relay runs as its own app): one look per interval at a table that the
 * relay keeps short, read through the primary key only (see readOutboxBacklog).
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
    const { waiting: count, oldestAt } = await readOutboxBacklog(this.pool);
    const now = Date.now();
    if (this.last && count < this.last.count) this.backlog.drained(this.last.count - count, (now - this.last.at) / 1000);
    this.last = { count, at: now };
    this.backlog.observed(count, oldestAt);
  }
}
