import fc from 'fast-check';
import {
  Check,
  checkDNumber,
  checkFhNumber,
  checkFnr,
  checkHNumber,
  checkPatientIdentifier,
  detectIdentifierSystem,
  fnrBirthDate,
  makeDNumber,
  makeFhNumber,
  makeFnr,
  makeHNumber,
  PatientIdentifierSystem,
  personCheckDigits,
} from './index';

// An independent oracle written straight from the textbook formulas, to cross-check the library.
function oracleCheckDigits(first9: string): string | null {
  const d = [...first9].map(Number);
  const k = (sum: number) => {
    const v = 11 - (sum % 11);
    return v === 11 ? 0 : v;
  };
  const k1 = k(3 * d[0] + 7 * d[1] + 6 * d[2] + 1 * d[3] + 8 * d[4] + 9 * d[5] + 4 * d[6] + 5 * d[7] + 2 * d[8]);
  if (k1 === 10) return null;
  const k2 = k(5 * d[0] + 4 * d[1] + 3 * d[2] + 2 * d[3] + 7 * d[4] + 6 * d[5] + 5 * d[6] + 4 * d[7] + 3 * d[8] + 2 * k1);
  if (k2 === 10) return null;
  return `${k1}${k2}`;
}

/** Remainder of the 2032-style first check sum (weights 3,7,6,1,8,9,4,5,2,1 over ten digits). */
function k1Remainder(value: string): number {
  const w = [3, 7, 6, 1, 8, 9, 4, 5, 2, 1];
  return [...value.slice(0, 10)].reduce((s, c, i) => s + Number(c) * w[i], 0) % 11;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');
const rule = (c: Check) => (c.ok ? 'ok' : c.rule);

const MIN_DAY = Date.UTC(1854, 0, 1) / 86_400_000;
const MAX_DAY = Date.UTC(2039, 11, 31) / 86_400_000;
/** Any calendar date the numbering scheme covers, at UTC midnight. */
const birthDate = fc.integer({ min: MIN_DAY, max: MAX_DAY }).map((day) => new Date(day * 86_400_000));
const individual = fc.integer({ min: 0, max: 999 });
const remainder = fc.constantFrom<0 | 1 | 2 | 3>(0, 1, 2, 3);

function base9(date: Date, ind: number, dayOffset = 0): string {
  return `${pad(date.getUTCDate() + dayOffset)}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCFullYear() % 100)}${pad(ind, 3)}`;
}

/** Valid FNRs (either check rule) built from any date and individual number. */
const validFnr = fc
  .tuple(birthDate, individual, remainder)
  .map(([date, ind, r]) => {
    const b = base9(date, ind);
    const cd = personCheckDigits(b, r);
    return cd === null ? null : b + cd;
  })
  .filter((v): v is string => v !== null);

const validDNumber = fc
  .tuple(birthDate, individual, remainder)
  .map(([date, ind, r]) => {
    const b = base9(date, ind, 40);
    const cd = personCheckDigits(b, r);
    return cd === null ? null : b + cd;
  })
  .filter((v): v is string => v !== null);

/** A valid FNR for the date with the first individual number from `from` that gives one. */
function someFnr(iso: string, from: number): string {
  for (let ind = from; ind < from + 10; ind++) {
    const fnr = makeFnr(new Date(iso), ind);
    if (fnr !== null) return fnr;
  }
  throw new Error(`no FNR for ${iso} from ${from}`);
}

/** Ten digits completed with the second check digit, whatever the first check sum. */
function withK2(first10: string): string | null {
  const w = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
  const k2 = (11 - ([...first10].reduce((s, c, i) => s + Number(c) * w[i], 0) % 11)) % 11;
  return k2 === 10 ? null : first10 + k2;
}

/** Every other value differing from `value` in exactly one digit. */
function singleDigitVariants(value: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < value.length; i++) {
    for (let delta = 1; delta <= 9; delta++) {
      const digit = (Number(value[i]) + delta) % 10;
      out.push(value.slice(0, i) + digit + value.slice(i + 1));
    }
  }
  return out;
}

describe('fødselsnummer (checkFnr)', () => {
  it("accepts Skatteetaten's published examples under both check rules", () => {
    // From Skatteetaten's "Nytt fødselsnummer fra 2032" documentation.
    expect(checkFnr('02013299997')).toEqual({ ok: true }); // remainder 0
    expect(checkFnr('02013299806')).toEqual({ ok: true }); // remainder 0
    expect(checkFnr('30108299920')).toEqual({ ok: true }); // remainder 0
    expect(k1Remainder('30108299939')).toBe(1);
    expect(checkFnr('30108299939')).toEqual({ ok: true }); // remainder 1: only valid from 2032
    expect(k1Remainder('02013299903')).toBe(2);
    expect(checkFnr('02013299903')).toEqual({ ok: true });
  });

  it('accepts generated numbers across the centuries the scheme covers', () => {
    for (const [iso, ind] of [
      ['1855-07-04', 700],
      ['1901-01-01', 0],
      ['1965-08-13', 499],
      ['1975-12-31', 950],
      ['2004-02-29', 600],
      ['2039-12-31', 999],
    ] as const) {
      const fnr = someFnr(iso, ind - (ind === 999 ? 9 : 0));
      expect(checkFnr(fnr)).toEqual({ ok: true });
      expect(fnrBirthDate(fnr)).toEqual(new Date(iso));
    }
  });

  it('names the rule that fails', () => {
    expect(rule(checkFnr('0201329999'))).toBe('must be 11 digits');
    expect(rule(checkFnr('020132999970'))).toBe('must be 11 digits');
    expect(rule(checkFnr('0201329999O'))).toBe('must be 11 digits');
    expect(rule(checkFnr(' 02013299997'))).toBe('must be 11 digits');
    expect(rule(checkFnr('020132 99997'))).toBe('must be 11 digits');
    expect(rule(checkFnr(''))).toBe('must be 11 digits');
    expect(rule(checkFnr('01130012345'))).toBe('month 13 is not a valid month');
    expect(rule(checkFnr('01000012345'))).toBe('month 0 is not a valid month');
    expect(rule(checkFnr('00010012345'))).toBe('day 0 is not a valid day in month 1');
    expect(rule(checkFnr('32010012345'))).toBe('day 32 is not a valid day in month 1');
    expect(rule(checkFnr('31040012345'))).toBe('day 31 is not a valid day in month 4');
    expect(rule(checkFnr('29020112345'))).toBe('day 29 is not a valid day in month 2');
    expect(rule(checkFnr('45010012345'))).toBe('first digit 4-7 marks a D-number, not a fødselsnummer');
    expect(rule(checkFnr('81234567802'))).toBe('first digit 8-9 marks an FH-number, not a fødselsnummer');
    expect(rule(checkFnr('01410012345'))).toBe('month 41-52 marks an H-number, not a fødselsnummer');
    const remainder6 = withK2('0201329994')!; // k1 = 4 leaves remainder 6
    expect(k1Remainder(remainder6)).toBe(6);
    expect(rule(checkFnr(remainder6))).toBe('check digit 1 (mod 11) does not match');
    expect(rule(checkFnr('02013299998'))).toBe('check digit 2 (mod 11) does not match');
  });

  it('accepts 29 February in every year divisible by four, including year 00', () => {
    expect(checkFnr(someFnr('2000-02-29', 600))).toEqual({ ok: true });
    expect(checkFnr(someFnr('1904-02-29', 100))).toEqual({ ok: true });
    // 290200 with a 1900s individual number is accepted (from 2032 the individual number no longer
    // gives the century), but it has no birth date: 29.02.1900 never existed.
    const b = '290200100';
    const v = b + personCheckDigits(b);
    expect(checkFnr(v)).toEqual({ ok: true });
    expect(fnrBirthDate(v)).toBeNull();
  });

  it('never throws, whatever it is given', () => {
    for (const v of [undefined, null, 12345678901, {}, [], NaN, Symbol('x'), () => 1]) {
      expect(checkFnr(v as unknown)).toEqual({ ok: false, rule: 'must be 11 digits' });
      expect(checkDNumber(v as unknown).ok).toBe(false);
      expect(checkHNumber(v as unknown).ok).toBe(false);
      expect(checkFhNumber(v as unknown).ok).toBe(false);
      expect(detectIdentifierSystem(v as unknown)).toBeNull();
      expect(fnrBirthDate(v as unknown)).toBeNull();
    }
    fc.assert(fc.property(fc.string(), (s) => typeof checkFnr(s).ok === 'boolean'));
  });

  it('(a) check digits computed by the old rule for any date and individual number always validate', () => {
    fc.assert(
      fc.property(birthDate, individual, (date, ind) => {
        const b = base9(date, ind);
        const cd = personCheckDigits(b);
        expect(cd).toBe(oracleCheckDigits(b)); // the library agrees with the textbook formula
        fc.pre(cd !== null); // k1 or k2 would be 10: such numbers are never issued
        expect(checkFnr(b + cd)).toEqual({ ok: true });
        expect(k1Remainder(b + cd)).toBe(0);
      }),
      { numRuns: 2000 },
    );
  });

  it('(b) changing any single digit of a valid FNR makes it invalid, under either rule', () => {
    fc.assert(
      fc.property(validFnr, (fnr) => {
        for (const variant of singleDigitVariants(fnr)) expect(checkFnr(variant).ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('(d) numbers whose first check sum leaves remainder 1, 2 or 3 are accepted (2032 rule)', () => {
    fc.assert(
      fc.property(birthDate, individual, fc.constantFrom<1 | 2 | 3>(1, 2, 3), (date, ind, r) => {
        const b = base9(date, ind);
        const cd = personCheckDigits(b, r);
        fc.pre(cd !== null);
        expect(k1Remainder(b + cd)).toBe(r);
        expect(checkFnr(b + cd)).toEqual({ ok: true });
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects remainders 4-10 of the first check sum', () => {
    fc.assert(
      fc.property(birthDate, individual, fc.integer({ min: 4, max: 10 }), (date, ind, r) => {
        const b = base9(date, ind);
        const d = [...b].map(Number);
        const s9 = [3, 7, 6, 1, 8, 9, 4, 5, 2].reduce((s, w, i) => s + w * d[i], 0);
        const k1 = (((r - s9) % 11) + 11) % 11;
        fc.pre(k1 !== 10);
        const s10 = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2].reduce((s, w, i) => s + w * [...d, k1][i], 0);
        const k2 = (11 - (s10 % 11)) % 11;
        fc.pre(k2 !== 10);
        expect(checkFnr(`${b}${k1}${k2}`)).toEqual({ ok: false, rule: 'check digit 1 (mod 11) does not match' });
      }),
    );
  });
});

describe('synthetic test numbers (Tenor, month + 80)', () => {
  const synthetic = makeFnr(new Date('1985-06-15'), 122, { synthetic: true })!;

  it('are generated with month 81-92', () => {
    expect(synthetic).toBe('15868512218');
  });

  it('are refused by default and accepted with allowSynthetic', () => {
    expect(checkFnr(synthetic)).toEqual({
      ok: false,
      rule: 'month 86 is a synthetic test month (81-92), allowed only with allowSynthetic',
    });
    expect(checkFnr(synthetic, { allowSynthetic: true })).toEqual({ ok: true });
    expect(detectIdentifierSystem(synthetic)).toBeNull();
    expect(detectIdentifierSystem(synthetic, { allowSynthetic: true })).toBe('FNR');
    expect(fnrBirthDate(synthetic)).toBeNull();
    expect(fnrBirthDate(synthetic, { allowSynthetic: true })).toEqual(new Date('1985-06-15'));
  });

  it('still need a real month and day', () => {
    const b = '159385123'; // month 93 = 13 + 80
    expect(rule(checkFnr(b + personCheckDigits(b), { allowSynthetic: true }))).toBe('month 93 is not a valid month');
  });

  it('exist for D-numbers too', () => {
    const d = makeDNumber(new Date('1985-06-15'), 124, { synthetic: true })!;
    expect(d.slice(0, 4)).toBe('5586');
    expect(checkDNumber(d).ok).toBe(false);
    expect(checkDNumber(d, { allowSynthetic: true })).toEqual({ ok: true });
  });
});

describe('D-number (checkDNumber)', () => {
  it('accepts a generated D-number and reads its birth date', () => {
    const d = makeDNumber(new Date('1990-03-31'), 445)!;
    expect(d.slice(0, 6)).toBe('710390');
    expect(checkDNumber(d)).toEqual({ ok: true });
    expect(fnrBirthDate(d)).toEqual(new Date('1990-03-31'));
    expect(detectIdentifierSystem(d)).toBe('DNR');
  });

  it('names the rule that fails', () => {
    expect(rule(checkDNumber('1234'))).toBe('must be 11 digits');
    expect(rule(checkDNumber('02013299997'))).toBe('D-number first digit must be 4-7');
    expect(rule(checkDNumber('81234567802'))).toBe('D-number first digit must be 4-7');
    expect(rule(checkDNumber('40010012345'))).toBe('day 40 − 40 = 0 is not a valid day in month 1');
    expect(rule(checkDNumber('72010012345'))).toBe('day 72 − 40 = 32 is not a valid day in month 1');
    expect(rule(checkDNumber('71040012345'))).toBe('day 71 − 40 = 31 is not a valid day in month 4');
    expect(rule(checkDNumber('41130012345'))).toBe('month 13 is not a valid month');
    const b = '410100124';
    const good = b + personCheckDigits(b);
    expect(checkDNumber(good)).toEqual({ ok: true });
    const badK2 = good.slice(0, 10) + ((Number(good[10]) + 1) % 10);
    expect(rule(checkDNumber(badK2))).toBe('check digit 2 (mod 11) does not match');
  });

  it('(b) changing any single digit of a valid D-number makes it invalid', () => {
    fc.assert(
      fc.property(validDNumber, (d) => {
        for (const variant of singleDigitVariants(d)) expect(checkDNumber(variant).ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('(c) a D-number is valid iff the FNR with day − 40 (and its own check digits) is valid', () => {
    // Day, month and year range over invalid dates too, so the date rules are compared, not just assumed.
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 39 }),
        fc.integer({ min: 0, max: 39 }),
        fc.integer({ min: 0, max: 99 }),
        individual,
        remainder,
        fc.boolean(),
        (day, month, yy, ind, r, allowSynthetic) => {
          const rest = `${pad(month)}${pad(yy)}${pad(ind, 3)}`;
          const fnrBase = pad(day) + rest;
          const dBase = pad(day + 40) + rest;
          const fnrCd = personCheckDigits(fnrBase, r);
          const dCd = personCheckDigits(dBase, r);
          fc.pre(fnrCd !== null && dCd !== null);
          const options = { allowSynthetic };
          expect(checkDNumber(dBase + dCd, options).ok).toBe(checkFnr(fnrBase + fnrCd, options).ok);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('(c) holds for raw 11-digit strings too', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[4-7]\d{10}$/), (x) => {
        const r = k1Remainder(x);
        const fnrBase = String(Number(x[0]) - 4) + x.slice(1, 9);
        const fnrCd = r <= 3 ? personCheckDigits(fnrBase, r as 0 | 1 | 2 | 3) : null;
        const checksumOk = r <= 3 && personCheckDigits(x.slice(0, 9), r as 0 | 1 | 2 | 3) === x.slice(9);
        if (!checksumOk) expect(checkDNumber(x).ok).toBe(false);
        else if (fnrCd !== null) expect(checkDNumber(x).ok).toBe(checkFnr(fnrBase + fnrCd).ok);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('H-number (checkHNumber)', () => {
  it('accepts a generated H-number (month + 40)', () => {
    const h = makeHNumber(new Date('2024-11-05'), 987)!;
    expect(h.slice(0, 6)).toBe('055124');
    expect(checkHNumber(h)).toEqual({ ok: true });
    expect(detectIdentifierSystem(h)).toBe('HNR');
    expect(fnrBirthDate(h)).toEqual(new Date('2024-11-05'));
    expect(rule(checkFnr(h))).toBe('month 41-52 marks an H-number, not a fødselsnummer');
  });

  it('names the rule that fails', () => {
    expect(rule(checkHNumber('02013299997'))).toBe('H-number third digit must be 4 or 5 (month + 40)');
    expect(rule(checkHNumber('45410012345'))).toBe('H-number first digit must be 0-3');
    expect(rule(checkHNumber('01530012345'))).toBe('month 53 − 40 = 13 is not a valid month');
    expect(rule(checkHNumber('01400012345'))).toBe('month 40 − 40 = 0 is not a valid month');
    expect(rule(checkHNumber('31440012345'))).toBe('day 31 is not a valid day in month 4');
    const b = '055124987';
    const good = b + personCheckDigits(b);
    expect(rule(checkHNumber(good.slice(0, 9) + ((Number(good[9]) + 1) % 10) + good[10]))).toMatch(/^check digit/);
  });

  it('changing any single digit of a valid H-number makes it invalid', () => {
    fc.assert(
      fc.property(birthDate, individual, remainder, (date, ind, r) => {
        const h = makeHNumber(date, ind, { k1Remainder: r });
        fc.pre(h !== null);
        expect(checkHNumber(h)).toEqual({ ok: true });
        for (const variant of singleDigitVariants(h)) expect(checkHNumber(variant).ok).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});

describe('FH-number (checkFhNumber)', () => {
  it('accepts generated FH-numbers starting with 8 or 9', () => {
    expect(makeFhNumber('812345678')).toBe('81234567802');
    expect(makeFhNumber('912345678')).toBe('91234567883');
    expect(checkFhNumber('81234567802')).toEqual({ ok: true });
    expect(checkFhNumber('91234567883')).toEqual({ ok: true });
    expect(detectIdentifierSystem('81234567802')).toBe('FHN');
    expect(fnrBirthDate('81234567802')).toBeNull(); // no date meaning
  });

  it('names the rule that fails', () => {
    expect(rule(checkFhNumber('02013299997'))).toBe('FH-number first digit must be 8 or 9');
    expect(rule(checkFhNumber('81234567812'))).toBe('check digit 1 (mod 11) does not match');
    expect(rule(checkFhNumber('81234567803'))).toBe('check digit 2 (mod 11) does not match');
    expect(makeFhNumber('712345678')).toBeNull();
    expect(makeFhNumber('81234567')).toBeNull();
  });

  it('keeps the strict rule: remainders 1-3 are FNR/D-number relaxations only', () => {
    const cd = personCheckDigits('812345678', 1)!;
    expect(rule(checkFhNumber('812345678' + cd))).toBe('check digit 1 (mod 11) does not match');
  });

  it('round-trips and detects every single-digit error', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[89]\d{8}$/), (first9) => {
        const fh = makeFhNumber(first9);
        expect(fh === null).toBe(oracleCheckDigits(first9) === null);
        fc.pre(fh !== null);
        expect(checkFhNumber(fh)).toEqual({ ok: true });
        for (const variant of singleDigitVariants(fh)) expect(checkFhNumber(variant).ok).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});

describe('checkPatientIdentifier and detectIdentifierSystem', () => {
  const examples: Record<PatientIdentifierSystem, string> = {
    FNR: '02013299997',
    DNR: makeDNumber(new Date('1990-03-31'), 445)!,
    HNR: makeHNumber(new Date('2024-11-05'), 987)!,
    FHN: '81234567802',
  };

  it('dispatches to the validator of the named system', () => {
    for (const [system, value] of Object.entries(examples) as [PatientIdentifierSystem, string][]) {
      expect(checkPatientIdentifier(system, value)).toEqual({ ok: true });
      expect(detectIdentifierSystem(value)).toBe(system);
      for (const other of Object.keys(examples) as PatientIdentifierSystem[]) {
        if (other !== system) expect(checkPatientIdentifier(other, value).ok).toBe(false);
      }
    }
    expect(checkPatientIdentifier('XYZ' as PatientIdentifierSystem, '02013299997')).toEqual({
      ok: false,
      rule: 'unknown identifier system XYZ',
    });
  });

  it('detects nothing for malformed or wrongly checked values', () => {
    expect(detectIdentifierSystem('02013299998')).toBeNull();
    expect(detectIdentifierSystem('0201329999')).toBeNull();
    expect(detectIdentifierSystem('abcdefghijk')).toBeNull();
  });

  it('finds at most one system for any 11 digits (the kinds are disjoint)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{11}$/), fc.boolean(), (value, allowSynthetic) => {
        const systems = (Object.keys(examples) as PatientIdentifierSystem[]).filter(
          (s) => checkPatientIdentifier(s, value, { allowSynthetic }).ok,
        );
        expect(systems.length).toBeLessThanOrEqual(1);
        expect(detectIdentifierSystem(value, { allowSynthetic })).toBe(systems[0] ?? null);
      }),
      { numRuns: 5000 },
    );
  });
});

describe('fnrBirthDate', () => {
  it('reads the century from the individual number', () => {
    const at = (iso: string, ind: number) => fnrBirthDate(someFnr(iso, ind));
    expect(at('1855-07-04', 700)).toEqual(new Date('1855-07-04')); // 500-749, year 54-99
    expect(at('1965-08-13', 200)).toEqual(new Date('1965-08-13')); // 000-499
    expect(at('1975-12-31', 950)).toEqual(new Date('1975-12-31')); // 900-999, year 40-99
    expect(at('2012-05-17', 800)).toEqual(new Date('2012-05-17')); // 500-999, year 00-39
    expect(fnrBirthDate('02013299997')).toEqual(new Date('2032-01-02'));
    expect(fnrBirthDate('30108299939')).toEqual(new Date('1982-10-30'));
  });

  it('is null for invalid numbers and individual numbers that give no century', () => {
    expect(fnrBirthDate('02013299998')).toBeNull();
    const b = '010145600'; // 500-749 with year 40-53: no century
    const v = b + personCheckDigits(b);
    expect(checkFnr(v)).toEqual({ ok: true });
    expect(fnrBirthDate(v)).toBeNull();
  });

  it('makeFnr round-trips any date whenever it returns a number', () => {
    fc.assert(
      fc.property(birthDate, individual, remainder, fc.boolean(), (date, ind, r, synthetic) => {
        const fnr = makeFnr(date, ind, { k1Remainder: r, synthetic });
        const d = makeDNumber(date, ind, { k1Remainder: r, synthetic });
        // Null only when the individual number belongs to another century (regulation table) or a
        // check digit would be 10.
        const year = date.getUTCFullYear();
        const yy = year % 100;
        const century =
          ind <= 499 ? 1900 : ind <= 749 && yy >= 54 ? 1800 : yy <= 39 ? 2000 : ind >= 900 ? 1900 : null;
        const month = date.getUTCMonth() + 1 + (synthetic ? 80 : 0);
        const b = `${pad(date.getUTCDate())}${pad(month)}${pad(yy)}${pad(ind, 3)}`;
        expect(fnr === null).toBe(century !== year - yy || personCheckDigits(b, r) === null);
        if (fnr !== null) {
          expect(checkFnr(fnr, { allowSynthetic: synthetic })).toEqual({ ok: true });
          expect(fnrBirthDate(fnr, { allowSynthetic: true })).toEqual(date);
        }
        if (d !== null) {
          expect(checkDNumber(d, { allowSynthetic: synthetic })).toEqual({ ok: true });
          expect(fnrBirthDate(d, { allowSynthetic: true })).toEqual(date);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('makeFnr refuses impossible input', () => {
    expect(makeFnr(new Date('1985-06-15'), 600)).toBeNull(); // 600 with year 85 means 1885
    expect(makeFnr(new Date('2040-01-01'), 999)).toBeNull(); // the scheme ends in 2039
    expect(makeFnr(new Date('1853-12-31'), 700)).toBeNull(); // and starts in 1854
    expect(makeFnr(new Date('nonsense'), 100)).toBeNull();
    expect(makeFnr(new Date('1985-06-15'), 1000)).toBeNull();
    expect(makeFnr(new Date('1985-06-15'), 1.5)).toBeNull();
    expect(makeFnr(new Date('1985-06-15'), 125)).toBeNull(); // a check digit would be 10
  });
});
