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

/**
 * Reads the access model the access projector keeps in PostgreSQL, for the paths that show data
 * (query, feed, webhook, export) and for explanations. It keeps an in-memory AccessIndex and
 * follows access_patient.change_seq, so `refresh()` reads only what changed since the last call;
 * the projector numbers changes under a lock, in commit order, so nothing committed is skipped.
 * Call `refresh()` once per request that must see every processed revocation (one indexed query
 * that returns nothing when nothing changed), or on an interval where seconds of lag are fine.
 */
export class AccessModelReader {
  readonly index: AccessIndex;
  private lastSeq = 0n;

  constructor(
    private readonly pool: Pool,
    private readonly table: PolicyTable,
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

  private async readChanges(pageSize = 10_000): Promise<number> {
    let changed = 0;
    for (;;) {
      // Named: asked on every request that must see the latest revocations, planned once per connection.
      const { rows } = await this.pool.query<{ patient_key: string; facts: object; change_seq: string }>({
        name: 'access-model-changes',
        text: 'SELECT patient_key, facts, change_seq FROM access_patient WHERE change_seq > $1 ORDER BY change_seq LIMIT $2',
        values: [this.lastSeq.toString(), pageSize],
      });
      for (const row of rows) {
        this.index.put(row.patient_key, factsFromJson(row.facts));
        this.lastSeq = BigInt(row.change_seq);
      }
      changed += rows.length;
      if (rows.length < pageSize) return changed;
    }
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
