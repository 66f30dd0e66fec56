import { Check, OK, fail } from './check';

export interface VitalSign {
  readonly name: string;
  readonly loinc: string;
  readonly snomed?: string;
  /** The one UCUM spelling we accept, so consumers can compare units as plain strings. */
  readonly ucum: string;
  readonly note?: string;
}

/** Vital signs for home follow-up and ambulance (domain.md §6). */
export const VITAL_SIGNS: readonly VitalSign[] = Object.freeze(
  (
    [
      { name: 'blood pressure panel', loinc: '85354-9', snomed: '75367002', ucum: 'mm[Hg]' },
      { name: 'systolic blood pressure', loinc: '8480-6', ucum: 'mm[Hg]' },
      { name: 'diastolic blood pressure', loinc: '8462-4', ucum: 'mm[Hg]' },
      { name: 'heart rate', loinc: '8867-4', snomed: '364075005', ucum: '/min' },
      { name: 'SpO2', loinc: '2708-6', snomed: '431314004', ucum: '%' },
      { name: 'body weight', loinc: '29463-7', snomed: '27113001', ucum: 'kg' },
      // NPU02187 is the matching NPU code used by Norwegian labs.
      { name: 'blood glucose', loinc: '15074-8', snomed: '434912009', ucum: 'mmol/L' },
      { name: 'body temperature', loinc: '8310-5', snomed: '276885007', ucum: 'Cel' },
      { name: 'respiratory rate', loinc: '9279-1', ucum: '/min' },
      { name: 'body height', loinc: '8302-2', snomed: '50373000', ucum: 'cm' },
      {
        name: 'NEWS2 total',
        loinc: '88330-6',
        snomed: '1104051000000101',
        ucum: '{score}',
        // The check digit is right, but HL7's PACIO functional-status IG uses 88330-6 for
        // "Mobility - admission performance during 3 day assessment period [CMS Assessment]".
        // Listed as domain.md has it; confirm against loinc.org before relying on it.
        note: 'unverified: 88330-6 appears to be a CMS mobility assessment code, not NEWS2',
      },
    ] satisfies VitalSign[]
  ).map((row) => Object.freeze(row)),
);

const BY_LOINC = new Map(VITAL_SIGNS.map((row) => [row.loinc, row]));

/**
 * The unit must be the table's UCUM unit for a vital-sign LOINC code. Codes not in the table are
 * not ours to judge and pass.
 */
export function checkUcumForLoinc(loinc: unknown, unit: unknown): Check {
  const row = typeof loinc === 'string' ? BY_LOINC.get(loinc) : undefined;
  if (!row || unit === row.ucum) return OK;
  const given = typeof unit !== 'string' ? 'a non-string value' : unit === '' ? 'an empty unit' : unit;
  return fail(`LOINC ${row.loinc} (${row.name}) must be in ${row.ucum}, not ${given}`);
}
