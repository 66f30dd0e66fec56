import { Counter, Registry } from 'prom-client';
import type { ProjectionMetrics } from './projection-consumer';

/** What operators watch on a projector: events applied, and dead letters by reason (alert on any). */
export class ProjectionCounters implements ProjectionMetrics {
  private readonly appliedTotal: Counter;
  private readonly deadLettersTotal: Counter;

  constructor(registry: Registry) {
    this.appliedTotal = new Counter({ name: 'backbone_projection_applied_total', help: 'Messages applied, by projection', labelNames: ['projection'], registers: [registry] });
    this.deadLettersTotal = new Counter({
      name: 'backbone_projection_dead_letters_total',
      help: 'Messages dead-lettered, by projection and reason. Any dead-lettered governance event means an access fact (possibly a block) is not in force: alert on it.',
      labelNames: ['projection', 'reason'],
      registers: [registry],
    });
  }

  applied(projection: string, count: number): void {
    this.appliedTotal.inc({ projection }, count);
  }

  deadLettered(projection: string, reason: string): void {
    this.deadLettersTotal.inc({ projection, reason });
  }
}
