import type { Pool } from 'pg';
import {
  audienceChanges,
  audienceOf,
  factsFromJson,
  nextTimeBoundary,
  recipientKeyOf,
  type Audience,
  type AudienceEntry,
  type DataCategory,
  type PolicyTable,
} from '@backbone/access-control';
import type { EventCodec } from '@backbone/contracts';
import { withTransaction } from '@backbone/persistence';
import { enqueueOutboxMessages } from '@backbone/publisher';
import { deterministicUuid } from '@backbone/platform';
import { ACCESS_MODEL_WRITE_LOCK, accessChangedMessages, storeAudiences, type AppliedChange } from './access-projection';

interface AudienceRow {
  patient_key: string;
  recipient_key: string;
  legal_entity: string;
  point_of_care: string | null;
  department: string | null;
  practitioner_hpr: string | null;
  categories: DataCategory[];
}

/**
 * Time-driven access changes. Governance events say when a relationship ends (validTo) or an
 * emergency access expires (expiresAt), but no event arrives at that moment. Every read decides
 * with the clock, so nothing leaks; this sweep makes the audience and the AccessChanged stream
 * follow too, so fan-out projectors clean up: it recomputes the audience of each patient whose
 * next time boundary has passed, stores it, enqueues what changed and the next boundary, in one
 * transaction under the access model's write lock (serialised with the projection).
 */
export class AccessTimeSweep {
  constructor(
    private readonly pool: Pool,
    private readonly codec: EventCodec,
    private readonly table: PolicyTable,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Sweeps up to `limit` due patients; returns how many it swept (call again while it equals limit). */
  async sweepOnce(limit = 500, now: Date = this.clock()): Promise<number> {
    return withTransaction(this.pool, async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [ACCESS_MODEL_WRITE_LOCK]);
      const { rows: due } = await tx.query<{ patient_key: string; facts: object; next_change_at: Date }>(
        'SELECT patient_key, facts, next_change_at FROM access_patient WHERE next_change_at <= $1 ORDER BY next_change_at LIMIT $2 FOR UPDATE',
        [now, limit],
      );
      if (due.length === 0) return 0;
      const keys = due.map((d) => d.patient_key);
      const { rows: stored } = await tx.query<AudienceRow>('SELECT * FROM access_audience WHERE patient_key = ANY($1::text[])', [keys]);
      const before = new Map<string, Map<string, AudienceEntry>>();
      for (const row of stored) {
        const audience = before.get(row.patient_key) ?? before.set(row.patient_key, new Map()).get(row.patient_key)!;
        const recipient = {
          legalEntity: row.legal_entity,
          ...(row.point_of_care ? { pointOfCare: row.point_of_care } : {}),
          ...(row.department ? { department: row.department } : {}),
          ...(row.practitioner_hpr ? { practitionerHpr: row.practitioner_hpr } : {}),
        };
        audience.set(row.recipient_key, { recipient: { recipientKey: recipientKeyOf(recipient), ...recipient }, categories: row.categories });
      }
      const applied: AppliedChange[] = [];
      const audiences: Array<readonly [string, Audience]> = [];
      const boundaries: Array<Date | null> = [];
      for (const { patient_key: patientKey, facts: json, next_change_at: boundary } of due) {
        const facts = factsFromJson(json);
        const after = audienceOf(facts, now, this.table);
        const changes = audienceChanges(before.get(patientKey) ?? new Map(), after, false);
        audiences.push([patientKey, after]);
        boundaries.push(nextTimeBoundary(facts, now) ?? null);
        // The cause is the boundary itself: the same boundary always gives the same change ids.
        if (changes.length > 0) applied.push({ patientKey, eventId: deterministicUuid(`time|${patientKey}|${boundary.toISOString()}`), eventType: 'TimeElapsed', changes });
      }
      await storeAudiences(tx, audiences);
      await tx.query(
        'UPDATE access_patient AS p SET next_change_at = b.next_change_at FROM ROWS FROM (unnest($1::text[]), unnest($2::timestamptz[])) AS b(patient_key, next_change_at) WHERE p.patient_key = b.patient_key',
        [keys, boundaries],
      );
      await enqueueOutboxMessages(tx, await accessChangedMessages(this.codec, applied, now));
      return due.length;
    });
  }
}
