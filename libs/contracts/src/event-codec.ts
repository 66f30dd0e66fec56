import { Type } from 'avsc';
import { AvroSerde, LOGICAL_TYPES } from '@backbone/serde';
import { BackboneEvent, EVENT_TYPES, EventsByName, EventTypeName } from './generated/events';
import type { SchemaSet } from './schema-set';
import { subjectFor } from './topic-catalog';

const MAGIC_BYTE = 0;

/**
 * Encodes and decodes backbone events in the Confluent wire format with the generated types.
 * Writer schemas are registered once per event type and cached; readers resolve any registered
 * writer version to the schema in this build, so a consumer reads old and new events alike.
 */
export class EventCodec {
  private readonly writerIds = new Map<string, Promise<number>>();
  private readonly readers = new Map<number, Promise<{ eventType: string; read: (body: Buffer) => unknown }>>();

  constructor(
    private readonly schemas: SchemaSet,
    private readonly serde: AvroSerde,
  ) {}

  /** The registry id of this build's schema for an event type (registered on first use). */
  schemaId(eventType: EventTypeName): Promise<number> {
    const fullName = EVENT_TYPES[eventType];
    let id = this.writerIds.get(fullName);
    if (!id) {
      id = this.serde.register(this.schemas.bundle(fullName) as never, { subject: subjectFor(fullName) });
      id.catch(() => this.writerIds.delete(fullName));
      this.writerIds.set(fullName, id);
    }
    return id;
  }

  async encode<N extends EventTypeName>(eventType: N, event: EventsByName[N]): Promise<Buffer> {
    const id = await this.schemaId(eventType);
    const body = this.schemas.type(EVENT_TYPES[eventType]).toBuffer(event);
    const message = Buffer.allocUnsafe(5 + body.length);
    message.writeUInt8(MAGIC_BYTE, 0);
    message.writeInt32BE(id, 1);
    body.copy(message, 5);
    return message;
  }

  async decode(message: Buffer): Promise<BackboneEvent> {
    const reader = await this.readerFor(AvroSerde.schemaIdOf(message));
    return reader.read(message.subarray(5)) as BackboneEvent;
  }

  private readerFor(schemaId: number) {
    let reader = this.readers.get(schemaId);
    if (!reader) {
      reader = this.serde.registry.getSchema(schemaId).then((writerSchema) => {
        const writer = Type.forSchema(writerSchema as never, { logicalTypes: LOGICAL_TYPES });
        const eventType = writer.name;
        if (!eventType || !Object.values(EVENT_TYPES).includes(eventType as never)) {
          throw new Error(`schema id ${schemaId} is ${eventType ?? 'unnamed'}, not a backbone event`);
        }
        const local = this.schemas.type(eventType);
        const resolver = local.createResolver(writer);
        return { eventType, read: (body: Buffer) => local.fromBuffer(body, resolver, true) };
      });
      reader.catch(() => this.readers.delete(schemaId));
      this.readers.set(schemaId, reader);
    }
    return reader;
  }
}
