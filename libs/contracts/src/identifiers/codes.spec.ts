import fc from 'fast-check';
import { Check, checkAtc, checkIcd10, checkIcpc2, checkLoinc } from './index';

const rule = (c: Check) => (c.ok ? 'ok' : c.rule);

describe('ICD-10 (checkIcd10)', () => {
  it('accepts categories and subcategories with or without a dot', () => {
    for (const code of ['I21', 'I21.4', 'I214', 'J18.9', 'J189', 'U07.1', 'Z76.0', 'A00', 'E11.65']) {
      expect([code, checkIcd10(code)]).toEqual([code, { ok: true }]);
    }
  });

  it('names the rule that fails', () => {
    expect(rule(checkIcd10(''))).toBe('must be a non-empty string');
    expect(rule(checkIcd10(21))).toBe('must be a non-empty string');
    expect(rule(checkIcd10('i21'))).toBe('must be uppercase');
    expect(rule(checkIcd10('121'))).toBe('must start with a chapter letter A-Z');
    expect(rule(checkIcd10('I2'))).toBe('chapter letter must be followed by two digits');
    expect(rule(checkIcd10('IA1'))).toBe('chapter letter must be followed by two digits');
    const sub = 'subcategory must be 1-2 letters or digits after the category, with or without a dot';
    expect(rule(checkIcd10('I21.'))).toBe(sub);
    expect(rule(checkIcd10('I21.456'))).toBe(sub);
    expect(rule(checkIcd10('I21-4'))).toBe(sub);
    expect(rule(checkIcd10('I21 4'))).toBe(sub);
  });
});

describe('ICPC-2 (checkIcpc2)', () => {
  it('accepts a chapter letter and a two-digit rubric', () => {
    for (const code of ['K86', 'R74', 'A01', 'P76', 'T90', 'Z29', 'U71']) {
      expect([code, checkIcpc2(code)]).toEqual([code, { ok: true }]);
    }
  });

  it('names the rule that fails', () => {
    const letters = 'chapter letter must be one of A B D F H K L N P R S T U W X Y Z';
    for (const code of ['C01', 'E01', 'G01', 'I01', 'J01', 'M01', 'O01', 'Q01', 'V01', '101']) {
      expect(rule(checkIcpc2(code))).toBe(letters);
    }
    expect(rule(checkIcpc2('k86'))).toBe('must be uppercase');
    expect(rule(checkIcpc2('K8'))).toBe('chapter letter must be followed by exactly two digits');
    expect(rule(checkIcpc2('K860'))).toBe('chapter letter must be followed by exactly two digits');
    expect(rule(checkIcpc2('K8.6'))).toBe('chapter letter must be followed by exactly two digits');
    expect(rule(checkIcpc2('K00'))).toBe('rubric 00 does not exist (rubrics are 01-99)');
  });
});

describe('ATC (checkAtc)', () => {
  it('accepts every level', () => {
    for (const code of ['C', 'C09', 'C09A', 'C09AA', 'C09AA05', 'N02BE01', 'A10BA02', 'V']) {
      expect([code, checkAtc(code)]).toEqual([code, { ok: true }]);
    }
  });

  it('names the rule that fails', () => {
    expect(rule(checkAtc('c09aa05'))).toBe('must be uppercase');
    expect(rule(checkAtc('E'))).toBe('anatomical main group must be one of A B C D G H J L M N P R S V');
    expect(rule(checkAtc('QJ01'))).toBe('anatomical main group must be one of A B C D G H J L M N P R S V');
    expect(rule(checkAtc('C0'))).toBe('must be 1, 3, 4, 5 or 7 characters (an ATC level)');
    expect(rule(checkAtc('C09AA0'))).toBe('must be 1, 3, 4, 5 or 7 characters (an ATC level)');
    expect(rule(checkAtc('C09AA055'))).toBe('must be 1, 3, 4, 5 or 7 characters (an ATC level)');
    expect(rule(checkAtc('CA9'))).toBe('level 2 (characters 2-3) must be two digits');
    expect(rule(checkAtc('C091'))).toBe('level 3 (character 4) must be a letter');
    expect(rule(checkAtc('C09A1'))).toBe('level 4 (character 5) must be a letter');
    expect(rule(checkAtc('C09AAA5'))).toBe('level 5 (characters 6-7) must be two digits');
  });
});

describe('LOINC (checkLoinc)', () => {
  it('accepts codes with a correct mod-10 check digit', () => {
    for (const code of ['8867-4', '8480-6', '8462-4', '2708-6', '29463-7', '15074-8', '8310-5', '9279-1', '8302-2', '85354-9', '59408-5']) {
      expect([code, checkLoinc(code)]).toEqual([code, { ok: true }]);
    }
  });

  it('names the rule that fails', () => {
    const shape = 'must be digits, a hyphen and one check digit';
    for (const code of ['88674', '8867-', '-4', '8867-44', 'LA6576-8', ' 8867-4', '8867–4', '']) {
      expect([code, rule(checkLoinc(code))]).toEqual([code, shape]);
    }
    expect(rule(checkLoinc(8867))).toBe(shape);
    expect(rule(checkLoinc('8867-5'))).toBe('check digit (mod 10) does not match');
    expect(rule(checkLoinc('8687-4'))).toBe('check digit (mod 10) does not match'); // transposition
  });

  it('exactly one check digit validates any code body', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{1,7}$/), (body) => {
        const valid = [...'0123456789'].filter((c) => checkLoinc(`${body}-${c}`).ok);
        expect(valid).toHaveLength(1);
      }),
    );
  });

  it('detects every single-digit error in the code body', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{1,7}$/), fc.nat(), fc.integer({ min: 1, max: 9 }), (body, at, delta) => {
        const check = [...'0123456789'].find((c) => checkLoinc(`${body}-${c}`).ok)!;
        const i = at % body.length;
        const changed = body.slice(0, i) + ((Number(body[i]) + delta) % 10) + body.slice(i + 1);
        expect(checkLoinc(`${changed}-${check}`).ok).toBe(false);
      }),
    );
  });
});
