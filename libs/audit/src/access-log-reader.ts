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

/**
 * One line as the citizen sees it: who, from where, when, on what basis, and the answer; not which
 * items or categories were read. Those could name data still held back from the citizen (a lab
 * result before its release time, a NORU document), and the log must not tell what the data views hide.
 */
export type CitizenLogLine = Omit<AccessLogLine, 'itemIds' | 'categories' | 'clientId' | 'api' | 'relationshipId'>;

export function citizenLogLine(line: AccessLogLine): CitizenLogLine {
  const { itemIds: _items, categories: _categories, clientId: _client, api: _api, relationshipId: _relationship, ...shown } = line;
  return shown;
}

/** An access that must be reviewed after the fact (emergency access or a sperring opened), with the patient by pseudonym. */
export interface ReviewableAccess extends AccessLogLine {
  patientKey: string;
}

const LINE_COLUMNS = 'access_id, accessed_at, actor_kind, outcome, reason_code, emergency, sperring_override, entry';

interface LogRow {
  access_id: string;
  accessed_at: Date;
  actor_kind: string;
  outcome: 'PERMIT' | 'DENY';
  reason_code: string;
  emergency: boolean;
  sperring_override: boolean;
  entry: AccessLogEntry;
}

function lineOf(row: LogRow): AccessLogLine {
  return {
    ...row.entry,
    accessId: row.access_id,
    accessedAt: row.accessed_at.toISOString(),
    actorKind: row.actor_kind,
    outcome: row.outcome,
    reasonCode: row.reason_code,
    emergency: row.emergency,
    sperringOverride: row.sperring_override,
  };
}

/** Reads the access log: a patient's, newest first, by keyset pages (stable while new accesses arrive), and the accesses to review. */
export class AccessLogReader {
  constructor(private readonly pool: Pool) {}

  /**
   * Emergency accesses and sperring openings since a time, newest first: what the organisations'
   * after-the-fact review (and the backbone's log control) must look at. Permitted ones only: a
   * denied attempt showed nothing.
   */
  async toReview(options: { since: Date; limit: number }): Promise<ReviewableAccess[]> {
    const { rows } = await this.pool.query<LogRow & { patient_key: string }>(
      `SELECT ${LINE_COLUMNS}, patient_key FROM access_log
        WHERE (emergency OR sperring_override) AND outcome = 'PERMIT' AND accessed_at >= $1
        ORDER BY accessed_at DESC, access_id DESC LIMIT $2`,
      [options.since, options.limit],
    );
    return rows.map((row) => ({ ...lineOf(row), patientKey: row.patient_key }));
  }

  async page(patientKey: string, options: { limit: number; before?: { accessedAt: string; accessId: string } }): Promise<AccessLogPage> {
    const { rows } = await this.pool.query<LogRow>(
      `SELECT ${LINE_COLUMNS}
         FROM access_log
        WHERE patient_key = $1 AND ($2::timestamptz IS NULL OR (accessed_at, access_id) < ($2::timestamptz, $3::uuid))
        ORDER BY accessed_at DESC, access_id DESC
        LIMIT $4`,
      [patientKey, options.before?.accessedAt ?? null, options.before?.accessId ?? null, options.limit + 1],
    );
    const lines = rows.slice(0, options.limit).map(lineOf);
    const last = lines[lines.length - 1];
    return rows.length > options.limit && last ? { lines, next: { accessedAt: last.accessedAt, accessId: last.accessId } } : { lines };
  }
}
