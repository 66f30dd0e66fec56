import fc from 'fast-check';
import { jsonString } from './json-text';

describe('jsonString', () => {
  it('is JSON.stringify for any string: quotes, backslashes, control characters, non-ASCII and lone surrogates', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme-ascii' }), fc.string({ unit: fc.constantFrom('"', '\\', '\n', '\u0000', '\u007f', 'a', 'ø', '\u2028', '\ud800') })), (text) => {
        expect(jsonString(text)).toBe(JSON.stringify(text));
      }),
      { numRuns: 5_000 },
    );
  });

  it('leaves ids and codes as they are, between quotes', () => {
    expect(jsonString('dho-measurement:0b4c…')).toBe(JSON.stringify('dho-measurement:0b4c…'));
    expect(jsonString('org:958935420/poc:934567897')).toBe('"org:958935420/poc:934567897"');
    expect(jsonString('')).toBe('""');
    expect(jsonString('a"b')).toBe('"a\\"b"');
  });
});
