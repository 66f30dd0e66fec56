import type { DataCategory } from '@backbone/access-control';
import { jsonString as q } from '@backbone/platform';
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
  // Written out rather than JSON.stringify of an object per item: this runs for every item of every
  // answer and was the query API's largest cost of its own. Every string goes through jsonString.
  return (
    `{"itemKey":${q(item.itemKey)},"category":${q(item.category)},"eventType":${q(item.eventType)},"status":${q(item.status)}` +
    `,"occurredAt":"${item.occurredAtText}","custodian":${q(item.access.custodian)},"eventId":${q(item.eventId)}` +
    `,"dataRef":${item.dataRef === null ? 'null' : q(item.dataRef)},"basis":"${item.decision.reason}"` +
    `${item.decision.flags.emergency ? ',"emergency":true' : ''}${item.content === null ? '' : `,"event":${item.content}`}}`
  );
}

export function viewJson(accessId: string, categories: readonly DataCategory[] | undefined, items: readonly VisibleItem[]): string {
  return `{"accessId":${q(accessId)},"categories":${JSON.stringify(categories ?? null)},"count":${items.length},"items":[${items.map(itemJson).join(',')}]}`;
}
