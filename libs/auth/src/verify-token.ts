import {
  decodeProtectedHeader,
  errors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
  type ProtectedHeaderParameters,
} from 'jose';

/** Why a bearer token was refused. Every value is produced by some token a caller can send. */
export const AUTH_FAILURES = [
  'MISSING_TOKEN',
  'MALFORMED_TOKEN',
  'UNSIGNED_TOKEN',
  'ALGORITHM_NOT_ALLOWED',
  'BAD_SIGNATURE',
  'UNKNOWN_KEY',
  'EXPIRED',
  'NOT_YET_VALID',
  'WRONG_ISSUER',
  'WRONG_AUDIENCE',
] as const;
export type AuthFailure = (typeof AUTH_FAILURES)[number];

/** The reasons in words, for problem details and WWW-Authenticate (no quotes or backslashes). */
export const AUTH_FAILURE_TEXT: Readonly<Record<AuthFailure, string>> = {
  MISSING_TOKEN: 'No bearer token was sent',
  MALFORMED_TOKEN: 'The token is not a well-formed signed JWT',
  UNSIGNED_TOKEN: 'The token is not signed',
  ALGORITHM_NOT_ALLOWED: 'The token is signed with an algorithm that is not accepted',
  BAD_SIGNATURE: 'The token signature does not verify',
  UNKNOWN_KEY: 'The token is signed with a key the issuer does not publish',
  EXPIRED: 'The token has expired',
  NOT_YET_VALID: 'The token is not valid yet',
  WRONG_ISSUER: 'The token was issued by an issuer that is not trusted',
  WRONG_AUDIENCE: 'The token is not meant for this API',
};

/** Asymmetric only: HelseID signs with RS256/PS256 and our dev issuer with RS256 or ES256. */
export const DEFAULT_ALGORITHMS: readonly string[] = ['RS256', 'PS256', 'ES256'];

export interface VerifyAccessTokenOptions {
  /** From createRemoteJWKSet (HelseID) or createLocalJWKSet (dev issuer): see jwksFromConfig. */
  keys: JWTVerifyGetKey;
  issuer: string;
  audience: string;
  algorithms?: readonly string[];
  clockToleranceSeconds?: number;
  now?: () => Date;
}

export type VerifyAccessTokenResult =
  | { ok: true; claims: JWTPayload; header: ProtectedHeaderParameters }
  | { ok: false; reason: AuthFailure; detail: string };

// With a JWKS of public keys, a symmetric algorithm could only "verify" with the public key used as
// an HMAC secret: the algorithm-confusion attack. Refuse to be configured that way at all.
const NEVER_ALLOWED = /^(none|HS\d+)$/i;

const fail = (reason: AuthFailure, detail: string): VerifyAccessTokenResult => ({ ok: false, reason, detail });

/**
 * Verifies a compact JWS access token: signature against the issuer's keys, algorithm, issuer,
 * audience, exp (required) and nbf. A bad token is an expected input, so it never throws for one;
 * it throws only when the keys cannot be fetched or read (an outage, not the caller's fault) or
 * when the options themselves are unsafe.
 */
export async function verifyAccessToken(
  token: string | undefined,
  options: VerifyAccessTokenOptions,
): Promise<VerifyAccessTokenResult> {
  const algorithms = [...(options.algorithms ?? DEFAULT_ALGORITHMS)];
  const unsafe = algorithms.filter((alg) => NEVER_ALLOWED.test(alg));
  if (unsafe.length > 0) throw new Error(`verifyAccessToken: algorithms must be asymmetric, refusing ${unsafe.join(', ')}`);

  if (token === undefined || token.trim() === '') return fail('MISSING_TOKEN', 'no token');

  // Look at the header ourselves first, so that alg none and disallowed algorithms get their own
  // reasons before any key is looked up (and before a remote JWKS is fetched for a junk token).
  const parts = token.split('.');
  if (parts.length !== 3) {
    return fail('MALFORMED_TOKEN', parts.length === 5 ? 'encrypted tokens (JWE) are not accepted' : 'a JWS has three dot-separated parts');
  }
  let header: ProtectedHeaderParameters;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    return fail('MALFORMED_TOKEN', 'the header is not base64url-encoded JSON');
  }
  if (typeof header.alg !== 'string' || header.alg === '') return fail('MALFORMED_TOKEN', 'the header has no alg');
  if (header.alg.toLowerCase() === 'none' || parts[2] === '') return fail('UNSIGNED_TOKEN', `alg ${header.alg} without a signature`);
  if (!algorithms.includes(header.alg)) {
    return fail('ALGORITHM_NOT_ALLOWED', `alg ${header.alg} is not one of ${algorithms.join(', ')}`);
  }

  try {
    const { payload, protectedHeader } = await jwtVerify(token, options.keys, {
      issuer: options.issuer,
      audience: options.audience,
      algorithms,
      clockTolerance: options.clockToleranceSeconds ?? 0,
      currentDate: options.now?.(),
      requiredClaims: ['exp'],
    });
    return { ok: true, claims: payload, header: protectedHeader };
  } catch (error) {
    const failure = failureOf(error);
    if (failure) return failure;
    throw error;
  }
}

/** jose's error classes to our reasons; null for errors that are not about the token. */
function failureOf(error: unknown): VerifyAccessTokenResult | null {
  if (error instanceof errors.JWTExpired) return fail('EXPIRED', error.message);
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === 'missing' && error.claim !== 'iss' && error.claim !== 'aud') {
      return fail('MALFORMED_TOKEN', `the ${error.claim} claim is required`);
    }
    switch (error.claim) {
      case 'iss':
        return fail('WRONG_ISSUER', error.message);
      case 'aud':
        return fail('WRONG_AUDIENCE', error.message);
      case 'nbf':
        return fail('NOT_YET_VALID', error.message);
      case 'exp':
        return fail('EXPIRED', error.message);
      default:
        return fail('MALFORMED_TOKEN', error.message);
    }
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return fail('BAD_SIGNATURE', error.message);
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return fail('UNKNOWN_KEY', error.message);
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return fail('ALGORITHM_NOT_ALLOWED', error.message);
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid || error instanceof errors.JOSENotSupported) {
    return fail('MALFORMED_TOKEN', error.message);
  }
  // JWKSTimeout, JWKSInvalid, JWKInvalid, network errors: the key source is broken, not the token.
  return null;
}

/** The token of an `Authorization: Bearer <token>` header (scheme case-insensitive, RFC 6750). */
export function bearerToken(authorizationHeader?: string): string | undefined {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorizationHeader ?? '');
  return match?.[1];
}
