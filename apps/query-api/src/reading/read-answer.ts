import type { DataCategory } from '@backbone/access-control';
import type { VisibleItem } from '@backbone/recipient-model';

/*
 * The JSON of the data views, built as text: each item's event is stored as JSON text and goes
 * out as it is, never parsed and serialised again (a summary of 50 items would otherwise spend
 * most of its time there).
 */

/**
 * One item in a view: what it is, when it happened, whose it is, the basis it is shown on, and
 * (in the category views) the event that last changed it.
 */
export function itemJson(item: VisibleItem): string {
  const head = {
    itemKey: item.itemKey,
    category: item.category,
    eventType: item.eventType,
    status: item.status,
    occurredAt: item.access.occurredAt.toISOString(),
    custodian: item.access.custodian,
    eventId: item.eventId,
    dataRef: item.dataRef,
    basis: item.decision.reason,
    ...(item.decision.flags.emergency ? { emergency: true } : {}),
  };
  const text = JSON.stringify(head);
  return item.content === null ? text : `${text.slice(0, -1)},"event":${item.content}}`;
}

export function viewJson(accessId: string, categories: readonly DataCategory[] | undefined, items: readonly VisibleItem[]): string {
  return `{"accessId":${JSON.stringify(accessId)},"categories":${JSON.stringify(categories ?? null)},"count":${items.length},"items":[${items.map(itemJson).join(',')}]}`;
}
