import { checkLoinc, checkUcumForLoinc, VITAL_SIGNS } from './index';

describe('VITAL_SIGNS', () => {
  it('lists the rows of domain.md §6 with check-digit-valid LOINC codes', () => {
    expect(VITAL_SIGNS.map((v) => v.loinc)).toEqual([
      '85354-9',
      '8480-6',
      '8462-4',
      '8867-4',
      '2708-6',
      '29463-7',
      '15074-8',
      '8310-5',
      '9279-1',
      '8302-2',
      '88330-6',
    ]);
    for (const row of VITAL_SIGNS) expect([row.loinc, checkLoinc(row.loinc)]).toEqual([row.loinc, { ok: true }]);
    for (const row of VITAL_SIGNS) if (row.snomed !== undefined) expect(row.snomed).toMatch(/^\d{6,18}$/);
  });

  it('flags the NEWS2 code as unverified', () => {
    expect(VITAL_SIGNS.find((v) => v.loinc === '88330-6')?.note).toMatch(/^unverified/);
  });

  it('cannot be changed by a consumer', () => {
    expect(Object.isFrozen(VITAL_SIGNS)).toBe(true);
    expect(VITAL_SIGNS.every((row) => Object.isFrozen(row))).toBe(true);
  });
});

describe('checkUcumForLoinc', () => {
  it('accepts the expected unit for every row', () => {
    for (const row of VITAL_SIGNS) expect(checkUcumForLoinc(row.loinc, row.ucum)).toEqual({ ok: true });
  });

  it('names the expected unit when another is given', () => {
    expect(checkUcumForLoinc('8867-4', 'bpm')).toEqual({
      ok: false,
      rule: 'LOINC 8867-4 (heart rate) must be in /min, not bpm',
    });
    expect(checkUcumForLoinc('8480-6', 'mmHg')).toEqual({
      ok: false,
      rule: 'LOINC 8480-6 (systolic blood pressure) must be in mm[Hg], not mmHg',
    });
    expect(checkUcumForLoinc('8310-5', '°C')).toEqual({
      ok: false,
      rule: 'LOINC 8310-5 (body temperature) must be in Cel, not °C',
    });
    // UCUM would also accept mmol/l; we insist on one spelling so units compare as strings.
    expect(checkUcumForLoinc('15074-8', 'mmol/l').ok).toBe(false);
    expect(checkUcumForLoinc('2708-6', '')).toEqual({
      ok: false,
      rule: 'LOINC 2708-6 (SpO2) must be in %, not an empty unit',
    });
    expect(checkUcumForLoinc('29463-7', undefined)).toEqual({
      ok: false,
      rule: 'LOINC 29463-7 (body weight) must be in kg, not a non-string value',
    });
  });

  it('leaves codes outside the table alone', () => {
    expect(checkUcumForLoinc('59408-5', '%')).toEqual({ ok: true });
    expect(checkUcumForLoinc('12345-6', 'anything')).toEqual({ ok: true });
    expect(checkUcumForLoinc(undefined, 'kg')).toEqual({ ok: true });
  });
});
