import fc from 'fast-check';
import { logRowsJson } from './audit-trail';

describe('logRowsJson (the access log rows as JSON)', () => {
  it('drops NUL from every string, which jsonb cannot store', () => {
    const rows = [{ access_id: 'a', entry: { practitioner: { name: 'Kari\u0000 Nordmann' }, itemIds: ['x\u0000y'] } }];
    expect(JSON.parse(logRowsJson(rows))).toEqual([{ access_id: 'a', entry: { practitioner: { name: 'Kari Nordmann' }, itemIds: ['xy'] } }]);
  });

  it('keeps a backslash followed by the text u0000, which is no NUL', () => {
    const rows = [{ decisionRef: 'C:\\u0000', name: 'plain' }];
    expect(JSON.parse(logRowsJson(rows))).toEqual(rows);
  });

  it('is JSON.stringify with every NUL removed, for any strings', () => {
    const text = fc.string({ unit: fc.constantFrom('a', '\u0000', '\\', 'u', '0', 'æ', '"') });
    fc.assert(
      fc.property(fc.array(fc.record({ name: text, entry: fc.record({ itemIds: fc.array(text) }) })), (rows) => {
        const withoutNul = rows.map((r) => ({ name: r.name.replaceAll('\u0000', ''), entry: { itemIds: r.entry.itemIds.map((i) => i.replaceAll('\u0000', '')) } }));
        expect(JSON.parse(logRowsJson(rows))).toEqual(withoutNul);
      }),
    );
  });
});
