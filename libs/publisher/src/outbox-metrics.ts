import { Gauge, Registry } from 'prom-client';
import type { OutboxBacklog } from './outbox-backlog';

/** The outbox gauges, the same in every process that knows the backlog (ingest and relay). */
export function registerOutboxGauges(registry: Registry, backlog: OutboxBacklog): void {
  new Gauge({
    name: 'backbone_outbox_backlog',
    help: 'Accepted events waiting to be published to Kafka',
    registers: [registry],
    // Every worker of a clustered app reads the same outbox: the app's figure is theirs, not their sum.
    aggregator: 'max',
    collect() {
      this.set(backlog.size());
    },
  });
  new Gauge({
    name: 'backbone_outbox_oldest_age_seconds',
    help: 'Age of the oldest event waiting in the outbox',
    registers: [registry],
    aggregator: 'max',
    collect() {
      this.set(backlog.oldestAgeSeconds());
    },
  });
}
