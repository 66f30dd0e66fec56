import { Check, OK, digitsOf, fail, mod, weightedSum } from './check';

/**
 * Norwegian person identifiers: fødselsnummer (FNR), D-number, H-number and FH-number.
 *
 * All four are 11 digits with two mod-11 check digits over the same weights. The kinds are told
 * apart by the first digit (FNR/H 0-3, D 4-7, FH 8-9) and the third (H-numbers have month + 40).
 */

// The identifier systems are defined by the schema (common/PatientIdentifierSystem.avsc).
import type { PatientIdentifierSystem } from '../generated/types';
export type { PatientIdentifierSystem };

export interface PersonIdOptions {
  /**
   * Accept synthetic test numbers from Skatteetaten's Tenor test population, which add 80 to the
   * month (81-92). Off by default: such a number must never be mistaken for a real person's.
   */
  readonly allowSynthetic?: boolean;
}

export interface MakePersonIdOptions {
  /** Produce a Tenor-style synthetic number (month + 80). */
  readonly synthetic?: boolean;
  /**
   * Remainder of the first check sum. 0 is the rule for every number issued before 2032; 1-3 are
   * only issued from 2032 on. Defaults to 0.
   */
  readonly k1Remainder?: 0 | 1 | 2 | 3;
}

// k1 weights include a trailing 1 for k1 itself, k2 weights a trailing 1 for k2: a valid number
// then has weighted sums ≡ 0 (mod 11), which is the textbook "k = 11 - (sum mod 11)" rule.
const K1_WEIGHTS = [3, 7, 6, 1, 8, 9, 4, 5, 2, 1] as const;
const K2_WEIGHTS = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2, 1] as const;

// Skatteetaten, "Nytt fødselsnummer fra 2032": for numbers issued from 1 January 2032 the first
// check sum may leave remainder 0, 1, 2 or 3; the second still must leave 0. Old numbers keep
// remainder 0, so accepting 0-3 accepts both generations.
const MAX_K1_REMAINDER_FROM_2032 = 3;

const ELEVEN_DIGITS = /^\d{11}$/;

function checkDigitsRule(digits: readonly number[], allow2032: boolean): Check {
  const r1 = weightedSum(digits, K1_WEIGHTS) % 11;
  if (r1 > (allow2032 ? MAX_K1_REMAINDER_FROM_2032 : 0)) return fail('check digit 1 (mod 11) does not match');
  if (weightedSum(digits, K2_WEIGHTS) % 11 !== 0) return fail('check digit 2 (mod 11) does not match');
  return OK;
}

/**
 * The two check digits for nine leading digits, or null when either would be 10 (such numbers are
 * never issued). `k1Remainder` 1-3 gives the extra numbers allowed from 2032.
 */
export function personCheckDigits(first9: string, k1Remainder: 0 | 1 | 2 | 3 = 0): string | null {
  if (!/^\d{9}$/.test(first9)) return null;
  const d = digitsOf(first9);
  const k1 = mod(k1Remainder - weightedSum(d, K1_WEIGHTS.slice(0, 9)), 11);
  if (k1 === 10) return null;
  const k2 = mod(-weightedSum([...d, k1], K2_WEIGHTS.slice(0, 10)), 11);
  if (k2 === 10) return null;
  return `${k1}${k2}`;
}

/**
 * Century of birth from the individual number (digits 7-9) and two-digit year, per the
 * folkeregister regulation. Null when no range covers the pair: such numbers are not issued under
 * the old scheme, and from 2032 the individual number no longer tells the century at all.
 */
function centuryOf(individual: number, yy: number): number | null {
  if (individual <= 499) return 1900;
  if (individual <= 749 && yy >= 54) return 1800;
  if (yy <= 39) return 2000; // 500-999
  if (individual >= 900) return 1900; // 900-999 with year 40-99
  return null;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

/**
 * 29 February is accepted whenever the two-digit year is divisible by 4. That is a leap year in
 * every century the scheme covers except 1900 (year 00 with individual number 000-499); we do not
 * reject that one case because numbers issued from 2032 no longer encode the century, so 290200
 * with any individual number may be a person born in 2000.
 */
function daysInMonth(month: number, yy: number): number {
  return month === 2 && yy % 4 === 0 ? 29 : DAYS_IN_MONTH[month - 1];
}

interface DecodedDate {
  readonly day: number;
  readonly month: number;
  readonly yy: number;
}

type DateResult = { readonly ok: true; readonly date: DecodedDate } | { readonly ok: false; readonly rule: string };

/**
 * Day and month after removing the D-number (+40 on the day), H-number (+40 on the month) and
 * synthetic (+80 on the month) offsets, checked against the calendar.
 */
function decodeDate(
  d: readonly number[],
  dayOffset: number,
  monthOffset: number,
  options: PersonIdOptions | undefined,
): DateResult {
  const dd = d[0] * 10 + d[1];
  const mm = d[2] * 10 + d[3];
  const yy = d[4] * 10 + d[5];
  let month = mm - monthOffset;
  if (month >= 81 && month <= 92) {
    if (!options?.allowSynthetic) {
      return { ok: false, rule: `month ${mm} is a synthetic test month (81-92), allowed only with allowSynthetic` };
    }
    month -= 80;
  }
  if (month < 1 || month > 12) {
    const shown = monthOffset ? `${mm} − ${monthOffset} = ${month}` : `${mm}`;
    return { ok: false, rule: `month ${shown} is not a valid month` };
  }
  const day = dd - dayOffset;
  if (day < 1 || day > daysInMonth(month, yy)) {
    const shown = dayOffset ? `${dd} − ${dayOffset} = ${day}` : `${dd}`;
    return { ok: false, rule: `day ${shown} is not a valid day in month ${month}` };
  }
  return { ok: true, date: { day, month, yy } };
}

function asElevenDigits(value: unknown): number[] | null {
  return typeof value === 'string' && ELEVEN_DIGITS.test(value) ? digitsOf(value) : null;
}

/**
 * Fødselsnummer: DDMMYY + individual number + two check digits. Accepts the pre-2032 and the
 * 2032 check rules, and Tenor synthetic numbers (month + 80) only with `allowSynthetic`.
 */
export function checkFnr(value: unknown, options?: PersonIdOptions): Check {
  const d = asElevenDigits(value);
  if (!d) return fail('must be 11 digits');
  if (d[0] >= 4 && d[0] <= 7) return fail('first digit 4-7 marks a D-number, not a fødselsnummer');
  if (d[0] >= 8) return fail('first digit 8-9 marks an FH-number, not a fødselsnummer');
  if (d[2] === 4 || d[2] === 5) return fail('month 41-52 marks an H-number, not a fødselsnummer');
  const date = decodeDate(d, 0, 0, options);
  if (!date.ok) return fail(date.rule);
  return checkDigitsRule(d, true);
}

/** D-number: a fødselsnummer with 40 added to the day (first digit 4-7). Same check rules. */
export function checkDNumber(value: unknown, options?: PersonIdOptions): Check {
  const d = asElevenDigits(value);
  if (!d) return fail('must be 11 digits');
  if (d[0] < 4 || d[0] > 7) return fail('D-number first digit must be 4-7');
  const date = decodeDate(d, 40, 0, options);
  if (!date.ok) return fail(date.rule);
  return checkDigitsRule(d, true);
}

/**
 * H-number (hjelpenummer, internal to a health institution): 40 added to the month. Same check
 * digits as a fødselsnummer; we accept the 2032 remainders too since H-numbers follow the FNR rules.
 */
export function checkHNumber(value: unknown): Check {
  const d = asElevenDigits(value);
  if (!d) return fail('must be 11 digits');
  if (d[2] !== 4 && d[2] !== 5) return fail('H-number third digit must be 4 or 5 (month + 40)');
  if (d[0] > 3) return fail('H-number first digit must be 0-3');
  const date = decodeDate(d, 0, 40, undefined);
  if (!date.ok) return fail(date.rule);
  return checkDigitsRule(d, true);
}

/**
 * FH-number (Norsk helsenett's common help number): first digit 8 or 9, the rest random, two
 * mod-11 check digits with the FNR weights. The 2032 relaxation is Skatteetaten's rule for FNR and
 * D-numbers only, so FH-numbers keep remainder 0. Old-style H-numbers also started with 8 or 9;
 * such a value is read as an FH-number here.
 */
export function checkFhNumber(value: unknown): Check {
  const d = asElevenDigits(value);
  if (!d) return fail('must be 11 digits');
  if (d[0] !== 8 && d[0] !== 9) return fail('FH-number first digit must be 8 or 9');
  return checkDigitsRule(d, false);
}

export function checkPatientIdentifier(
  system: PatientIdentifierSystem,
  value: unknown,
  options?: PersonIdOptions,
): Check {
  switch (system) {
    case 'FNR':
      return checkFnr(value, options);
    case 'DNR':
      return checkDNumber(value, options);
    case 'HNR':
      return checkHNumber(value);
    case 'FHN':
      return checkFhNumber(value);
    default:
      return fail(`unknown identifier system ${String(system)}`);
  }
}

const SYSTEMS: readonly PatientIdentifierSystem[] = ['FNR', 'DNR', 'HNR', 'FHN'];

/**
 * Which kind of person identifier a value is, or null if it is none of them. The kinds are
 * disjoint by first and third digit, so at most one matches.
 */
export function detectIdentifierSystem(value: unknown, options?: PersonIdOptions): PatientIdentifierSystem | null {
  return SYSTEMS.find((system) => checkPatientIdentifier(system, value, options).ok) ?? null;
}

/**
 * Birth date (UTC midnight) encoded in a valid fødselsnummer, D-number or H-number, or null.
 * Null also when the individual number maps to no century. The century is read from the
 * individual number, which numbers issued from 2032 no longer guarantee: Folkeregisteret's own
 * birth date field is authoritative.
 */
export function fnrBirthDate(value: unknown, options?: PersonIdOptions): Date | null {
  const system = detectIdentifierSystem(value, options);
  if (system === null || system === 'FHN') return null;
  const d = asElevenDigits(value)!;
  const date = decodeDate(d, system === 'DNR' ? 40 : 0, system === 'HNR' ? 40 : 0, options);
  if (!date.ok) return null;
  const century = centuryOf(d[6] * 100 + d[7] * 10 + d[8], date.date.yy);
  if (century === null) return null;
  const year = century + date.date.yy;
  const birth = new Date(Date.UTC(year, date.date.month - 1, date.date.day));
  // 29.02.1900 passes the lenient date check but does not exist: Date.UTC would roll it to 1 March.
  return birth.getUTCDate() === date.date.day ? birth : null;
}

function makePersonId(
  date: Date,
  individual: number,
  dayOffset: number,
  monthOffset: number,
  options: MakePersonIdOptions | undefined,
): string | null {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) return null;
  if (!Number.isInteger(individual) || individual < 0 || individual > 999) return null;
  const year = date.getUTCFullYear();
  const yy = year % 100;
  // Refuse an individual number that would make the number denote another century.
  if (centuryOf(individual, yy) !== year - yy) return null;
  const pad = (n: number, width: number) => String(n).padStart(width, '0');
  const month = date.getUTCMonth() + 1 + monthOffset + (options?.synthetic ? 80 : 0);
  const first9 = `${pad(date.getUTCDate() + dayOffset, 2)}${pad(month, 2)}${pad(yy, 2)}${pad(individual, 3)}`;
  const check = personCheckDigits(first9, options?.k1Remainder ?? 0);
  return check === null ? null : first9 + check;
}

/**
 * A fødselsnummer for a birth date (read in UTC) and individual number, or null when impossible:
 * the individual number does not belong to the date's century, or a check digit would be 10.
 * Meant for synthetic data; prefer `{ synthetic: true }` where the consumer accepts it.
 */
export function makeFnr(date: Date, individual: number, options?: MakePersonIdOptions): string | null {
  return makePersonId(date, individual, 0, 0, options);
}

/** As makeFnr, for a D-number (day + 40). */
export function makeDNumber(date: Date, individual: number, options?: MakePersonIdOptions): string | null {
  return makePersonId(date, individual, 40, 0, options);
}

/** As makeFnr, for an H-number (month + 40). Never synthetic. */
export function makeHNumber(date: Date, individual: number, options?: Pick<MakePersonIdOptions, 'k1Remainder'>): string | null {
  return makePersonId(date, individual, 0, 40, { k1Remainder: options?.k1Remainder });
}

/** An FH-number from its first nine digits (first digit 8 or 9), or null when impossible. */
export function makeFhNumber(first9: string): string | null {
  if (typeof first9 !== 'string' || !/^[89]\d{8}$/.test(first9)) return null;
  const check = personCheckDigits(first9, 0);
  return check === null ? null : first9 + check;
}
