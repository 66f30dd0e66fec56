import { Counter, Registry } from 'prom-client';
import { OutboxBacklog, registerOutboxGauges } from '@backbone/publisher';

/** What operators watch on ingest: accepted and rejected events, and the outbox waiting for Kafka. */
export class IngestMetrics {
  private readonly accepted: Counter<'event_type'>;
  private readonly rejected: Counter<'event_type' | 'reason'>;

  constructor(registry: Registry, backlog: OutboxBacklog) {
    this.accepted = new Counter({ name: 'backbone_ingest_accepted_total', help: 'Events accepted (durable in the outbox), by type', labelNames: ['event_type'], registers: [registry] });
    this.rejected = new Counter({
      name: 'backbone_ingest_rejected_total',
      help: 'Events refused, by type and reason (invalid, forbidden, conflict, backlog-full, unauthorized)',
      labelNames: ['event_type', 'reason'],
      registers: [registry],
    });
    registerOutboxGauges(registry, backlog);
  }

  acceptedEvents(eventTypes: string[]): void {
    for (const type of eventTypes) this.accepted.inc({ event_type: type });
  }

  rejectedEvents(eventTypes: string[], reason: string): void {
    for (const type of eventTypes) this.rejected.inc({ event_type: type, reason });
  }
}
