import type { EventCodec, PatientIdentifierSystem } from '@backbone/contracts';

/** envelope.patient of an event: whose data it is. */
export interface StoredEventPatient {
  system: PatientIdentifierSystem;
  value: string;
}

/**
 * The patient store keeps each item's last event as it was published: the Kafka record's value,
 * Confluent-framed Avro (magic byte 0, schema id, body). Storing it as it came costs the projector
 * nothing per event (it used to render JSON and PostgreSQL to check it, for every event, while
 * only the few items a request shows are ever rendered); the read paths render what they show.
 * Rows stored before the patient-store-avro migration hold the JSON text rendered then, and read
 * the same: JSON text never starts with a NUL byte, Confluent framing always does.
 */
export class StoredEvents {
  constructor(private readonly codec: Pick<EventCodec, 'decodeNamed'>) {}

  /** The event as a plain JSON value (timestamps as ISO-8601 text), as the APIs return it. */
  async value(stored: Buffer): Promise<Record<string, unknown>> {
    return JSON.parse(await this.json(stored)) as Record<string, unknown>;
  }

  /** The event as JSON text. */
  async json(stored: Buffer): Promise<string> {
    if (!isAvro(stored)) return stored.toString('utf8');
    return JSON.stringify((await this.codec.decodeNamed(stored)).value);
  }

  /**
   * The event and whose it is, decoded once: the event as decoded (timestamps as Date, which
   * JSON.stringify renders as the APIs return them), for a path that serialises it with more; the
   * patient for the audit record of a delivery, never delivered itself.
   */
  async read(stored: Buffer): Promise<{ patient: StoredEventPatient; event: Record<string, unknown> }> {
    const event = (isAvro(stored) ? (await this.codec.decodeNamed(stored)).value : JSON.parse(stored.toString('utf8'))) as Record<string, unknown> & {
      envelope: { patient: StoredEventPatient };
    };
    const { system, value } = event.envelope.patient;
    return { patient: { system, value }, event };
  }
}

function isAvro(stored: Buffer): boolean {
  return stored.length > 0 && stored[0] === 0;
}
