import { checkFnr } from '../identifiers';
import { syntheticFnr } from './synthetic-data';

describe('syntheticFnr', () => {
  it('makes distinct, valid Tenor-style numbers that a production validator rejects', () => {
    const numbers = Array.from({ length: 5_000 }, (_, n) => syntheticFnr(n));
    expect(new Set(numbers).size).toBe(numbers.length);
    for (const fnr of numbers) {
      expect(checkFnr(fnr, { allowSynthetic: true })).toEqual({ ok: true });
      expect(Number(fnr.slice(2, 4))).toBeGreaterThan(80);
      expect(checkFnr(fnr).ok).toBe(false);
    }
  });
});
