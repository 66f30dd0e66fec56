import { Counter, Registry } from 'prom-client';
import { OutboxBacklog, registerOutboxGauges, RelayMetrics } from '@backbone/publisher';

/** The relay's figures: what it published, how often Kafka refused, what waits. */
export class OutboxRelayMetrics implements RelayMetrics {
  private readonly relayed: Counter;
  private readonly failures: Counter;

  constructor(registry: Registry, backlog: OutboxBacklog) {
    this.relayed = new Counter({ name: 'backbone_outbox_published_total', help: 'Events the relay published to Kafka', registers: [registry] });
    this.failures = new Counter({ name: 'backbone_outbox_publish_failures_total', help: 'Relay rounds that failed (Kafka unreachable)', registers: [registry] });
    registerOutboxGauges(registry, backlog);
  }

  published(count: number): void {
    this.relayed.inc(count);
  }

  failed(): void {
    this.failures.inc();
  }
}
