import { hash } from 'node:crypto';
import type { Pool } from 'pg';
import {
  EVENT_TOPICS,
  EventCodec,
  EventTypeName,
  EVENT_TYPES,
  cachedPatientKeys,
  SchemaSet,
  validateEvent,
} from '@backbone/contracts';
import { governanceEventProblem, SELF_CONTAINED_GOVERNANCE_EVENTS, type GovernanceEvent, type GovernanceEventType } from '@backbone/access-control';
import { authorizePublication, PublisherRegistry } from './publisher-registry';
import type { OutboxBacklog } from './outbox-backlog';

export interface PublisherSettings {
  patientKeySecret: string;
  /** Accept Tenor test-population identity numbers (development and test only). */
  allowSyntheticIdentifiers: boolean;
  /** Above this many events waiting in the outbox, new events are refused with "retry later". */
  maxBacklog: number;
}

export interface AcceptedItem {
  index: number;
  eventId: string;
  eventType: string;
  topic: string;
  /** accepted: stored now; duplicate: this eventId was accepted before with the same content. */
  status: 'accepted' | 'duplicate';
  acceptedAt: string;
}

export interface ItemError {
  index: number;
  field: string;
  rule: string;
}

export type PublishOutcome =
  | { ok: true; items: AcceptedItem[] }
  | { ok: false; kind: 'invalid'; errors: ItemError[] }
  | { ok: false; kind: 'forbidden'; errors: ItemError[] }
  | { ok: false; kind: 'conflict'; eventIds: string[] }
  | { ok: false; kind: 'backlog-full'; backlog: number; retryAfterSeconds: number };

interface Prepared {
  index: number;
  eventId: string;
  eventType: EventTypeName;
  topic: string;
  key: string;
  value: Buffer;
  bodySha256: Buffer;
}

/**
 * The one way events enter the backbone, over HTTP (ingest-api) or in-process. All or nothing:
 * every event is validated (schema, identifiers, codes) and authorised for the publishing client,
 * then the idempotency records and the outbox rows are written in one PostgreSQL transaction.
 * Once that commits the events are durable and will reach Kafka through the relay, in order per
 * patient, even if Kafka is down right now.
 */
export class EventPublisher {
  private readonly patientKeyOf: (identifierValue: string) => string;

  constructor(
    private readonly pool: Pool,
    private readonly schemas: SchemaSet,
    private readonly codec: EventCodec,
    private readonly publishers: PublisherRegistry,
    private readonly backlog: OutboxBacklog,
    private readonly settings: PublisherSettings,
  ) {
    this.patientKeyOf = cachedPatientKeys(settings.patientKeySecret);
  }

  /** Registers (or looks up) every event type's schema, so the hot path never waits on the registry. */
  async warmUp(): Promise<void> {
    await Promise.all((Object.keys(EVENT_TYPES) as EventTypeName[]).map((name) => this.codec.schemaId(name)));
  }

  async publish(inputs: unknown[], clientId: string): Promise<PublishOutcome> {
    const prepared: Prepared[] = [];
    const invalid: ItemError[] = [];
    const forbidden: ItemError[] = [];
    const seen = new Map<string, number>();

    for (const [index, input] of inputs.entries()) {
      const result = await this.prepare(index, input, clientId);
      if (result.kind === 'invalid') invalid.push(...result.errors);
      else if (result.kind === 'forbidden') forbidden.push(result.error);
      else {
        const first = seen.get(result.item.eventId);
        if (first !== undefined) {
          invalid.push({ index, field: 'envelope.eventId', rule: `repeats the eventId of event ${first} in this batch` });
          continue;
        }
        seen.set(result.item.eventId, index);
        prepared.push(result.item);
      }
    }
    if (invalid.length > 0) return { ok: false, kind: 'invalid', errors: invalid };
    if (forbidden.length > 0) return { ok: false, kind: 'forbidden', errors: forbidden };

    const waiting = this.backlog.size();
    if (waiting + prepared.length > this.settings.maxBacklog) {
      return { ok: false, kind: 'backlog-full', backlog: waiting, retryAfterSeconds: this.backlog.retryAfterSeconds() };
    }
    const outcome = await this.store(prepared, clientId);
    if (outcome.ok) this.backlog.added(outcome.items.filter((i) => i.status === 'accepted').length);
    return outcome;
  }

  private async prepare(
    index: number,
    input: unknown,
    clientId: string,
  ): Promise<{ kind: 'ok'; item: Prepared } | { kind: 'invalid'; errors: ItemError[] } | { kind: 'forbidden'; error: ItemError }> {
    const envelope = (input as { envelope?: Record<string, unknown> } | null)?.envelope;
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      return { kind: 'invalid', errors: [{ index, field: '(event)', rule: 'expected an object' }] };
    }
    if (typeof envelope?.eventType !== 'string') {
      return { kind: 'invalid', errors: [{ index, field: 'envelope.eventType', rule: 'is required: the event type, e.g. DocumentPublished' }] };
    }
    const eventType = envelope.eventType;
    if (!(eventType in EVENT_TYPES)) {
      return { kind: 'invalid', errors: [{ index, field: 'envelope.eventType', rule: `unknown event type ${eventType}` }] };
    }
    // The backbone sets the pseudonymous key; whatever the source sent there is ignored.
    const candidate = { ...input, envelope: { ...envelope, patientKey: '' } };
    const validation = validateEvent<Record<string, never>>(this.schemas, eventType, candidate, {
      allowSyntheticIdentifiers: this.settings.allowSyntheticIdentifiers,
      normalize: false,
    });
    if (!validation.ok) {
      return { kind: 'invalid', errors: validation.errors.map((e) => ({ index, ...e })) };
    }
    if (SELF_CONTAINED_GOVERNANCE_EVENTS.has(eventType as GovernanceEventType)) {
      // Governance faults that need no history are refused here, not dead-lettered downstream.
      const normalized = this.schemas.type(validation.eventType).clone(candidate, { wrapUnions: false });
      const problem = governanceEventProblem({ type: eventType, event: normalized } as GovernanceEvent);
      if (problem) return { kind: 'invalid', errors: [{ index, ...problem }] };
    }
    const event = validation.event as unknown as {
      envelope: { eventId: string; patient: { value: string }; custodian: { orgNumber: string }; patientKey: string };
    };
    const authorization = authorizePublication(this.publishers, clientId, eventType, event.envelope.custodian.orgNumber);
    if (!authorization.ok) return { kind: 'forbidden', error: { index, field: 'envelope.custodian.orgNumber', rule: authorization.rule } };

    event.envelope.patientKey = this.patientKeyOf(event.envelope.patient.value);
    const name = eventType as EventTypeName;
    const value = await this.codec.encode(name, event as never);
    return {
      kind: 'ok',
      item: {
        index,
        eventId: event.envelope.eventId,
        eventType: name,
        topic: EVENT_TOPICS[name],
        key: event.envelope.patientKey,
        value,
        // The Avro body is canonical: the same content hashes the same whatever the JSON layout.
        // One-shot: no Hash object per event (4.6 → 3.0 µs for a 1.4 KB body).
        bodySha256: hash('sha256', value.subarray(5), 'buffer'),
      },
    };
  }

  private async store(items: Prepared[], clientId: string): Promise<PublishOutcome> {
    try {
      // One round trip, one transaction: see the ingest_accept migration.
      // A named statement: parsed and planned once per connection, not once per request.
      const { rows } = await this.pool.query<{ event_id: string; inserted: boolean; accepted_at: Date }>({
        name: 'ingest-accept',
        text: 'SELECT event_id, inserted, accepted_at FROM ingest_accept($1::uuid[], $2::text[], $3, $4::bytea, $5::text[], $6::text[], $7::bytea, $8::int[])',
        values: [
          items.map((i) => i.eventId),
          items.map((i) => i.eventType),
          clientId,
          // Buffers go to PostgreSQL as binary parameters; arrays of them would be hex text.
          Buffer.concat(items.map((i) => i.bodySha256)),
          items.map((i) => i.topic),
          items.map((i) => i.key),
          Buffer.concat(items.map((i) => i.value)),
          items.map((i) => i.value.length),
        ],
      });
      const byId = new Map(rows.map((r) => [r.event_id, r]));
      return {
        ok: true,
        items: items.map((i) => {
          const row = byId.get(i.eventId)!;
          return {
            index: i.index,
            eventId: i.eventId,
            eventType: i.eventType,
            topic: i.topic,
            status: row.inserted ? 'accepted' : 'duplicate',
            acceptedAt: row.accepted_at.toISOString(),
          };
        }),
      };
    } catch (error) {
      const { code, message } = error as { code?: string; message: string };
      if (code === 'BB409') return { ok: false, kind: 'conflict', eventIds: message.split(',') };
      throw error;
    }
  }
}
