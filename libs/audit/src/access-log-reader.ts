import type { Pool } from 'pg';
import type { AccessLogEntry } from './audit-trail';

/** One line of the citizen's access log. */
export interface AccessLogLine extends AccessLogEntry {
  accessId: string;
  accessedAt: string;
  actorKind: string;
  outcome: 'PERMIT' | 'DENY';
  reasonCode: string;
  emergency: boolean;
  sperringOverride: boolean;
}

export interface AccessLogPage {
  lines: AccessLogLine[];
  /** Pass as `before` for the next (older) page; absent on the last page. */
  next?: { accessedAt: string; accessId: string };
}

/** Reads a patient's access log, newest first, by keyset pages (stable while new accesses arrive). */
export class AccessLogReader {
  constructor(private readonly pool: Pool) {}

  async page(patientKey: string, options: { limit: number; before?: { accessedAt: string; accessId: string } }): Promise<AccessLogPage> {
    const { rows } = await this.pool.query<{
      access_id: string;
      accessed_at: Date;
      actor_kind: string;
      outcome: 'PERMIT' | 'DENY';
      reason_code: string;
      emergency: boolean;
      sperring_override: boolean;
      entry: AccessLogEntry;
    }>(
      `SELECT access_id, accessed_at, actor_kind, outcome, reason_code, emergency, sperring_override, entry
         FROM access_log
        WHERE patient_key = $1 AND ($2::timestamptz IS NULL OR (accessed_at, access_id) < ($2::timestamptz, $3::uuid))
        ORDER BY accessed_at DESC, access_id DESC
        LIMIT $4`,
      [patientKey, options.before?.accessedAt ?? null, options.before?.accessId ?? null, options.limit + 1],
    );
    const lines = rows.slice(0, options.limit).map((row) => ({
      ...row.entry,
      accessId: row.access_id,
      accessedAt: row.accessed_at.toISOString(),
      actorKind: row.actor_kind,
      outcome: row.outcome,
      reasonCode: row.reason_code,
      emergency: row.emergency,
      sperringOverride: row.sperring_override,
    }));
    const last = lines[lines.length - 1];
    return rows.length > options.limit && last ? { lines, next: { accessedAt: last.accessedAt, accessId: last.accessId } } : { lines };
  }
}
