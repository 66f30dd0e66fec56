import { Counter, Histogram, Registry } from 'prom-client';
import type { ProjectionMetrics } from './projection-consumer';

/** What operators watch on a projector: events applied, and dead letters by reason (alert on any). */
export class ProjectionCounters implements ProjectionMetrics {
  private readonly appliedTotal: Counter;
  private readonly deadLettersTotal: Counter;
  private readonly lag: Histogram;
  private readonly chunkDuration: Histogram;

  constructor(registry: Registry) {
    this.appliedTotal = new Counter({ name: 'backbone_projection_applied_total', help: 'Messages applied, by projection', labelNames: ['projection'], registers: [registry] });
    this.deadLettersTotal = new Counter({
      name: 'backbone_projection_dead_letters_total',
      help: 'Messages dead-lettered, by projection and reason. Any dead-lettered governance event means an access fact (possibly a block) is not in force: alert on it.',
      labelNames: ['projection', 'reason'],
      registers: [registry],
    });
    this.lag = new Histogram({
      name: 'backbone_projection_lag_seconds',
      help: 'From a message being written to Kafka (its timestamp) to the commit of the transaction that applied it, by projection: how stale the read model is',
      labelNames: ['projection'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    });
    this.chunkDuration = new Histogram({
      name: 'backbone_projection_chunk_seconds',
      help: 'How long one chunk took to apply, from its first statement to its commit, by projection',
      labelNames: ['projection'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    });
  }

  chunkApplied(projection: string, seconds: number): void {
    this.chunkDuration.observe({ projection }, seconds);
  }

  applied(projection: string, count: number): void {
    this.appliedTotal.inc({ projection }, count);
  }

  lagged(projection: string, seconds: number[]): void {
    const lag = this.lag.labels(projection);
    for (const s of seconds) lag.observe(s);
  }

  deadLettered(projection: string, reason: string): void {
    this.deadLettersTotal.inc({ projection, reason });
  }
}
