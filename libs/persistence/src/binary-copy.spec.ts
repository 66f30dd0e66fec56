import { BinaryCopyWriter, parseBinaryCopy } from './binary-copy';

/** A binary COPY stream as PostgreSQL writes it, built field by field (null for SQL NULL). */
function copyStream(rows: Array<Array<Buffer | null>>, headerExtension = Buffer.alloc(0)): Buffer {
  const parts: Buffer[] = [Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), int32(0), int32(headerExtension.length), headerExtension];
  for (const row of rows) {
    parts.push(int16(row.length));
    for (const field of row) parts.push(...(field === null ? [int32(-1)] : [int32(field.length), field]));
  }
  parts.push(int16(-1));
  return Buffer.concat(parts);
}
const int16 = (n: number) => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

describe('parseBinaryCopy', () => {
  it('returns each field as its bytes, NULL as null and an empty value as an empty buffer', () => {
    const bytes = Buffer.from([0x00, 0xff, 0x2c, 0x0a]);
    const rows = parseBinaryCopy(copyStream([
      [Buffer.from('a,b'), bytes, null],
      [Buffer.alloc(0), Buffer.from('æ'), Buffer.from([1])],
    ]));
    expect(rows).toHaveLength(2);
    expect(rows[0][0]?.toString()).toBe('a,b');
    expect(rows[0][1]?.equals(bytes)).toBe(true);
    expect(rows[0][2]).toBeNull();
    expect(rows[1][0]?.length).toBe(0);
    expect(rows[1][1]?.toString()).toBe('æ');
  });

  it('skips a header extension', () => {
    expect(parseBinaryCopy(copyStream([[Buffer.from('x')]], Buffer.from('ext!'))).map((r) => r[0]?.toString())).toEqual(['x']);
  });

  it('reads a stream without rows', () => {
    expect(parseBinaryCopy(copyStream([]))).toEqual([]);
  });

  it('refuses what is not a binary COPY stream', () => {
    expect(() => parseBinaryCopy(Buffer.from('id\tvalue\n1\tx\n'))).toThrow(/signature/);
  });

  it('refuses a stream cut inside a field', () => {
    const whole = copyStream([[Buffer.from('a long enough value')]]);
    expect(() => parseBinaryCopy(whole.subarray(0, whole.length - 8))).toThrow(/ends inside a field/);
  });
});

describe('BinaryCopyWriter', () => {
  it('writes a stream that parseBinaryCopy reads back field by field, growing past its first size', () => {
    const content = Buffer.alloc(300, 7);
    const writer = new BinaryCopyWriter(16);
    writer.row(6).text('æ\tb').jsonb('{"x":1}').bytea(content).int32(-2).int64('4294967297').uuid('00112233-4455-6677-8899-aabbccddeeff');
    writer.row(1).null();
    const [first, second] = parseBinaryCopy(writer.finish());
    expect(first[0]?.toString()).toBe('æ\tb');
    expect(first[1]?.[0]).toBe(1);
    expect(first[1]?.subarray(1).toString()).toBe('{"x":1}');
    expect(first[2]?.equals(content)).toBe(true);
    expect(first[3]?.readInt32BE()).toBe(-2);
    expect(first[4]?.readBigInt64BE()).toBe(4294967297n);
    expect(first[5]?.toString('hex')).toBe('00112233445566778899aabbccddeeff');
    expect(second).toEqual([null]);
  });

  it('refuses a uuid that is not one', () => {
    expect(() => new BinaryCopyWriter().row(1).uuid('not-a-uuid')).toThrow(/not a uuid/);
  });
});
