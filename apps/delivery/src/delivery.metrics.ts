import { Counter, type Registry } from 'prom-client';
import type { DeliveryApi, DeliveryObserver } from '@backbone/delivery';

/** What operators watch on delivery: entries sent and withheld per API, webhook attempts by outcome (alert on dead-lettered). */
export class DeliveryMetrics implements DeliveryObserver {
  private readonly delivered: Counter<'api'>;
  private readonly withheld: Counter<'api'>;
  private readonly attempts: Counter<'outcome'>;

  constructor(registry: Registry) {
    this.delivered = new Counter({ name: 'backbone_delivery_entries_total', help: 'Feed entries delivered, by API (GET /feed, GET /feed/stream, webhook)', labelNames: ['api'], registers: [registry] });
    this.withheld = new Counter({ name: 'backbone_delivery_withheld_total', help: 'Feed entries the engine withheld at delivery time, by API', labelNames: ['api'], registers: [registry] });
    this.attempts = new Counter({ name: 'backbone_webhook_attempts_total', help: 'Webhook attempts by outcome (delivered, failed, dead-lettered)', labelNames: ['outcome'], registers: [registry] });
  }

  page(api: DeliveryApi, delivered: number, withheld: number): void {
    if (delivered > 0) this.delivered.inc({ api }, delivered);
    if (withheld > 0) this.withheld.inc({ api }, withheld);
  }

  webhookAttempt(outcome: 'delivered' | 'failed' | 'dead-lettered'): void {
    this.attempts.inc({ outcome });
  }
}
