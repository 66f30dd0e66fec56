import { Type } from 'avsc';
import { AvroSerde, LOGICAL_TYPES } from '@backbone/serde';
import { BackboneEvent, EVENT_TYPES, EventsByName, EventTypeName } from './generated/events';
import type { FieldSelection, SchemaSet } from './schema-set';
import { subjectFor } from './topic-catalog';

const MAGIC_BYTE = 0;

/**
 * Records that travel on the backbone's topics without being source events (no envelope): the
 * backbone derives them itself. They are encoded and decoded like events.
 */
export const DERIVED_RECORDS = {
  AccessChanged: 'no.oslo.backbone.access.AccessChanged',
  DeadLetter: 'no.oslo.backbone.ops.DeadLetter',
} as const;
export type DerivedRecordName = keyof typeof DERIVED_RECORDS;

/**
 * The registry could not be asked for a writer schema (unreachable, timing out, failing). A
 * consumer retries the record; it is not a bad record and must never be dead-lettered as one.
 */
export class RegistryUnavailableError extends Error {
  readonly transient = true;
  constructor(schemaId: number, cause: string) {
    super(`the schema registry could not be asked for schema id ${schemaId}: ${cause}`);
    this.name = 'RegistryUnavailableError';
  }
}

interface Reader {
  /** The full record name of the writer schema. */
  eventType: string;
  read: (body: Buffer) => unknown;
}

const KNOWN_RECORDS = new Set<string>([...Object.values(EVENT_TYPES), ...Object.values(DERIVED_RECORDS)]);

/**
 * Encodes and decodes backbone events in the Confluent wire format with the generated types.
 * Writer schemas are registered once per event type and cached; readers resolve any registered
 * writer version to the schema in this build, so a consumer reads old and new events alike.
 */
export class EventCodec {
  private readonly writerIds = new Map<string, Promise<number>>();
  private readonly readers = new Map<number, Promise<Reader>>();
  private readonly partialReaders = new WeakMap<FieldSelection, Map<number, Promise<Reader>>>();
  private scratch = Buffer.allocUnsafeSlow(16 * 1024);

  constructor(
    private readonly schemas: SchemaSet,
    private readonly serde: AvroSerde,
  ) {}

  /** The registry id of this build's schema for an event type (registered on first use). */
  schemaId(eventType: EventTypeName): Promise<number> {
    return this.schemaIdOf(EVENT_TYPES[eventType]);
  }

  private schemaIdOf(fullName: string): Promise<number> {
    let id = this.writerIds.get(fullName);
    if (!id) {
      id = this.serde.register(this.schemas.bundle(fullName) as never, { subject: subjectFor(fullName) });
      id.catch(() => this.writerIds.delete(fullName));
      this.writerIds.set(fullName, id);
    }
    return id;
  }

  async encode<N extends EventTypeName>(eventType: N, event: EventsByName[N]): Promise<Buffer> {
    return this.encodeNamed(EVENT_TYPES[eventType], event);
  }

  /** Encodes a derived record (see DERIVED_RECORDS), e.g. an AccessChanged. */
  async encodeDerived(name: DerivedRecordName, value: unknown): Promise<Buffer> {
    return this.encodeNamed(DERIVED_RECORDS[name], value);
  }

  private async encodeNamed(fullName: string, value: unknown): Promise<Buffer> {
    const id = await this.schemaIdOf(fullName);
    const type = this.schemas.type(fullName);
    // Written once, header and body, into a scratch buffer that grows to the largest record seen.
    // avsc's toBuffer writes into a 1 KiB buffer and writes the whole record a second time when it
    // is larger, which most clinical events are; then the body was copied once more behind the header.
    let end = type.encode(value, this.scratch, 5);
    if (end < 0) {
      this.scratch = Buffer.allocUnsafeSlow(2 * (this.scratch.length - end));
      end = type.encode(value, this.scratch, 5);
    }
    this.scratch.writeUInt8(MAGIC_BYTE, 0);
    this.scratch.writeInt32BE(id, 1);
    return Buffer.from(this.scratch.subarray(0, end));
  }

  /**
   * Decodes any backbone record and says which it is (the full record name of its writer schema).
   * With `keep`, only the fields it selects of the records it names are read (see
   * `SchemaSet.readerType`): the value is then partial, and its type says more than it holds.
   */
  async decodeNamed(message: Buffer, keep?: FieldSelection): Promise<{ name: string; value: unknown }> {
    const reader = await this.readerFor(AvroSerde.schemaIdOf(message), keep);
    return { name: reader.eventType, value: reader.read(message.subarray(5)) };
  }

  async decode(message: Buffer): Promise<BackboneEvent> {
    const reader = await this.readerFor(AvroSerde.schemaIdOf(message));
    return reader.read(message.subarray(5)) as BackboneEvent;
  }

  private readerFor(schemaId: number, keep?: FieldSelection): Promise<Reader> {
    let readers = this.readers;
    if (keep) {
      let forSelection = this.partialReaders.get(keep);
      if (!forSelection) this.partialReaders.set(keep, (forSelection = new Map()));
      readers = forSelection;
    }
    let reader = readers.get(schemaId);
    if (!reader) {
      reader = this.serde.registry.getSchema(schemaId).then(
        (writerSchema) => {
        const writer = Type.forSchema(writerSchema as never, { logicalTypes: LOGICAL_TYPES });
        const eventType = writer.name;
        if (!eventType || !KNOWN_RECORDS.has(eventType)) {
          throw new Error(`schema id ${schemaId} is ${eventType ?? 'unnamed'}, not a backbone event`);
        }
        const local = keep ? this.schemas.readerType(eventType, keep) : this.schemas.type(eventType);
        const resolver = local.createResolver(writer);
        return { eventType, read: (body: Buffer) => local.fromBuffer(body, resolver, true) };
        },
        (error: { status?: number; message?: string }) => {
          // 404: the id is not in the registry, so the record is bad. Anything else (the registry
          // down, a timeout, a 5xx) says nothing about the record: it must be read again later.
          if (error.status === 404) throw new Error(`schema id ${schemaId} is not in the registry`);
          throw new RegistryUnavailableError(schemaId, error.message ?? String(error));
        },
      );
      reader.catch(() => readers.delete(schemaId));
      readers.set(schemaId, reader);
    }
    return reader;
  }
}
