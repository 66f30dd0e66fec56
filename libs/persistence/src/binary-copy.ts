import type { ClientBase } from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';

/** The 11-byte signature that opens PostgreSQL's binary COPY format. */
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

/**
 * Runs `COPY (query) TO STDOUT (FORMAT binary)` and returns its rows, each field as its raw bytes
 * (null for SQL NULL). For reads that move megabytes of bytea: the driver's text protocol sends
 * bytea as hex and decodes the whole row as UTF-8 first, which cost a large reader (the outbox
 * relay) more than every other step of a read; binary COPY hands over the bytes as stored.
 * COPY takes no parameters: `query` must hold only trusted literals.
 */
export async function readBinaryCopy(client: ClientBase, query: string): Promise<Array<Array<Buffer | null>>> {
  const chunks: Buffer[] = [];
  for await (const chunk of client.query(copyTo(`COPY (${query}) TO STDOUT (FORMAT binary)`))) chunks.push(chunk as Buffer);
  return parseBinaryCopy(Buffer.concat(chunks));
}

/**
 * The rows of a binary COPY stream (PostgreSQL docs, "COPY", Binary Format): a signature, a flags
 * word and a header extension, then per row a 16-bit field count (-1 ends the data) and per field
 * a 32-bit length (-1 for NULL) followed by that many bytes. Fields are views into `data`, not copies.
 */
export function parseBinaryCopy(data: Buffer): Array<Array<Buffer | null>> {
  if (data.length < SIGNATURE.length + 8 || !data.subarray(0, SIGNATURE.length).equals(SIGNATURE)) {
    throw new Error('not a PostgreSQL binary COPY stream (bad signature)');
  }
  let offset = SIGNATURE.length + 4;
  offset += 4 + data.readInt32BE(offset);
  const rows: Array<Array<Buffer | null>> = [];
  for (;;) {
    const fieldCount = data.readInt16BE(offset);
    offset += 2;
    if (fieldCount === -1) return rows;
    const row: Array<Buffer | null> = new Array(fieldCount);
    for (let field = 0; field < fieldCount; field += 1) {
      const length = data.readInt32BE(offset);
      offset += 4;
      if (length === -1) {
        row[field] = null;
        continue;
      }
      if (offset + length > data.length) throw new Error('binary COPY stream ends inside a field');
      row[field] = data.subarray(offset, offset + length);
      offset += length;
    }
    rows.push(row);
  }
}

/**
 * Builds the rows of a `COPY ... FROM STDIN (FORMAT binary)` stream in one growing buffer. For
 * writers that move bytea: the text format needs each value as hex (twice its size, encoded here
 * and decoded again by PostgreSQL) inside one large string; binary COPY carries the bytes as they
 * are. Every field of a row must be added in the table's column order, with the column's own type.
 */
export class BinaryCopyWriter {
  private buffer: Buffer;
  private length: number;

  constructor(expectedBytes = 64 * 1024) {
    this.buffer = Buffer.allocUnsafe(Math.max(expectedBytes, 64));
    SIGNATURE.copy(this.buffer, 0);
    this.buffer.writeInt32BE(0, SIGNATURE.length); // flags: no OIDs
    this.buffer.writeInt32BE(0, SIGNATURE.length + 4); // no header extension
    this.length = SIGNATURE.length + 8;
  }

  /** Starts a row of `fieldCount` fields. */
  row(fieldCount: number): this {
    this.room(2);
    this.buffer.writeInt16BE(fieldCount, this.length);
    this.length += 2;
    return this;
  }

  /** A text (or varchar) field, or NULL. */
  text(value: string | null): this {
    if (value === null) return this.null();
    const bytes = Buffer.byteLength(value);
    this.room(4 + bytes);
    this.buffer.writeInt32BE(bytes, this.length);
    this.buffer.write(value, this.length + 4, bytes, 'utf8');
    this.length += 4 + bytes;
    return this;
  }

  /** A jsonb field from JSON text: binary jsonb is a version byte (1) and the text. */
  jsonb(json: string): this {
    const bytes = Buffer.byteLength(json);
    this.room(5 + bytes);
    this.buffer.writeInt32BE(bytes + 1, this.length);
    this.buffer[this.length + 4] = 1;
    this.buffer.write(json, this.length + 5, bytes, 'utf8');
    this.length += 5 + bytes;
    return this;
  }

  /** A bytea field: the bytes as they are. */
  bytea(value: Buffer): this {
    this.room(4 + value.length);
    this.buffer.writeInt32BE(value.length, this.length);
    value.copy(this.buffer, this.length + 4);
    this.length += 4 + value.length;
    return this;
  }

  /** An int4 field. */
  int32(value: number): this {
    this.room(8);
    this.buffer.writeInt32BE(4, this.length);
    this.buffer.writeInt32BE(value, this.length + 4);
    this.length += 8;
    return this;
  }

  /** An int8 field, from a number or its decimal text (Kafka offsets come as text). */
  int64(value: string | number | bigint): this {
    this.room(12);
    this.buffer.writeInt32BE(8, this.length);
    this.buffer.writeBigInt64BE(BigInt(value), this.length + 4);
    this.length += 12;
    return this;
  }

  /** A uuid field from its canonical text (8-4-4-4-12 hex digits). */
  uuid(value: string): this {
    const hex = value.replace(/-/g, '');
    if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new Error(`not a uuid: ${value}`);
    this.room(20);
    this.buffer.writeInt32BE(16, this.length);
    this.buffer.write(hex, this.length + 4, 16, 'hex');
    this.length += 20;
    return this;
  }

  /** A NULL field. */
  null(): this {
    this.room(4);
    this.buffer.writeInt32BE(-1, this.length);
    this.length += 4;
    return this;
  }

  /** The whole stream: the rows and the trailer that ends them. The writer is done after this. */
  finish(): Buffer {
    this.room(2);
    this.buffer.writeInt16BE(-1, this.length);
    this.length += 2;
    return this.buffer.subarray(0, this.length);
  }

  private room(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }
}

/** Runs `COPY target FROM STDIN (FORMAT binary)` with a stream built by a BinaryCopyWriter. */
export async function writeBinaryCopy(client: ClientBase, target: string, stream: Buffer): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const copy = client.query(copyFrom(`COPY ${target} FROM STDIN (FORMAT binary)`));
    copy.on('finish', resolve);
    copy.on('error', reject);
    copy.end(stream);
  });
}
