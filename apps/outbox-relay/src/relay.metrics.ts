import { Counter, Histogram, Registry } from 'prom-client';
import { OutboxBacklog, registerOutboxGauges, RelayMetrics } from '@backbone/publisher';

/** The relay's figures: what it published, how often Kafka refused, what waits. */
export class OutboxRelayMetrics implements RelayMetrics {
  private readonly relayed: Counter;
  private readonly failures: Counter;
  private readonly delay: Histogram;

  constructor(registry: Registry, backlog: OutboxBacklog) {
    this.relayed = new Counter({ name: 'backbone_outbox_published_total', help: 'Events the relay published to Kafka', registers: [registry] });
    this.failures = new Counter({ name: 'backbone_outbox_publish_failures_total', help: 'Relay rounds that failed (Kafka unreachable)', registers: [registry] });
    this.delay = new Histogram({
      name: 'backbone_outbox_publish_delay_seconds',
      help: 'From an accepted request\'s transaction to Kafka acknowledging its events: what the outbox adds to end-to-end latency',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    });
    registerOutboxGauges(registry, backlog);
  }

  published(count: number): void {
    this.relayed.inc(count);
  }

  waited(seconds: number[]): void {
    for (const s of seconds) this.delay.observe(s);
  }

  failed(): void {
    this.failures.inc();
  }
}
