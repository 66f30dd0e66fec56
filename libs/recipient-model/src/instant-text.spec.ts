import fc from 'fast-check';
import { instantText } from './recipient-model-reader';

describe('instantText', () => {
  const dates = fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true });

  it("is the parsed Date's toISOString for text the projector stored (toISOString's form)", () => {
    fc.assert(fc.property(dates, (date) => expect(instantText(date.toISOString(), new Date(date.toISOString()))).toBe(date.toISOString())));
  });

  it('formats the parsed Date again for any other stored form', () => {
    fc.assert(
      fc.property(dates, (date) => {
        const iso = date.toISOString();
        for (const stored of [iso.replace('Z', '+00:00'), iso.replace(/\.\d{3}Z$/, 'Z'), date.getTime(), undefined]) {
          expect(instantText(stored, date)).toBe(iso);
        }
      }),
    );
    // Years outside 0000-9999 are written with a sign and six digits.
    const far = new Date('+012345-01-01T00:00:00.000Z');
    expect(instantText('+012345-01-01T00:00:00.000Z', far)).toBe(far.toISOString());
  });
});
