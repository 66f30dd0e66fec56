import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { LOGICAL_TYPES } from './logical-types';

/** An Avro record schema as parsed from a schemas/*.avsc file. */
export interface AvroRecordSchema {
  type: 'record';
  name: string;
  namespace?: string;
  fields: unknown[];
  [key: string]: unknown;
}

export type Compatibility = keyof typeof COMPATIBILITY;

export function fullName(schema: AvroRecordSchema): string {
  return schema.namespace ? `${schema.namespace}.${schema.name}` : schema.name;
}

/**
 * Avro in the Confluent wire format (magic byte, 4-byte schema id, body) with schemas kept in a
 * Confluent-compatible registry. Decoding looks the writer's schema up by the id in the message,
 * so old messages stay readable after a schema evolves.
 */
export class AvroSerde {
  readonly registry: SchemaRegistry;

  constructor(registryUrl: string) {
    this.registry = new SchemaRegistry({ host: registryUrl }, { [SchemaType.AVRO]: { logicalTypes: LOGICAL_TYPES } });
  }

  /**
   * Registers the schema under the subject (record-name strategy by default: the record's full
   * name) and returns its id. Registering the same schema again returns the same id.
   */
  async register(
    schema: AvroRecordSchema,
    options: { subject?: string; compatibility?: Compatibility } = {},
  ): Promise<number> {
    const { id } = await this.registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(schema) },
      { subject: options.subject ?? fullName(schema), compatibility: COMPATIBILITY[options.compatibility ?? 'FULL_TRANSITIVE'] },
    );
    return id;
  }

  encode(schemaId: number, payload: unknown): Promise<Buffer> {
    return this.registry.encode(schemaId, payload);
  }

  decode<T = unknown>(message: Buffer): Promise<T> {
    return this.registry.decode(message) as Promise<T>;
  }

  /** The schema id carried in a Confluent-framed message (bytes 1-4, big-endian). */
  static schemaIdOf(message: Buffer): number {
    if (message.length < 5 || message[0] !== 0) throw new Error('not a Confluent-framed Avro message (magic byte 0 missing)');
    return message.readInt32BE(1);
  }
}
