import type { PoolClient } from 'pg';
import {
  applyGovernanceEvent,
  audienceChanges,
  audienceOf,
  nextTimeBoundary,
  factsFromJson,
  factsToJson,
  GOVERNANCE_EVENT_TYPES,
  NO_FACTS,
  type Audience,
  type AudienceChange,
  type GovernanceEvent,
  type GovernanceEventType,
  type PatientAccessFacts,
  type PolicyTable,
} from '@backbone/access-control';
import { DERIVED_RECORDS, EVENT_TOPICS, EVENT_TYPES, type EventCodec, type EventEnvelope, loadTopicCatalog, topicFor } from '@backbone/contracts';
import { decodeOrDeadLetter, type DeadLetter, type IncomingMessage, type ProjectionHandler } from '@backbone/projection';
import { enqueueOutboxMessages, type OutboxMessage } from '@backbone/publisher';
import { deterministicUuid } from '@backbone/platform';

export const ACCESS_PROJECTION = 'access-model.v1';
export const GOVERNANCE_TOPIC = EVENT_TOPICS.CareRelationshipStarted;
export const ACCESS_CHANGES_TOPIC = topicFor(loadTopicCatalog(), DERIVED_RECORDS.AccessChanged).name;

// Writers of the access model take this lock before numbering their changes, so change_seq order
// is commit order and a reader that follows change_seq never skips a change committed late.
export const ACCESS_MODEL_WRITE_LOCK = 7_101_979;

/** Blocks and consents can change single items without changing any recipient's categories. */
const ITEM_RULE_EVENTS = new Set<GovernanceEventType>(['DataBlocked', 'DataUnblocked', 'ConsentGiven', 'ConsentWithdrawn']);

const GOVERNANCE_BY_FULL_NAME = new Map<string, GovernanceEventType>(GOVERNANCE_EVENT_TYPES.map((type) => [EVENT_TYPES[type], type]));

/** What changed for one patient and why: a governance event, or time passing (see AccessTimeSweep). */
export interface AppliedChange {
  patientKey: string;
  eventId: string;
  eventType: GovernanceEventType | 'TimeElapsed';
  changes: AudienceChange[];
}

/**
 * The access-control projector's work on one chunk of the governance topic, inside the
 * transaction that also moves the consumer position: decode, fold each event into its patient's
 * facts with the pure reducers (which refuse the bad inputs: an unknown relationship, a
 * second end, validTo before validFrom, an emergency access without a reason...), store the facts
 * and the audience, and enqueue one AccessChanged per recipient whose access changed. A refused
 * event becomes a dead letter with the reducer's reason; the others go on.
 */
export class AccessProjection implements ProjectionHandler {
  constructor(
    private readonly codec: EventCodec,
    private readonly table: PolicyTable,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async apply(tx: PoolClient, messages: IncomingMessage[]): Promise<DeadLetter[]> {
    const deadLetters: DeadLetter[] = [];
    const events: Array<{ message: IncomingMessage; governance: GovernanceEvent; envelope: EventEnvelope }> = [];
    for (const message of messages) {
      const decoded = await this.decode(message);
      if ('reason' in decoded) deadLetters.push(decoded);
      else events.push({ message, ...decoded });
    }
    if (events.length === 0) return deadLetters;

    await tx.query('SELECT pg_advisory_xact_lock($1)', [ACCESS_MODEL_WRITE_LOCK]);
    const patientKeys = [...new Set(events.map((e) => e.envelope.patientKey))];
    const { rows } = await tx.query<{ patient_key: string; facts: object }>(
      'SELECT patient_key, facts FROM access_patient WHERE patient_key = ANY($1::text[]) FOR UPDATE',
      [patientKeys],
    );
    const facts = new Map<string, PatientAccessFacts>(rows.map((r) => [r.patient_key, factsFromJson(r.facts)]));
    const now = this.clock();
    const audiences = new Map<string, Audience>();
    const audienceFor = (patientKey: string) => {
      let audience = audiences.get(patientKey);
      if (!audience) audiences.set(patientKey, (audience = audienceOf(facts.get(patientKey) ?? NO_FACTS, now, this.table)));
      return audience;
    };
    const applied: AppliedChange[] = [];
    for (const { message, governance, envelope } of events) {
      const patientKey = envelope.patientKey;
      const result = applyGovernanceEvent(facts.get(patientKey) ?? NO_FACTS, governance);
      if (!result.ok) {
        deadLetters.push({ message, reason: result.reason, detail: result.detail, eventId: envelope.eventId, eventType: governance.type });
        continue;
      }
      const before = audienceFor(patientKey);
      facts.set(patientKey, result.facts);
      const after = audienceOf(result.facts, now, this.table);
      audiences.set(patientKey, after);
      applied.push({ patientKey, eventId: envelope.eventId, eventType: governance.type, changes: audienceChanges(before, after, ITEM_RULE_EVENTS.has(governance.type)) });
    }
    if (applied.length === 0) return deadLetters;

    const changedPatients = [...new Set(applied.map((a) => a.patientKey))];
    await tx.query(
      `INSERT INTO access_patient (patient_key, facts, change_seq, next_change_at)
       SELECT p.patient_key, p.facts, nextval('access_change_seq'), p.next_change_at
         FROM ROWS FROM (unnest($1::text[]), jsonb_array_elements($2::jsonb), unnest($3::timestamptz[])) AS p(patient_key, facts, next_change_at)
       ON CONFLICT (patient_key) DO UPDATE
         SET facts = excluded.facts, change_seq = excluded.change_seq, next_change_at = excluded.next_change_at, updated_at = now()`,
      [
        changedPatients,
        `[${changedPatients.map((key) => factsToJson(facts.get(key)!)).join(',')}]`,
        changedPatients.map((key) => nextTimeBoundary(facts.get(key)!, now) ?? null),
      ],
    );
    await storeAudiences(tx, changedPatients.map((key) => [key, audiences.get(key)!] as const));
    await enqueueOutboxMessages(tx, await accessChangedMessages(this.codec, applied, now));
    return deadLetters;
  }

  private async decode(message: IncomingMessage): Promise<{ governance: GovernanceEvent; envelope: EventEnvelope } | DeadLetter> {
    const read = await decodeOrDeadLetter(message, (value) => this.codec.decodeNamed(value));
    if ('deadLetter' in read) return read.deadLetter;
    const decoded = read.value;
    const eventId = message.headers.eventId;
    const type = GOVERNANCE_BY_FULL_NAME.get(decoded.name);
    if (!type) return { message, reason: 'UNKNOWN_EVENT_TYPE', detail: `${decoded.name} is not a governance event`, eventId, eventType: decoded.name };
    const event = decoded.value as { envelope: EventEnvelope };
    if (!event.envelope.patientKey) return { message, reason: 'NO_PATIENT_KEY', detail: 'envelope.patientKey is empty', eventId, eventType: type };
    return { governance: { type, event } as GovernanceEvent, envelope: event.envelope };
  }
}

/** Replaces the stored audience of each patient given. */
export async function storeAudiences(tx: PoolClient, audiences: ReadonlyArray<readonly [string, Audience]>): Promise<void> {
  await tx.query('DELETE FROM access_audience WHERE patient_key = ANY($1::text[])', [audiences.map(([key]) => key)]);
  const rows = audiences.flatMap(([patientKey, audience]) => [...audience.values()].map((entry) => ({ patientKey, ...entry })));
  if (rows.length === 0) return;
  await tx.query(
    `INSERT INTO access_audience (patient_key, recipient_key, legal_entity, point_of_care, department, practitioner_hpr, categories)
     SELECT a.patient_key, a.recipient_key, a.legal_entity, a.point_of_care, a.department, a.practitioner_hpr, string_to_array(a.categories, ',')
       FROM ROWS FROM (unnest($1::text[]), unnest($2::text[]), unnest($3::text[]), unnest($4::text[]), unnest($5::text[]), unnest($6::text[]), unnest($7::text[]))
            AS a(patient_key, recipient_key, legal_entity, point_of_care, department, practitioner_hpr, categories)`,
    [
      rows.map((r) => r.patientKey),
      rows.map((r) => r.recipient.recipientKey),
      rows.map((r) => r.recipient.legalEntity),
      rows.map((r) => r.recipient.pointOfCare ?? null),
      rows.map((r) => r.recipient.department ?? null),
      rows.map((r) => r.recipient.practitionerHpr ?? null),
      rows.map((r) => r.categories.join(',')),
    ],
  );
}

/** One AccessChanged per recipient whose access changed, ready for the outbox. */
export async function accessChangedMessages(codec: EventCodec, applied: readonly AppliedChange[], now: Date): Promise<OutboxMessage[]> {
  const messages: OutboxMessage[] = [];
  for (const { patientKey, eventId, eventType, changes } of applied) {
    for (const change of changes) {
      const changeId = deterministicUuid(`${eventId}|${change.recipient.recipientKey}`);
      const value = await codec.encodeDerived('AccessChanged', {
        changeId,
        patientKey,
        recipient: {
          recipientKey: change.recipient.recipientKey,
          legalEntity: change.recipient.legalEntity,
          pointOfCare: change.recipient.pointOfCare ?? null,
          department: change.recipient.department ?? null,
          practitionerHpr: change.recipient.practitionerHpr ?? null,
        },
        change: change.change,
        categories: [...change.categories],
        causeEventId: eventId,
        causeEventType: eventType,
        effectiveAt: now,
      });
      messages.push({ eventId: changeId, eventType: 'AccessChanged', topic: ACCESS_CHANGES_TOPIC, key: patientKey, value });
    }
  }
  return messages;
}
