import { Type } from 'avsc';
import fc from 'fast-check';
import { LOGICAL_TYPES } from './logical-types';

const parse = (schema: object) => Type.forSchema(schema as never, { logicalTypes: LOGICAL_TYPES });
const plainBytes = Type.forSchema('bytes' as never);

/** The shortest big-endian two's complement of an integer, by BigInt arithmetic: the reference. */
function twosComplementReference(unscaled: bigint): Buffer {
  const bytes: number[] = [];
  let rest = unscaled;
  do {
    bytes.unshift(Number(rest & 0xffn));
    rest >>= 8n;
  } while (!((rest === 0n && (bytes[0] & 0x80) === 0) || (rest === -1n && (bytes[0] & 0x80) !== 0)));
  return Buffer.from(bytes);
}

describe('logical types', () => {
  const decimal = parse({ type: 'bytes', logicalType: 'decimal', precision: 18, scale: 6 });
  const timestamp = parse({ type: 'long', logicalType: 'timestamp-millis' });
  const uuid = parse({ type: 'string', logicalType: 'uuid' });

  it('round-trips decimals exactly, whatever their sign and size', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 18n) + 1n, max: 10n ** 18n - 1n }), (unscaled) => {
        const negative = unscaled < 0n;
        const digits = (negative ? -unscaled : unscaled).toString().padStart(7, '0');
        const text = `${negative ? '-' : ''}${digits.slice(0, -6)}.${digits.slice(-6)}`;
        const decoded = decimal.fromBuffer(decimal.toBuffer(text)) as string;
        expect(Number(decoded)).toBe(Number(text));
        expect(decoded).toBe(text.replace(/\.?0+$/, '').replace(/^(-?)0+(?=\d)/, '$1').replace(/^-0$/, '0'));
      }),
    );
  });

  it('writes the shortest two\'s complement for decimals of up to 15 digits, as for longer ones', () => {
    // Short decimals take a plain-number path; the reference here is BigInt arithmetic.
    const reference = twosComplementReference;
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 15n) + 1n, max: 10n ** 15n - 1n }), (unscaled) => {
        const negative = unscaled < 0n;
        const digits = (negative ? -unscaled : unscaled).toString().padStart(7, '0');
        const text = `${negative ? '-' : ''}${digits.slice(0, -6)}.${digits.slice(-6)}`;
        const body = decimal.toBuffer(text);
        expect(plainBytes.fromBuffer(body)).toEqual(reference(unscaled));
        expect(Number(decimal.fromBuffer(body))).toBe(Number(text));
      }),
    );
  });

  it('accepts and encodes any text as the decimal grammar, scale and precision say', () => {
    // Short decimals are scanned in one pass; the reference is the rule as written: -?digits[.digits],
    // at most `scale` fraction digits, at most `precision` digits once scaled, BigInt arithmetic.
    const reference = (text: string, scale: number, precision: number): Buffer | undefined => {
      if (!/^-?\d+(\.\d+)?$/.test(text)) return undefined;
      const [whole, fraction = ''] = text.replace('-', '').split('.');
      if (fraction.length > scale) return undefined;
      const digits = (whole + fraction.padEnd(scale, '0')).replace(/^0+(?=\d)/, '');
      if (digits.length > precision) return undefined;
      return twosComplementReference(BigInt(digits) * (text.startsWith('-') ? -1n : 1n));
    };
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: fc.constantFrom('0', '0', '1', '5', '9', '.', '-', 'e', ' '), maxLength: 24 }),
          // Well-formed ones of every width around the scale and precision (leading and trailing zeros too).
          fc
            .tuple(fc.boolean(), fc.stringMatching(/^[0-9]{1,21}$/), fc.option(fc.stringMatching(/^[0-9]{1,17}$/)))
            .map(([negative, whole, fraction]) => `${negative ? '-' : ''}${whole}${fraction === null ? '' : `.${fraction}`}`),
        ),
        fc.constantFrom([18, 6], [10, 2], [20, 0], [16, 3], [15, 15]),
        (text, [precision, scale]) => {
          const type = parse({ type: 'bytes', logicalType: 'decimal', precision, scale });
          const expected = reference(text, scale, precision);
          expect(type.isValid(text)).toBe(expected !== undefined);
          if (expected) expect(plainBytes.fromBuffer(type.toBuffer(text))).toEqual(expected);
        },
      ),
      { numRuns: 5_000 },
    );
  });

  it('keeps decimals like 5.4 and 132 readable', () => {
    expect(decimal.fromBuffer(decimal.toBuffer('5.4'))).toBe('5.4');
    expect(decimal.fromBuffer(decimal.toBuffer('132'))).toBe('132');
    expect(decimal.fromBuffer(decimal.toBuffer('-0.25'))).toBe('-0.25');
  });

  it('rejects decimals beyond the scale or precision, and non-numbers', () => {
    expect(decimal.isValid('1.0000001')).toBe(false);
    expect(decimal.isValid('1234567890123.5')).toBe(false);
    expect(decimal.isValid('12,5')).toBe(false);
    expect(decimal.isValid('abc')).toBe(false);
  });

  it('gives the same answer when a value is converted again, as avsc does between check and write', () => {
    // The memo of the last converted text must never let one value's answer stand for another's.
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom('5.4', 'x', '1.0000001', '-0.25'), fc.integer().map(String)), { maxLength: 8 }), (texts) => {
        for (const text of texts) {
          const fresh = parse({ type: 'bytes', logicalType: 'decimal', precision: 18, scale: 6 });
          expect(decimal.isValid(text)).toBe(fresh.isValid(text));
          if (fresh.isValid(text)) expect(decimal.toBuffer(text)).toEqual(fresh.toBuffer(text));
        }
      }),
    );
    for (const text of ['2026-11-20T08:15:00Z', 'not a time', '2026-11-20T08:15:00Z', '2026-11-21T08:15:00+01:00']) {
      expect(timestamp.isValid(text)).toBe(!Number.isNaN(Date.parse(text)));
    }
    expect(timestamp.fromBuffer(timestamp.toBuffer('2026-11-21T08:15:00+01:00'))).toEqual(new Date('2026-11-21T07:15:00Z'));
  });

  it('maps timestamps to Date and accepts ISO-8601 strings with a zone', () => {
    const at = new Date('2026-11-20T08:15:00.000Z');
    expect(timestamp.fromBuffer(timestamp.toBuffer('2026-11-20T08:15:00Z'))).toEqual(at);
    expect(timestamp.fromBuffer(timestamp.toBuffer(at))).toEqual(at);
    expect(timestamp.isValid('2026-11-20')).toBe(false);
    expect(timestamp.isValid('2026-11-20T08:15:00')).toBe(false);
    expect(timestamp.isValid(1_700_000_000_000)).toBe(false);
  });

  it('accepts only UUIDs for uuid', () => {
    expect(uuid.isValid('3f1c2a9e-8d4b-4c7e-9a61-2b5d7e0f4a13')).toBe(true);
    expect(uuid.isValid('not-a-uuid')).toBe(false);
  });
});

describe('logical types across schema versions', () => {
  it('reads a plain long written by an older schema as a Date', () => {
    const writer = Type.forSchema({ type: 'record', name: 'E', fields: [{ name: 'at', type: 'long' }] });
    const reader = parse({ type: 'record', name: 'E', fields: [{ name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } }] });
    const decoded = reader.fromBuffer(writer.toBuffer({ at: 1_795_000_000_000 }), reader.createResolver(writer)) as { at: Date };
    expect(decoded.at).toEqual(new Date(1_795_000_000_000));
  });

  it('reads decimals and timestamps through a resolver between two versions of a record', () => {
    const v1 = parse({
      type: 'record',
      name: 'M',
      fields: [
        { name: 'value', type: { type: 'bytes', logicalType: 'decimal', precision: 18, scale: 6 } },
        { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
      ],
    });
    const v2 = parse({
      type: 'record',
      name: 'M',
      fields: [
        { name: 'value', type: { type: 'bytes', logicalType: 'decimal', precision: 18, scale: 6 } },
        { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
        { name: 'unit', type: ['null', 'string'], default: null },
      ],
    });
    const at = new Date('2026-11-20T08:15:00Z');
    expect(v2.fromBuffer(v1.toBuffer({ value: '-12.5', at }), v2.createResolver(v1))).toEqual({ value: '-12.5', at, unit: null });
  });
});
