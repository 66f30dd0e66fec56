import type { ClientBase } from 'pg';
import { to as copyTo } from 'pg-copy-streams';

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
