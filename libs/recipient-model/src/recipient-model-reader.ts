import type { Pool } from 'pg';
import { dataItemFromJson, recipientKeyOf, type CitizenRequester, type DataCategory, type DataItem, type Decision, type HealthWorkerRequester } from '@backbone/access-control';
import { accessChangesSql, type AccessChange, type AccessModelReader } from '@backbone/access-model';
import { RoundTripBatcher } from '@backbone/persistence';
import { liveProjectionVersion } from '@backbone/projection';
import { RECIPIENT_MODEL, recipientModelTables } from './recipient-model-tables';
import type { StoredEvents } from './stored-event';

/** One item a requester may see, with the decision that let it through. */
export interface VisibleItem {
  itemKey: string;
  eventType: string;
  status: string;
  category: DataCategory;
  dataRef: string | null;
  eventId: string;
  /** The recipient's feed number at the item's last change (none when read from the patient store). */
  seq: string | null;
  recipientKey: string;
  /** The event that last changed the item, as JSON text (rendered from the patient store only for items shown); null when not asked for. */
  content: string | null;
  access: DataItem;
  /** access.occurredAt as ISO-8601 text in toISOString's form, what the answers show. */
  occurredAtText: string;
  decision: Decision;
}

/**
 * The recipient read models as the query paths read them: from the version that is live now, and
 * re-checked item by item with the need-to-know engine over the access model as it is at this
 * moment. The projector's rows are a pre-filter, never the decision: a relationship that ended, a
 * block or a withdrawn consent hides an item at the next request, before the projector cleans up.
 */
export class RecipientModelReader {
  private live?: { version: number | undefined; readAt: number };
  private readonly candidates = new Map<number, RoundTripBatcher<CandidateQuery, CandidateRow[]>>();

  constructor(
    private readonly pool: Pool,
    private readonly access: AccessModelReader,
    /** Renders the patient store's events for the items shown. */
    private readonly events: StoredEvents,
    private readonly name: string = RECIPIENT_MODEL,
    /** How long the live version is remembered: a switch reaches readers within this time. */
    private readonly versionTtlMs = 1_000,
  ) {}

  /** The live version, asked of PostgreSQL at most once per versionTtlMs. */
  private async liveVersion(): Promise<number | undefined> {
    const now = Date.now();
    if (this.live && now - this.live.readAt < this.versionTtlMs) return this.live.version;
    const version = await liveProjectionVersion(this.pool, this.name);
    this.live = { version, readAt: now };
    return version;
  }

  /**
   * What a health worker may see of a patient now, from the read models of the recipients they act
   * for (their organisation, point of care and department, and themselves). Items the engine denies
   * are left out; `denied` holds their decisions (for the audit record, never shown).
   */
  async itemsFor(
    requester: HealthWorkerRequester,
    patientKey: string,
    options: { categories?: readonly DataCategory[]; at?: Date; withContent?: boolean } = {},
  ): Promise<{ items: VisibleItem[]; denied: Decision[] }> {
    const version = await this.liveVersion();
    if (version === undefined) {
      // Nothing to read, but the caller's verdict still asks the engine.
      await this.access.refresh();
      return { items: [], denied: [] };
    }
    const t = recipientModelTables(version);
    // The access model's changes come with the candidates (see readCandidates): no refresh of its own.
    const [rows] = await this.candidateReads(version).submit([{ recipientKeys: recipientKeysOf(requester), patientKey, categories: options.categories ?? null }]);
    const decided = this.decideEach(rows, requester, options.at ?? new Date(), () => patientKey);
    // The events are read only for what was permitted: reading them for every candidate would make
    // a denied patient with large items answer measurably slower than an unknown one.
    if ((options.withContent ?? true) && decided.items.length > 0) await this.attachContent(t.patientItem, patientKey, decided.items);
    return { items: decided.items, denied: decided.denied };
  }

  private async attachContent(patientItem: string, patientKey: string, items: VisibleItem[]): Promise<void> {
    const { rows } = await this.pool.query<{ item_key: string; content: Buffer }>(
      `SELECT item_key, content FROM ${patientItem} WHERE patient_key = $1 AND item_key = ANY($2::text[])`,
      [patientKey, items.map((i) => i.itemKey)],
    );
    const contentOf = new Map(rows.map((r) => [r.item_key, r.content]));
    await this.renderContent(items, items.map((item) => contentOf.get(item.itemKey) ?? null));
  }

  /** The batcher of candidate reads for a version: concurrent requests share one statement. */
  private candidateReads(version: number): RoundTripBatcher<CandidateQuery, CandidateRow[]> {
    let reads = this.candidates.get(version);
    if (!reads) this.candidates.set(version, (reads = new RoundTripBatcher((queries) => this.readCandidates(version, queries), CANDIDATE_BATCH)));
    return reads;
  }

  /**
   * The candidate items of several requests in one statement, each request's rows apart (its
   * ordinal): each is filtered by its own recipients and patient inside the LATERAL, exactly as a
   * statement of its own would be, so a request never sees another's rows.
   *
   * The same statement reads the access model's changes since the last ones taken (a row of its
   * own, ordinal 0), and they are in the engine's index before any of the requests decides: every
   * request decides over every change committed before its statement began, as with a refresh of
   * its own, for one round trip instead of two.
   */
  private async readCandidates(version: number, queries: readonly CandidateQuery[]): Promise<CandidateRow[][]> {
    const t = recipientModelTables(version);
    const { rows } = await this.pool.query<CandidateRow & { n: number; changes: AccessChange[] | null }>({
      // Named: PostgreSQL plans it once per connection (planning cost more than running it).
      name: `recipient-items-batch-v${version}`,
      // DISTINCT ON: an item held by two of the requester's recipients (the department and the
      // practitioner) is shown once. Recipient keys and category codes hold no comma.
      text: `SELECT 0 AS n, NULL AS item_key, NULL AS event_type, NULL AS status, NULL AS category, NULL AS data_ref, NULL::uuid AS event_id,
              NULL::bigint AS seq, NULL AS recipient_key, NULL::bytea AS content, NULL::jsonb AS access, ${accessChangesSql('$4', '$5')} AS changes
       UNION ALL
       SELECT q.n::int AS n, x.*, NULL AS changes
         FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS q(recipient_keys, patient_key, categories, n)
         CROSS JOIN LATERAL (
           SELECT DISTINCT ON (p.item_key) p.item_key, p.event_type, p.status, p.category, p.data_ref, p.event_id, r.seq, r.recipient_key,
                  NULL::bytea AS content, p.access
             FROM ${t.recipientItem} r JOIN ${t.patientItem} p ON p.patient_key = r.patient_key AND p.item_key = r.item_key
            WHERE r.recipient_key = ANY(string_to_array(q.recipient_keys, ',')) AND r.patient_key = q.patient_key AND r.removed_at IS NULL
              AND (q.categories IS NULL OR p.category = ANY(string_to_array(q.categories, ',')))
            ORDER BY p.item_key, r.seq DESC) x
        ORDER BY n, item_key`,
      values: [queries.map((q) => q.recipientKeys.join(',')), queries.map((q) => q.patientKey), queries.map((q) => q.categories?.join(',') ?? null), ...this.access.changesSince()],
    });
    const byQuery: CandidateRow[][] = queries.map(() => []);
    let changes: AccessChange[] | null = null;
    for (const { n, changes: read, ...row } of rows) {
      if (n === 0) changes = read;
      else byQuery[n - 1].push(row);
    }
    await this.access.tookChanges(changes);
    return byQuery;
  }

  /**
   * A health worker's inbox: the newest items (across patients) that reached the recipients they
   * act for since a time, each decided now; what the engine denies is left out.
   */
  async inboxFor(requester: HealthWorkerRequester, options: { since: Date; limit: number; at?: Date }): Promise<Array<VisibleItem & { patientKey: string }>> {
    const [version] = await Promise.all([this.liveVersion(), this.access.refresh()]);
    if (version === undefined) return [];
    const t = recipientModelTables(version);
    const { rows } = await this.pool.query<PatientItemRow & { seq: string; recipient_key: string; patient_key: string }>(
      // An item held by two of the requester's recipients (their department and themselves) is
      // listed once, at its latest change; the newest first.
      `SELECT * FROM (
         SELECT DISTINCT ON (p.patient_key, p.item_key) p.patient_key, p.item_key, p.event_type, p.status, p.category, p.data_ref, p.event_id,
                r.seq, r.recipient_key, r.updated_at, p.content, p.access
           FROM ${t.recipientItem} r JOIN ${t.patientItem} p ON p.patient_key = r.patient_key AND p.item_key = r.item_key
          WHERE r.recipient_key = ANY($1::text[]) AND r.removed_at IS NULL AND r.updated_at >= $2
          ORDER BY p.patient_key, p.item_key, r.updated_at DESC) latest
        ORDER BY updated_at DESC, patient_key, item_key
        LIMIT $3`,
      [recipientKeysOf(requester), options.since, options.limit],
    );
    return (await this.rendered(this.decideEach(rows, requester, options.at ?? new Date(), (r) => r.patient_key))).items;
  }

  /**
   * What the citizen may see of their own data now: every item of the patient store (a citizen is
   * no recipient), each decided for the citizen, so items under delayed release (NORU, a lab's
   * releaseToCitizenAt) stay hidden until released.
   */
  async itemsForCitizen(requester: CitizenRequester, patientKey: string, options: { categories?: readonly DataCategory[]; at?: Date } = {}): Promise<{ items: VisibleItem[]; denied: Decision[] }> {
    const version = await this.liveVersion();
    if (version === undefined) return { items: [], denied: [] };
    const t = recipientModelTables(version);
    const { rows } = await this.pool.query<PatientItemRow>(
      `SELECT item_key, event_type, status, category, data_ref, event_id, content, access
         FROM ${t.patientItem}
        WHERE patient_key = $1 AND ($2::text[] IS NULL OR category = ANY($2::text[]))
        ORDER BY item_key`,
      [patientKey, options.categories ?? null],
    );
    // The citizen's decision needs no access facts (blocks bind health personnel, not the patient).
    return this.rendered(this.decideEach(rows, requester, options.at ?? new Date(), () => patientKey));
  }

  /** Decides every row for the requester now: the permitted ones as items, the denials for the audit record. */
  private decideEach<R extends PatientItemRow & { seq?: string; recipient_key?: string }>(
    rows: readonly R[],
    requester: HealthWorkerRequester | CitizenRequester,
    at: Date,
    patientKeyOf: (row: R) => string,
  ): Decided {
    const items: Array<VisibleItem & { patientKey: string }> = [];
    const denied: Decision[] = [];
    const stored: Array<Buffer | null> = [];
    for (const r of rows) {
      const access = dataItemFromJson(r.access);
      const patientKey = patientKeyOf(r);
      const decision = this.access.decide(patientKey, requester, access, at);
      if (decision.effect === 'PERMIT') {
        items.push(visibleItem(r, access, decision, r.seq ?? null, r.recipient_key ?? '', patientKey));
        stored.push(r.content);
      } else denied.push(decision);
    }
    return { items, denied, stored };
  }

  /** The decided items with their events rendered (only what is shown is ever rendered). */
  private async rendered({ items, denied, stored }: Decided): Promise<{ items: Array<VisibleItem & { patientKey: string }>; denied: Decision[] }> {
    await this.renderContent(items, stored);
    return { items, denied };
  }
  /** Each item's event (stored[i] for items[i]) as JSON text; null where none was stored. */
  private async renderContent(items: VisibleItem[], stored: ReadonlyArray<Buffer | null>): Promise<void> {
    await Promise.all(
      items.map(async (item, i) => {
        const content = stored[i];
        item.content = content ? await this.events.json(content) : null;
      }),
    );
  }

}

interface PatientItemRow {
  item_key: string;
  event_type: string;
  status: string;
  category: DataCategory;
  data_ref: string | null;
  event_id: string;
  /** The event as the patient store keeps it (see StoredEvents); null where the query did not read it. */
  content: Buffer | null;
  access: Record<string, unknown>;
}

/** One request's candidate read: the requester's recipients, the patient, the categories asked for (null: all). */
interface CandidateQuery {
  recipientKeys: string[];
  patientKey: string;
  categories: readonly DataCategory[] | null;
}

type CandidateRow = PatientItemRow & { seq: string; recipient_key: string };

/** Requests whose candidates are read in one statement at most. */
const CANDIDATE_BATCH = 32;

/** Decided rows: the permitted items (content not yet rendered) with their stored events, and the denials. */
interface Decided {
  items: Array<VisibleItem & { patientKey: string }>;
  denied: Decision[];
  stored: Array<Buffer | null>;
}

function visibleItem(r: PatientItemRow, access: DataItem, decision: Decision, seq: string | null, recipientKey: string, patientKey: string): VisibleItem & { patientKey: string } {
  return {
    patientKey,
    itemKey: r.item_key,
    eventType: r.event_type,
    status: r.status,
    category: r.category,
    dataRef: r.data_ref,
    eventId: r.event_id,
    seq,
    recipientKey,
    content: null,
    access,
    occurredAtText: instantText(r.access.occurredAt, access.occurredAt),
    decision,
  };
}

/** toISOString's form exactly (four-digit years, milliseconds, Z). */
const ISO_INSTANT = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/**
 * A stored instant as the answers write it. The projector stores access facts as JSON, so a Date
 * is stored as its toISOString: that text is used as it is, where formatting the parsed Date again
 * cost ~1 µs an item on a slow host. Any other form is formatted from the parsed Date.
 */
export function instantText(stored: unknown, parsed: Date): string {
  return typeof stored === 'string' && ISO_INSTANT.test(stored) ? stored : parsed.toISOString();
}

/**
 * The recipient keys a health worker reads through: each level of their attested place (the legal
 * entity, its point of care, the department), as an organisation and as themselves. Which of these
 * hold anything is the projector's business; what may be shown is decided per item.
 */
export function recipientKeysOf(requester: HealthWorkerRequester): string[] {
  const levels = [
    { legalEntity: requester.legalEntity },
    ...(requester.pointOfCare ? [{ legalEntity: requester.legalEntity, pointOfCare: requester.pointOfCare }] : []),
    ...(requester.pointOfCare && requester.department ? [{ legalEntity: requester.legalEntity, pointOfCare: requester.pointOfCare, department: requester.department }] : []),
    // A governance event may name the department without its point of care (an emergency access
    // registered by a hospital's record system often does): that recipient is the same people.
    ...(requester.department ? [{ legalEntity: requester.legalEntity, department: requester.department }] : []),
  ];
  return levels.flatMap((level) => [recipientKeyOf(level), ...(requester.hprNumber ? [recipientKeyOf({ ...level, practitionerHpr: requester.hprNumber })] : [])]);
}
