import { Check, OK, digitsOf, fail } from './check';

/** Shape checks for clinical code systems. They say a code is well-formed, not that it exists. */

function asCode(code: unknown): string | Check {
  if (typeof code !== 'string' || code.length === 0) return fail('must be a non-empty string');
  if (code !== code.toUpperCase()) return fail('must be uppercase');
  return code;
}

/**
 * ICD-10 (incl. the Norwegian edition): chapter letter A-Z (U is reserved for special purposes,
 * e.g. U07.1, and allowed), two digits, then optionally 1-2 more characters with or without a
 * dot: I21, I21.4, I214, J18.9.
 */
export function checkIcd10(code: unknown): Check {
  const c = asCode(code);
  if (typeof c !== 'string') return c;
  if (!/^[A-Z]/.test(c)) return fail('must start with a chapter letter A-Z');
  if (!/^[A-Z]\d{2}/.test(c)) return fail('chapter letter must be followed by two digits');
  if (!/^[A-Z]\d{2}(\.?[0-9A-Z]{1,2})?$/.test(c)) {
    return fail('subcategory must be 1-2 letters or digits after the category, with or without a dot');
  }
  return OK;
}

const ICPC2_COMPONENTS = 'ABDFHKLNPRSTUWXYZ';

/** ICPC-2 (primary care): chapter letter and a two-digit rubric, e.g. K86, R74. */
export function checkIcpc2(code: unknown): Check {
  const c = asCode(code);
  if (typeof c !== 'string') return c;
  if (!ICPC2_COMPONENTS.includes(c[0])) return fail('chapter letter must be one of A B D F H K L N P R S T U W X Y Z');
  if (!/^.\d{2}$/.test(c)) return fail('chapter letter must be followed by exactly two digits');
  if (c.endsWith('00')) return fail('rubric 00 does not exist (rubrics are 01-99)');
  return OK;
}

// The 14 anatomical main groups of WHO's ATC; veterinary ATCvet codes (Q...) are not accepted.
const ATC_MAIN_GROUPS = 'ABCDGHJLMNPRSV';

/**
 * ATC at any level: C (anatomical), C09 (therapeutic), C09A (pharmacological),
 * C09AA (chemical subgroup), C09AA05 (substance).
 */
export function checkAtc(code: unknown): Check {
  const c = asCode(code);
  if (typeof c !== 'string') return c;
  if (!ATC_MAIN_GROUPS.includes(c[0])) return fail('anatomical main group must be one of A B C D G H J L M N P R S V');
  if (![1, 3, 4, 5, 7].includes(c.length)) return fail('must be 1, 3, 4, 5 or 7 characters (an ATC level)');
  if (c.length >= 3 && !/^\d{2}$/.test(c.slice(1, 3))) return fail('level 2 (characters 2-3) must be two digits');
  if (c.length >= 4 && !/^[A-Z]$/.test(c[3])) return fail('level 3 (character 4) must be a letter');
  if (c.length >= 5 && !/^[A-Z]$/.test(c[4])) return fail('level 4 (character 5) must be a letter');
  if (c.length === 7 && !/^\d{2}$/.test(c.slice(5))) return fail('level 5 (characters 6-7) must be two digits');
  return OK;
}

/**
 * LOINC's mod-10 check digit (the Luhn scheme, per the LOINC user guide): from the right, double
 * every other digit starting with the last, add up the digits of the results and the undoubled
 * digits, and take what is needed to reach the next multiple of 10.
 */
function loincCheckDigit(body: string): number {
  let sum = 0;
  const d = digitsOf(body).reverse();
  for (let i = 0; i < d.length; i++) {
    const v = i % 2 === 0 ? d[i] * 2 : d[i];
    sum += v > 9 ? v - 9 : v;
  }
  return (10 - (sum % 10)) % 10;
}

/** LOINC code: digits, a hyphen and the mod-10 check digit, e.g. 8867-4. */
export function checkLoinc(code: unknown): Check {
  if (typeof code !== 'string' || !/^\d{1,7}-\d$/.test(code)) return fail('must be digits, a hyphen and one check digit');
  const [body, check] = code.split('-');
  if (loincCheckDigit(body) !== Number(check)) return fail('check digit (mod 10) does not match');
  return OK;
}
