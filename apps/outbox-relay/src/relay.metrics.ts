import { Counter, Gauge, Registry } from 'prom-client';
import type { OutboxBacklog, RelayMetrics } from '@backbone/publisher';

/** The relay's figures: what it published, how often Kafka refused, what waits. */
export class OutboxRelayMetrics implements RelayMetrics {
  private readonly relayed: Counter;
  private readonly failures: Counter;

  constructor(registry: Registry, backlog: OutboxBacklog) {
    this.relayed = new Counter({ name: 'backbone_outbox_published_total', help: 'Events the relay published to Kafka', registers: [registry] });
    this.failures = new Counter({ name: 'backbone_outbox_publish_failures_total', help: 'Relay rounds that failed (Kafka unreachable)', registers: [registry] });
    new Gauge({
      name: 'backbone_outbox_backlog',
      help: 'Accepted events waiting to be published to Kafka',
      registers: [registry],
      collect() {
        this.set(backlog.size());
      },
    });
    new Gauge({
      name: 'backbone_outbox_oldest_age_seconds',
      help: 'Age of the oldest event waiting in the outbox',
      registers: [registry],
      collect() {
        this.set(backlog.oldestAgeSeconds());
      },
    });
  }

  published(count: number): void {
    this.relayed.inc(count);
  }

  failed(): void {
    this.failures.inc();
  }
}
