import type { DeliveryApi } from './delivery-audit';

/** What operators count of delivery (apps/delivery turns it into Prometheus metrics). */
export interface DeliveryObserver {
  /** A page left: how many entries were sent and how many the engine withheld at delivery time. */
  page(api: DeliveryApi, delivered: number, withheld: number): void;
  /** One webhook attempt and how it ended. */
  webhookAttempt(outcome: 'delivered' | 'failed' | 'dead-lettered'): void;
}

export const NO_OBSERVER: DeliveryObserver = { page: () => undefined, webhookAttempt: () => undefined };
