import type { Pool } from 'pg';
import { Counter, type Registry } from 'prom-client';
import { EVENT_TOPICS, type DataAccessed, type EventCodec } from '@backbone/contracts';
import { RoundTripBatcher } from '@backbone/persistence';
import { outboxInsert, type OutboxMessage } from '@backbone/publisher';
import { dataAccessedEvent, type AccessRecordInput, type AuditOperator } from './access-record';

export const AUDIT_TOPIC = EVENT_TOPICS.DataAccessed;

/** What the citizen's access log shows of one access, and what log control needs. */
export interface AccessLogEntry {
  practitioner: DataAccessed['practitioner'];
  legalEntity: DataAccessed['legalEntity'];
  pointOfCare: DataAccessed['pointOfCare'];
  department: DataAccessed['department'];
  purposeOfUse: DataAccessed['purposeOfUse'];
  healthcareService: DataAccessed['healthcareService'];
  decisionRef: string | null;
  clientId: string;
  action: DataAccessed['action'];
  api: string;
  categories: string[];
  itemIds: string[];
  relationshipId: string | null;
}

/**
 * The audit trail: every access becomes a row in access_log (the citizen's log reads it) and a
 * DataAccessed on the audit topic (through the outbox), in one statement that commits before
 * `record` resolves. Callers await it before any data leaves: if the audit cannot be written,
 * nothing is shown.
 *
 * Concurrent requests share a transaction (group commit): while one is being written, the next
 * ones queue and go together, so the cost of a commit is spread over every request waiting on it
 * without adding a timer.
 */
/** One access ready to write: its log row, its encoded DataAccessed, and its metric labels. */
interface PreparedRecord {
  row: Record<string, unknown>;
  message: OutboxMessage;
  labels: Record<AccessLabel, string>;
}

type AccessLabel = 'api' | 'actor_kind' | 'outcome' | 'reason' | 'emergency';

/** Accesses by API, actor, outcome, reason and emergency: a rise in denials or emergency accesses is something to look at. */
function accessCounter(registry: Registry): Counter<AccessLabel> {
  return new Counter({
    name: 'backbone_audit_accesses_total',
    help: 'Accesses audited (committed), by API operation, actor kind, outcome, reason code and emergency flag',
    labelNames: ['api', 'actor_kind', 'outcome', 'reason', 'emergency'],
    registers: [registry],
  });
}

export class AuditTrail {
  private readonly writer: RoundTripBatcher<PreparedRecord>;
  private readonly accesses?: Counter<AccessLabel>;

  constructor(
    private readonly pool: Pool,
    private readonly codec: EventCodec,
    private readonly operator: AuditOperator,
    options: { maxBatch?: number; metrics?: Registry } = {},
  ) {
    this.writer = new RoundTripBatcher((records) => this.write(records), options.maxBatch ?? 500);
    if (options.metrics) this.accesses = accessCounter(options.metrics);
  }

  /**
   * Makes the accesses durable; resolves once committed, rejects if they could not be written.
   * Each caller's records are built and encoded before they join a batch, so a record that cannot
   * be encoded fails its own request only.
   */
  async record(records: readonly AccessRecordInput[]): Promise<void> {
    const prepared = await Promise.all(records.map((record) => this.prepare(record)));
    await this.writer.submit(prepared);
    if (this.accesses) for (const record of prepared) this.accesses.inc(record.labels);
  }

  /** Registers the DataAccessed schema up front, so the first request does not wait on the registry. */
  async warmUp(): Promise<void> {
    await this.codec.schemaId('DataAccessed');
  }

  private async prepare(record: AccessRecordInput): Promise<PreparedRecord> {
    const event = dataAccessedEvent(record, this.operator);
    const message: OutboxMessage = {
      eventId: event.accessId,
      eventType: 'DataAccessed',
      topic: AUDIT_TOPIC,
      key: event.envelope.patientKey,
      value: await this.codec.encode('DataAccessed', event),
    };
    const row = {
      access_id: event.accessId,
      patient_key: event.envelope.patientKey,
      accessed_at: event.accessedAt.toISOString(),
      actor_kind: event.actorKind,
      outcome: event.outcome,
      reason_code: event.reasonCode,
      emergency: event.emergency,
      sperring_override: event.sperringOverride,
      entry: logEntryOf(event),
    };
    const labels = { api: event.api, actor_kind: event.actorKind, outcome: event.outcome, reason: event.reasonCode, emergency: String(event.emergency) };
    return { row, message, labels };
  }

  private async write(records: readonly PreparedRecord[]): Promise<void> {
    // One statement: the log rows and the outbox row commit together (a statement is atomic), in
    // one round trip. Each round trip is a system call pair, and those are what a request pays most for here.
    const outbox = outboxInsert(
      records.map((r) => r.message),
      2,
    );
    await this.pool.query({
      name: 'audit-record',
      text: `WITH log AS (
         INSERT INTO access_log (access_id, patient_key, accessed_at, actor_kind, outcome, reason_code, emergency, sperring_override, entry)
         SELECT r.access_id, r.patient_key, r.accessed_at, r.actor_kind, r.outcome, r.reason_code, r.emergency, r.sperring_override, r.entry
           FROM json_to_recordset($1::json) AS r(access_id uuid, patient_key text, accessed_at timestamptz, actor_kind text, outcome text,
                                                reason_code text, emergency boolean, sperring_override boolean, entry jsonb)
       )
       ${outbox.text}`,
      values: [logRowsJson(records.map((r) => r.row)), ...outbox.values],
    });
  }
}

/**
 * The log rows as JSON for json_to_recordset. NUL cannot be stored in jsonb: a token claim carrying
 * one (a name, a decision reference) would fail the whole batch, so it is dropped from the log row
 * (the Kafka record keeps the claim as sent). JSON writes a NUL as \u0000; only output holding that
 * text is written again with a replacer, which costs a call for every value of every row.
 */
export function logRowsJson(rows: readonly Record<string, unknown>[]): string {
  const json = JSON.stringify(rows);
  if (!json.includes('\\u0000')) return json;
  return JSON.stringify(rows, (_key, value: unknown) => (typeof value === 'string' ? value.replace(/\u0000/g, '') : value));
}

function logEntryOf(event: DataAccessed): AccessLogEntry {
  return {
    practitioner: event.practitioner,
    legalEntity: event.legalEntity,
    pointOfCare: event.pointOfCare,
    department: event.department,
    purposeOfUse: event.purposeOfUse,
    healthcareService: event.healthcareService,
    decisionRef: event.decisionRef,
    clientId: event.clientId,
    action: event.action,
    api: event.api,
    categories: event.dataCategories,
    itemIds: event.itemIds,
    relationshipId: event.relationshipId,
  };
}
