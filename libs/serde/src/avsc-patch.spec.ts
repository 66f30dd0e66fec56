import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { Type } from 'avsc';

// avsc is patched at install (patches/, npm's postinstall runs patch-package): Tap.writeString
// writes short ASCII strings in one pass instead of asking Buffer.byteLength first. These check
// that the install has the patch and that every string still encodes to Avro's bytes: a zig-zag
// varint of the UTF-8 length, then the UTF-8 bytes.
const utilsSource = readFileSync(require.resolve('avsc/lib/utils.js'), 'utf8');
const stringType = Type.forSchema('string');
const recordType = Type.forSchema({
  type: 'record',
  name: 'Pair',
  fields: [
    { name: 'first', type: 'string' },
    { name: 'count', type: 'int' },
    { name: 'second', type: 'string' },
  ],
});

/** Avro's encoding of a string, built from the specification rather than avsc. */
function referenceEncoding(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  const varint: number[] = [];
  let zigzag = bytes.length * 2;
  while (zigzag >= 0x80) {
    varint.push((zigzag & 0x7f) | 0x80);
    zigzag = Math.floor(zigzag / 128);
  }
  varint.push(zigzag);
  return Buffer.concat([Buffer.from(varint), bytes]);
}

const anyText = fc.oneof(
  fc.string({ unit: 'grapheme-ascii', maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 80 }),
  // Around the one-byte length boundary (63/64 characters), ASCII with one non-ASCII character anywhere.
  fc.tuple(fc.string({ unit: 'grapheme-ascii', minLength: 60, maxLength: 70 }), fc.constantFrom('', 'ø', 'Å', '€', '😀'), fc.nat()).map(
    ([ascii, extra, at]) => ascii.slice(0, at % (ascii.length + 1)) + extra + ascii.slice(at % (ascii.length + 1)),
  ),
);

describe('the installed avsc', () => {
  it('is the patched one', () => {
    expect(utilsSource).toContain('Backbone patch');
  });

  it("encodes any string to Avro's bytes and reads it back", () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const encoded = stringType.toBuffer(text);
        expect(encoded.equals(referenceEncoding(text))).toBe(true);
        expect(stringType.fromBuffer(encoded)).toBe(Buffer.from(text, 'utf8').toString('utf8'));
      }),
      { numRuns: 2_000 },
    );
  });

  it('grows the buffer when a string does not fit, whatever its length and content', () => {
    // encode() into a too-small buffer answers a negative size; toBuffer retries in a larger one.
    fc.assert(
      fc.property(anyText, anyText, fc.integer({ min: 0, max: 40 }), (first, second, room) => {
        const value = { first, count: 7, second };
        const expected = Buffer.concat([referenceEncoding(first), Buffer.from([14]), referenceEncoding(second)]);
        const small = Buffer.alloc(room);
        const end = recordType.encode(value, small, 0);
        if (end >= 0) expect(small.subarray(0, end).equals(expected)).toBe(true);
        else expect(room - end).toBe(expected.length);
        expect(recordType.toBuffer(value).equals(expected)).toBe(true);
      }),
      { numRuns: 1_000 },
    );
  });
});
