import { dataItemFromJson, type DataCategory, type Decision } from '@backbone/access-control';
import type { PatientIdentifier } from '@backbone/audit';
import type { FeedCursor } from './feed-cursor';
import type { ContentLevel } from './subscriber-registry';

/** One row of a recipient's feed as read from the read model (the recipient's row joined with the patient store). */
export interface FeedRow {
  seq: string;
  itemKey: string;
  patientKey: string;
  eventId: string;
  category: DataCategory;
  status: string;
  /** A tombstone: the recipient lost the item; its copy must go. */
  removed: boolean;
  /** From the patient store; null only if the store has lost the item (never expected). */
  eventType: string | null;
  dataRef: string | null;
  access: Record<string, unknown> | null;
  /** envelope.patient of the item's event: for the audit record only, never delivered. */
  patient: PatientIdentifier | null;
  /** The event itself (a value that renders as JSON the way the APIs return it), read only for full content. */
  content: unknown;
}

/** One entry as a subscriber receives it. */
export interface FeedEntry {
  /** The recipient's feed number at the item's last change. */
  seq: string;
  /** The entry delivered before this one in this chain; null for the first. A subscriber whose last stored seq differs has missed something. */
  previousSeq: string | null;
  itemKey: string;
  eventId: string;
  eventType: string | null;
  category: DataCategory;
  status: string;
  removed: boolean;
  dataRef: string | null;
  /** The pseudonymous patient key (never the identity number). */
  patientKey: string;
  /** The event itself, only at content level full (never on a tombstone). */
  event?: unknown;
}

/** What was delivered (or withheld) of one patient in one page: one audit record each. */
export interface PatientDelivery {
  patientKey: string;
  patient: PatientIdentifier;
  shown: Array<{ itemKey: string; category: DataCategory; decision: Decision }>;
  denied: Array<{ itemKey: string; category: DataCategory; decision: Decision }>;
}

export interface FeedPage {
  entries: FeedEntry[];
  /** Where the next page starts: past every row read, shown or withheld. */
  next: FeedCursor;
  /** Per patient, for the audit trail (tombstones carry no data and are not in it). */
  deliveries: PatientDelivery[];
}

/** The engine's answer for this recipient and item now (recipientDecision over the current access model). */
export type RecipientDecider = (patientKey: string, item: ReturnType<typeof dataItemFromJson>) => Decision;

/**
 * Decides a page of feed rows, in feed order: each live item is decided again now and shown only on
 * a permit (deny by default: an item without its access data is withheld); tombstones are always
 * shown, id-only, so a subscriber deletes its copy. Every entry names the entry shown before it.
 */
export function decideFeedPage(rows: readonly FeedRow[], after: FeedCursor, content: ContentLevel, decide: RecipientDecider): FeedPage {
  const entries: FeedEntry[] = [];
  const deliveries = new Map<string, PatientDelivery>();
  let deliveredSeq = after.deliveredSeq;
  let readSeq = after.readSeq;
  const deliveryOf = (row: FeedRow): PatientDelivery | undefined => {
    if (!row.patient) return undefined;
    let delivery = deliveries.get(row.patientKey);
    if (!delivery) deliveries.set(row.patientKey, (delivery = { patientKey: row.patientKey, patient: row.patient, shown: [], denied: [] }));
    return delivery;
  };
  for (const row of rows) {
    const seq = BigInt(row.seq);
    if (seq > readSeq) readSeq = seq;
    let full = false;
    if (!row.removed) {
      const decision: Decision | undefined = row.access ? decide(row.patientKey, dataItemFromJson(row.access)) : undefined;
      const delivery = deliveryOf(row);
      if (!decision || decision.effect !== 'PERMIT') {
        if (decision && delivery) delivery.denied.push({ itemKey: row.itemKey, category: row.category, decision });
        continue;
      }
      // Data that cannot be attributed to a patient cannot be audited, so it does not leave.
      if (!delivery) continue;
      delivery.shown.push({ itemKey: row.itemKey, category: row.category, decision });
      full = content === 'full' && row.content !== null && row.content !== undefined;
    }
    const entry: FeedEntry = {
      seq: row.seq,
      previousSeq: deliveredSeq === null ? null : deliveredSeq.toString(),
      itemKey: row.itemKey,
      eventId: row.eventId,
      eventType: row.eventType,
      category: row.category,
      status: row.status,
      removed: row.removed,
      dataRef: row.removed ? null : row.dataRef,
      patientKey: row.patientKey,
    };
    if (full) entry.event = row.content;
    entries.push(entry);
    deliveredSeq = seq;
  }
  return {
    entries,
    next: { version: after.version, readSeq, deliveredSeq },
    deliveries: [...deliveries.values()].filter((d) => d.shown.length > 0 || d.denied.length > 0),
  };
}
