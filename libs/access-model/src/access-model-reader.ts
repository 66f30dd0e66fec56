import type { Pool } from 'pg';
import {
  AccessIndex,
  explain,
  factsFromJson,
  NO_FACTS,
  type DataItem,
  type Decision,
  type Explanation,
  type PatientAccessFacts,
  type PolicyTable,
  type Requester,
} from '@backbone/access-control';

/** One patient's access facts as changed, as `accessChangesSql` returns them. */
export interface AccessChange {
  patientKey: string;
  facts: object;
  /** access_patient.change_seq, as text (a bigint). */
  changeSeq: string;
}

/** Changes read at most per statement. */
const CHANGES_PAGE = 10_000;

/**
 * A scalar subquery: the changes after change_seq `sinceParam` (at most `limitParam` of them), as a
 * JSON array of AccessChange in change_seq order, or NULL when there are none (nearly always). The
 * parameters are placeholders of the statement it goes into (`$4`); pass them `changesSince()`.
 */
export function accessChangesSql(sinceParam: string, limitParam: string): string {
  return `(SELECT json_agg(json_build_object('patientKey', c.patient_key, 'facts', c.facts, 'changeSeq', c.change_seq::text) ORDER BY c.change_seq)
     FROM (SELECT patient_key, facts, change_seq FROM access_patient WHERE change_seq > ${sinceParam}::bigint ORDER BY change_seq LIMIT ${limitParam}::int) c)`;
}

/**
 * Reads the access model the access projector keeps in PostgreSQL, for the paths that show data
 * (query, feed, webhook, export) and for explanations. It keeps an in-memory AccessIndex and
 * follows access_patient.change_seq, so `refresh()` reads only what changed since the last call;
 * the projector numbers changes under a lock, in commit order, so nothing committed is skipped.
 * Call `refresh()` once per request that must see every processed revocation (one indexed query
 * that returns nothing when nothing changed), or on an interval where seconds of lag are fine; or
 * read the changes in the request's own statement (`accessChangesSql`, `changesSince()`) and hand
 * them to `tookChanges()` before deciding, for one round trip instead of two.
 */
export class AccessModelReader {
  readonly index: AccessIndex;
  private lastSeq = 0n;

  constructor(
    private readonly pool: Pool,
    /** The policy table its decisions use. */
    readonly table: PolicyTable,
  ) {
    this.index = new AccessIndex(table);
  }

  private reading?: Promise<number>;
  private next?: Promise<number>;

  /**
   * Reads every change committed before this call into the index; returns how many patients
   * changed. Concurrent callers share reads: a read already running may have started before a
   * caller's change committed, so callers that arrive during it share the one read after it.
   * Under load that is two reads in flight at most, whatever the request rate.
   */
  refresh(): Promise<number> {
    if (!this.reading) {
      this.reading = this.readChanges().finally(() => (this.reading = undefined));
      return this.reading;
    }
    this.next ??= this.reading
      .catch(() => undefined)
      .then(() => {
        this.next = undefined;
        return this.refresh();
      });
    return this.next;
  }

  private async readChanges(): Promise<number> {
    let changed = 0;
    for (;;) {
      // Named: asked on every request that must see the latest revocations, planned once per connection.
      const { rows } = await this.pool.query<{ changes: AccessChange[] | null }>({
        name: 'access-model-changes',
        text: `SELECT ${accessChangesSql('$1', '$2')} AS changes`,
        values: [this.lastSeq.toString(), CHANGES_PAGE],
      });
      const page = rows[0].changes ?? [];
      changed += this.applyChanges(page);
      if (page.length < CHANGES_PAGE) return changed;
    }
  }

  /**
   * What a read must pass to `accessChangesSql` for the changes this reader has not seen: the last
   * change applied and the page size. For a statement that reads the changes along with its own
   * rows (one round trip instead of two); its `changes` go to `tookChanges` before any decision.
   */
  changesSince(): [since: string, pageSize: number] {
    return [this.lastSeq.toString(), CHANGES_PAGE];
  }

  /**
   * Takes a page of changes read with `accessChangesSql` into the index. A full page may not be
   * all: the rest is read with refresh() before this resolves, so the caller decides over every
   * change committed before its statement.
   */
  async tookChanges(changes: readonly AccessChange[] | null): Promise<void> {
    const page = changes ?? [];
    this.applyChanges(page);
    if (page.length >= CHANGES_PAGE) await this.refresh();
  }

  /**
   * Applies changes read in change_seq order; returns how many were new. Reads overlap (a read
   * piggybacked on a query and a refresh, each from the position it started at), and each returns
   * every change after its start that its snapshot holds (numbers are taken in commit order), so
   * skipping what is at or below the position applied keeps the index a prefix of the changes and
   * never puts an older version of a patient's facts over a newer one.
   */
  private applyChanges(changes: readonly AccessChange[]): number {
    let applied = 0;
    for (const change of changes) {
      const seq = BigInt(change.changeSeq);
      if (seq <= this.lastSeq) continue;
      this.index.put(change.patientKey, factsFromJson(change.facts));
      this.lastSeq = seq;
      applied += 1;
    }
    return applied;
  }

  /**
   * Decides over what the last refresh() read: no round trip, so a request refreshes once and then
   * decides each of its items.
   */
  decide(patientKey: string, requester: Requester, item: DataItem, at: Date): Decision {
    return this.index.decide(patientKey, requester, item, at);
  }

  /** The facts as stored now, straight from PostgreSQL (for explanations: never a stale copy). */
  async factsOf(patientKey: string): Promise<PatientAccessFacts> {
    const { rows } = await this.pool.query<{ facts: object }>('SELECT facts FROM access_patient WHERE patient_key = $1', [patientKey]);
    return rows[0] ? factsFromJson(rows[0].facts) : NO_FACTS;
  }

  /** "Why was this item permitted or denied for this requester at this time?", rule by rule. */
  async explain(patientKey: string, requester: Requester, item: DataItem, at: Date): Promise<Explanation> {
    return explain(await this.factsOf(patientKey), requester, item, at, this.table);
  }
}
