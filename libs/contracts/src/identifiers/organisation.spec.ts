import fc from 'fast-check';
import { Check, checkHerId, checkHprNumber, checkOrgNumber, checkReshId, makeOrgNumber } from './index';

const rule = (c: Check) => (c.ok ? 'ok' : c.rule);

describe('organisation number (checkOrgNumber)', () => {
  it('accepts real organisation numbers from Enhetsregisteret', () => {
    expect(checkOrgNumber('993467049')).toEqual({ ok: true }); // Oslo universitetssykehus HF
    expect(checkOrgNumber('958935420')).toEqual({ ok: true }); // Oslo kommune
    expect(checkOrgNumber('982791952')).toEqual({ ok: true }); // Diakonhjemmet Sykehus AS
    expect(checkOrgNumber('965985166')).toEqual({ ok: true }); // Lovisenberg Diakonale Sykehus AS
    expect(checkOrgNumber('994598759')).toEqual({ ok: true }); // Norsk helsenett SF
  });

  it('computes 0 when 11 − remainder is 11', () => {
    // Oslo kommune: weighted sum 198 ≡ 0 (mod 11), so the control digit is 0, not 11.
    expect(makeOrgNumber('95893542')).toBe('958935420');
  });

  it('names the rule that fails', () => {
    expect(rule(checkOrgNumber('99346704'))).toBe('must be 9 digits');
    expect(rule(checkOrgNumber('9934670490'))).toBe('must be 9 digits');
    expect(rule(checkOrgNumber('993 467 049'))).toBe('must be 9 digits');
    expect(rule(checkOrgNumber('NO993467049'))).toBe('must be 9 digits');
    expect(rule(checkOrgNumber(993467049))).toBe('must be 9 digits');
    expect(rule(checkOrgNumber('993467048'))).toBe('check digit (mod 11) does not match');
    expect(rule(checkOrgNumber('939467049'))).toBe('check digit (mod 11) does not match'); // transposition
  });

  it('refuses to make a number whose control digit would be 10', () => {
    expect(makeOrgNumber('40000000')).toBeNull(); // 4·3 = 12 ≡ 1 (mod 11), so the control would be 10
    expect(makeOrgNumber('9934670')).toBeNull();
    expect(makeOrgNumber('9934670a')).toBeNull();
  });

  it('makeOrgNumber always yields a valid number or null for a control digit of 10', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{8}$/), (first8) => {
        const org = makeOrgNumber(first8);
        const sum = [3, 2, 7, 6, 5, 4, 3, 2].reduce((s, w, i) => s + w * Number(first8[i]), 0);
        expect(org === null).toBe(sum % 11 === 1);
        if (org !== null) expect(checkOrgNumber(org)).toEqual({ ok: true });
      }),
    );
  });

  it('(b) changing any single digit of a valid organisation number makes it invalid', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{8}$/), (first8) => {
        const org = makeOrgNumber(first8);
        fc.pre(org !== null);
        for (let i = 0; i < 9; i++) {
          for (let delta = 1; delta <= 9; delta++) {
            const variant = org.slice(0, i) + ((Number(org[i]) + delta) % 10) + org.slice(i + 1);
            expect(checkOrgNumber(variant).ok).toBe(false);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('register ids without checksums', () => {
  it('HPR number: 1-9 digits, not all zeros', () => {
    expect(checkHprNumber('1')).toEqual({ ok: true });
    expect(checkHprNumber('999000001')).toEqual({ ok: true });
    expect(rule(checkHprNumber('0000000'))).toBe('must not be all zeros');
    expect(rule(checkHprNumber(''))).toBe('must be 1-9 digits');
    expect(rule(checkHprNumber('1234567890'))).toBe('must be 1-9 digits');
    expect(rule(checkHprNumber('12a'))).toBe('must be 1-9 digits');
    expect(rule(checkHprNumber(9144889))).toBe('must be 1-9 digits');
  });

  it('RESH id and HER-id: 1-9 digits', () => {
    for (const check of [checkReshId, checkHerId]) {
      expect(check('4001031')).toEqual({ ok: true });
      expect(check('8142519')).toEqual({ ok: true });
      expect(rule(check(''))).toBe('must be 1-9 digits');
      expect(rule(check('1234567890'))).toBe('must be 1-9 digits');
      expect(rule(check('-1'))).toBe('must be 1-9 digits');
      expect(rule(check(null))).toBe('must be 1-9 digits');
    }
  });

  it('accept exactly the strings of 1-9 digits', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), (s) => {
        const shape = /^\d{1,9}$/.test(s);
        expect(checkReshId(s).ok).toBe(shape);
        expect(checkHerId(s).ok).toBe(shape);
        expect(checkHprNumber(s).ok).toBe(shape && /[1-9]/.test(s));
      }),
    );
  });
});
