import { decodeCursor, encodeCursor, feedStart } from './feed-cursor';

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

describe('feed cursor', () => {
  it('round-trips a position, with and without a delivered entry', () => {
    for (const cursor of [feedStart(1), { version: 3, readSeq: 9_007_199_254_740_993n, deliveredSeq: 9_007_199_254_740_990n }]) {
      expect(decodeCursor(encodeCursor(cursor), cursor.version)).toEqual({ ok: true, cursor });
    }
  });

  it('is opaque URL-safe text', () => {
    expect(encodeCursor({ version: 1, readSeq: 12n, deliveredSeq: 10n })).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('refuses a cursor of another read model version, saying what to do', () => {
    expect(decodeCursor(encodeCursor(feedStart(1)), 2)).toEqual({ ok: false, rule: expect.stringMatching(/version 1 .*now 2.*without a cursor/) });
  });

  it.each([
    ['empty', ''],
    ['not base64url', 'abc+/='],
    ['injection-shaped', "1' OR '1'='1"],
    ['too long', 'A'.repeat(201)],
    ['not JSON', b64('{v:1')],
    ['a JSON array', b64([1, '2', null])],
    ['a negative seq', b64({ v: 1, s: '-1', p: null })],
    ['a seq as a number', b64({ v: 1, s: 5, p: null })],
    ['a seq beyond bigint', b64({ v: 1, s: '9223372036854775808', p: null })],
    ['leading zeros', b64({ v: 1, s: '007', p: null })],
    ['a fractional version', b64({ v: 1.5, s: '1', p: null })],
    ['delivered beyond read', b64({ v: 1, s: '3', p: '4' })],
    ['a missing delivered field', b64({ v: 1, s: '3' })],
  ])('refuses %s', (_what, text) => {
    expect(decodeCursor(text, 1)).toEqual({ ok: false, rule: expect.stringContaining('must be a cursor returned by this feed') });
  });
});
