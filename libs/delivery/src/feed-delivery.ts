import type { Pool } from 'pg';
import { recipientDecision, type PolicyTable } from '@backbone/access-control';
import type { AccessModelReader } from '@backbone/access-model';
import type { SystemPrincipal } from '@backbone/auth';
import { liveProjectionVersion } from '@backbone/projection';
import { RECIPIENT_MODEL, recipientModelTables, type StoredEvents } from '@backbone/recipient-model';
import { NO_OBSERVER, type DeliveryObserver } from './delivery-observer';
import { decodeCursor, feedStart, type FeedCursor } from './feed-cursor';
import { decideFeedPage, type FeedEntry, type FeedRow } from './feed-page';
import { deliveryAccessRecords, type AccessRecorder, type DeliveryApi } from './delivery-audit';
import type { ContentLevel } from './subscriber-registry';

export interface FeedRequest {
  /** The subscribing system (already authorised for this recipient and content level). */
  principal: SystemPrincipal;
  recipientKey: string;
  after: FeedCursor;
  limit: number;
  content: ContentLevel;
  api: DeliveryApi;
}

export interface DeliveredPage {
  entries: FeedEntry[];
  next: FeedCursor;
  /** The page was full: more rows may follow at once. */
  hasMore: boolean;
}

export type CursorResolution = { ok: true; cursor: FeedCursor } | { ok: false; kind: 'invalid'; rule: string } | { ok: false; kind: 'unavailable' };

/**
 * A recipient's feed as delivered to a subscriber: the live version of the recipient read model in
 * feed order after a cursor, each item decided again by the need-to-know engine over the access
 * model as it is now (refreshed once per page), and the delivery recorded in the audit trail
 * before the page is returned, so nothing leaves unaudited. If the audit cannot be written the
 * page is not delivered (the call rejects).
 */
export class FeedDelivery {
  constructor(
    private readonly pool: Pool,
    private readonly access: AccessModelReader,
    private readonly table: PolicyTable,
    private readonly audit: AccessRecorder,
    /** Reads the patient store's events: whose each item is (for the audit record), and the event itself at content level full. */
    private readonly events: StoredEvents,
    private readonly clock: () => Date = () => new Date(),
    private readonly name: string = RECIPIENT_MODEL,
    private readonly observer: DeliveryObserver = NO_OBSERVER,
  ) {}

  liveVersion(): Promise<number | undefined> {
    return liveProjectionVersion(this.pool, this.name);
  }

  /** The start of the live feed, or the position a subscriber's cursor names (checked against the live version). */
  async resolveCursor(text: string | undefined): Promise<CursorResolution> {
    const version = await this.liveVersion();
    if (version === undefined) return { ok: false, kind: 'unavailable' };
    if (text === undefined) return { ok: true, cursor: feedStart(version) };
    const decoded = decodeCursor(text, version);
    return decoded.ok ? decoded : { ok: false, kind: 'invalid', rule: decoded.rule };
  }

  async deliver(request: FeedRequest): Promise<DeliveredPage> {
    const t = recipientModelTables(request.after.version);
    const [{ rows: stored }] = await Promise.all([
      this.pool.query<StoredFeedRow>(
        // The page is cut first (the feed index, in seq order), then joined: a planner without
        // fresh statistics would otherwise join the whole rest of the feed and sort it (seen: 190 ms
        // instead of 0.3 ms a page on a freshly loaded table).
        `WITH page AS (
           SELECT seq, item_key, patient_key, event_id, category, status, removed_at
             FROM ${t.recipientItem}
            WHERE recipient_key = $1 AND seq > $2
            ORDER BY seq
            LIMIT $3)
         SELECT r.seq, r.item_key AS "itemKey", r.patient_key AS "patientKey", r.event_id AS "eventId", r.category, r.status,
                r.removed_at IS NOT NULL AS removed, p.event_type AS "eventType", p.data_ref AS "dataRef", p.access,
                CASE WHEN r.removed_at IS NULL THEN p.content END AS stored
           FROM page r LEFT JOIN ${t.patientItem} p ON p.patient_key = r.patient_key AND p.item_key = r.item_key
          ORDER BY r.seq`,
        [request.recipientKey, request.after.readSeq.toString(), request.limit],
      ),
      // Every revocation the access projector has committed before this page is read counts
      // (concurrent pages share the reads: AccessModelReader.refresh).
      this.access.refresh(),
    ]);
    const rows = await Promise.all(stored.map((row) => this.feedRowOf(row, request.content === 'full')));
    const at = this.clock();
    const facts = this.access.index;
    const page = decideFeedPage(rows, request.after, request.content, (patientKey, item) =>
      recipientDecision(facts.factsOf(patientKey), request.recipientKey, item, at, this.table),
    );
    if (page.deliveries.length > 0) {
      await this.audit.record(deliveryAccessRecords(request.principal, request.recipientKey, page.deliveries, request.api, at));
    }
    this.observer.page(request.api, page.entries.length, page.deliveries.reduce((sum, d) => sum + d.denied.length, 0));
    return { entries: page.entries, next: page.next, hasMore: rows.length === request.limit };
  }

  /** Whose the item is, and at content level full the event itself, from the patient store's event (decoded once). */
  private async feedRowOf({ stored, ...row }: StoredFeedRow, full: boolean): Promise<FeedRow> {
    if (!stored) return { ...row, patient: null, content: null };
    const { patient, event } = await this.events.read(stored);
    return { ...row, patient, content: full ? event : null };
  }
}

/** A feed row as read: the patient store's event still as stored (a tombstone's is not read). */
type StoredFeedRow = Omit<FeedRow, 'patient' | 'content'> & { stored: Buffer | null };
