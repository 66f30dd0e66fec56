import { Check, OK, digitsOf, fail, mod, weightedSum } from './check';

/** Organisation numbers and health-sector register ids. */

// Brønnøysund's mod-11 weights; the trailing 1 covers the control digit so a valid number sums to 0.
const ORG_WEIGHTS = [3, 2, 7, 6, 5, 4, 3, 2, 1] as const;

/** Organisasjonsnummer (Enhetsregisteret): 9 digits, the last a mod-11 control digit. */
export function checkOrgNumber(value: unknown): Check {
  if (typeof value !== 'string' || !/^\d{9}$/.test(value)) return fail('must be 9 digits');
  if (weightedSum(digitsOf(value), ORG_WEIGHTS) % 11 !== 0) return fail('check digit (mod 11) does not match');
  return OK;
}

/** A valid organisation number from its first 8 digits, or null when the control digit would be 10. */
export function makeOrgNumber(first8: string): string | null {
  if (typeof first8 !== 'string' || !/^\d{8}$/.test(first8)) return null;
  const control = mod(-weightedSum(digitsOf(first8), ORG_WEIGHTS.slice(0, 8)), 11);
  return control === 10 ? null : first8 + control;
}

function checkRegisterId(value: unknown): Check {
  if (typeof value !== 'string' || !/^\d{1,9}$/.test(value)) return fail('must be 1-9 digits');
  return OK;
}

/**
 * HPR number (Helsepersonellregisteret). HPR has no public checksum, so only the shape can be
 * checked: 1-9 digits, not all zeros. Whether the number exists is a question for the register.
 */
export function checkHprNumber(value: unknown): Check {
  const shape = checkRegisterId(value);
  if (!shape.ok) return shape;
  if (/^0+$/.test(value as string)) return fail('must not be all zeros');
  return OK;
}

/** RESH id (Register for enheter i spesialisthelsetjenesten): 1-9 digits, no checksum. */
export function checkReshId(value: unknown): Check {
  return checkRegisterId(value);
}

/** HER-id (Adresseregisteret, addressing for health messaging): 1-9 digits, no checksum. */
export function checkHerId(value: unknown): Check {
  return checkRegisterId(value);
}
