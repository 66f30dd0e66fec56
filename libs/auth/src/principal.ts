import { createHash } from 'node:crypto';
import type { JWTPayload } from 'jose';
import { z } from 'zod';
import { checkHprNumber, checkOrgNumber, checkReshId, detectIdentifierSystem, type Check } from '@backbone/contracts';

/*
 * Who is calling, read from verified token claims. This file only says *who* and *on what
 * attested basis*; whether that basis allows anything (security level 4, the 60-minute age of the
 * attestation, blocks, care relationships) is the policy engine's decision, not ours.
 */

export const HELSEID_CLAIMS = {
  hprNumber: 'helseid://claims/hpr/hpr_number',
  pid: 'helseid://claims/identity/pid',
  securityLevel: 'helseid://claims/identity/security_level',
} as const;

export const TRUST_FRAMEWORK_TYPE = 'nhn:tillitsrammeverk:parameters';
export const PURPOSES_OF_USE = ['TREAT', 'ETREAT', 'COC', 'BTG'] as const;
export type PurposeOfUse = (typeof PURPOSES_OF_USE)[number];
/** HL7 v3 PurposeOfUse, the code system the trust framework uses for purpose_of_use. */
export const PURPOSE_OF_USE_SYSTEM = 'urn:oid:2.16.840.1.113883.1.11.20448';
const POU_OID = '2.16.840.1.113883.1.11.20448';
const ENH_OID = '2.16.578.1.12.4.1.4.101'; // Enhetsregisteret (organisation numbers)
const RESH_OID = '2.16.578.1.12.4.1.4.102'; // RESH (specialist health service units)

/**
 * The scope that marks a citizen's own token (ID-porten / Helsenorge login). We recognise citizens
 * by scope rather than by the presence of a person identifier because HelseID user tokens carry a
 * pid too: only the citizen-facing client is granted this scope, so a health worker's token can
 * never be read as a citizen's (and a token claiming both is refused).
 */
export const CITIZEN_SCOPE = 'backbone:citizen';

export interface Coding {
  code: string;
  system: string;
  text?: string;
}

export interface Identifier {
  id: string;
  system: string;
  name?: string;
}

export interface SystemPrincipal {
  kind: 'system';
  clientId: string;
  scopes: string[];
}

export interface Attestation {
  /** Absent for personnel without an authorisation (e.g. a medical secretary), per the spec. */
  authorization?: Coding;
  legalEntity: Identifier;
  pointOfCare: Identifier;
  /** Required by the spec only where the organisation has departments. */
  department?: Identifier;
  purposeOfUse: PurposeOfUse;
  purposeOfUseDetails?: Coding;
  healthcareService: Coding;
  decisionRef: { id: string; userSelected: boolean };
  /** From `toa`. The policy engine rejects attestations older than 60 minutes; we do not. */
  attestedAt: Date;
  /** The optional `patients` list, unvalidated: the policy engine matches it to the request. */
  patients?: Array<Record<string, unknown>>;
}

export interface HealthWorkerPrincipal {
  kind: 'health-worker';
  clientId: string;
  scopes: string[];
  hprNumber: string;
  /**
   * The health worker's fødselsnummer / D-number. PERSONAL DATA: never log it, never put it in a
   * URL, header, Kafka key or metric. It is non-enumerable, so JSON.stringify, loggers and object
   * spreads skip it; read it explicitly where it is needed (audit, citizen insight).
   */
  readonly pid: string;
  name: string;
  /** 1-4 (eIDAS/Difi level). Clinical data needs 4: the policy engine checks that. */
  securityLevel: number;
  attestation: Attestation;
  /** SHA-256 hex of the canonical JSON of the authorization_details entry: the audit's proof of basis. */
  attestationHash: string;
}

export interface CitizenPrincipal {
  kind: 'citizen';
  clientId?: string;
  scopes: string[];
  /** The citizen's own fødselsnummer / D-number. PERSONAL DATA: never log it (non-enumerable, as above). */
  readonly pid: string;
  securityLevel: number;
}

export type Principal = SystemPrincipal | HealthWorkerPrincipal | CitizenPrincipal;

export interface ClaimError {
  /** The claim, or a dotted path inside authorization_details. */
  field: string;
  rule: string;
}

export type PrincipalResult = { ok: true; principal: Principal } | { ok: false; errors: ClaimError[] };

export interface PrincipalOptions {
  /** Accept Tenor synthetic person numbers (month + 80), as HelseID's test environment issues. */
  allowSyntheticPid?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Canonical JSON and the attestation hash

/**
 * JSON with object keys sorted (by UTF-16 code unit, recursively) and no whitespace. For values
 * parsed from JSON this is RFC 8785 (JCS): numbers and strings serialise as in ECMAScript.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item === undefined ? null : item)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const members = Object.keys(record)
      .filter((key) => record[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value);
}

export function attestationHash(authorizationDetailsEntry: unknown): string {
  return createHash('sha256').update(canonicalJson(authorizationDetailsEntry), 'utf8').digest('hex');
}

// ---------------------------------------------------------------------------------------------
// Schemas

/** Rules in words, the same style as the config errors: "required", "must be a string". */
const rules: z.core.$ZodErrorMap = (issue) => {
  if (issue.input === undefined && (issue.code === 'invalid_type' || issue.code === 'invalid_union')) return 'required';
  if (issue.code === 'invalid_type') return `must be ${issue.expected === 'array' || issue.expected === 'object' ? 'an' : 'a'} ${issue.expected}`;
  if (issue.code === 'invalid_value') return `must be one of ${issue.values.map(String).join(', ')}`;
  return undefined;
};

const fromCheck = (check: (value: unknown) => Check) => (value: string, ctx: z.core.$RefinementCtx<string>) => {
  const result = check(value);
  if (!result.ok) ctx.addIssue({ code: 'custom', message: result.rule, input: value });
};

const sameOid = (system: string, oid: string) => system.replace(/^urn:oid:/, '') === oid;

const text = z.string().trim().min(1, 'must not be empty');

const coding = z.object({ code: text, system: text, text: z.string().optional() });

const identifier = z.object({ id: text, system: text, name: z.string().optional() });

/** legal_entity and point_of_care: organisation numbers from Enhetsregisteret. */
const organisation = identifier.superRefine((value, ctx) => {
  if (!sameOid(value.system, ENH_OID)) {
    ctx.addIssue({ code: 'custom', path: ['system'], message: `must be urn:oid:${ENH_OID} (Enhetsregisteret)`, input: value.system });
    return;
  }
  const check = checkOrgNumber(value.id);
  if (!check.ok) ctx.addIssue({ code: 'custom', path: ['id'], message: `organisation number ${check.rule}`, input: value.id });
});

/** department: a RESH id or an organisation number (sub-unit); other local systems are taken as is. */
const department = identifier.superRefine((value, ctx) => {
  const check = sameOid(value.system, RESH_OID) ? checkReshId(value.id) : sameOid(value.system, ENH_OID) ? checkOrgNumber(value.id) : null;
  if (check && !check.ok) ctx.addIssue({ code: 'custom', path: ['id'], message: check.rule, input: value.id });
});

/** Epoch seconds. Milliseconds are the classic mistake, so they get their own rule. */
const epochSeconds = z
  .number()
  .positive('must be epoch seconds')
  .refine((value) => value < 1e11, 'must be epoch seconds, not milliseconds');

const trustFrameworkEntry = z.object({
  type: z.literal(TRUST_FRAMEWORK_TYPE),
  practitioner: z.object({
    authorization: coding.optional(),
    legal_entity: organisation,
    point_of_care: organisation,
    department: department.optional(),
  }),
  care_relationship: z.object({
    purpose_of_use: z.object({
      code: z.enum(PURPOSES_OF_USE),
      system: z.string().refine((system) => sameOid(system, POU_OID), `must be ${PURPOSE_OF_USE_SYSTEM}`),
    }),
    healthcare_service: coding,
    purpose_of_use_details: coding.optional(),
    decision_ref: z.object({ id: text, user_selected: z.boolean() }),
  }),
  patients: z.array(z.record(z.string(), z.unknown())).optional(),
  toa: epochSeconds.optional(),
});

/** "3", 3 -> 3; HelseID sends a string, ID-porten-style tokens may send a number. */
const securityLevel = z
  .union([z.number(), z.string().trim().regex(/^\d+$/, 'must be a level 1-4')], {
    error: (issue) => (issue.input === undefined ? 'required' : 'must be a level 1-4'),
  })
  .transform(Number)
  .pipe(z.number().int().min(1, 'must be a level 1-4').max(4, 'must be a level 1-4'));

const personId = (options: PrincipalOptions) =>
  z.string().superRefine((value, ctx) => {
    const system = detectIdentifierSystem(value, { allowSynthetic: options.allowSyntheticPid ?? false });
    // The rule deliberately says nothing about which digit is wrong: this is an FNR.
    if (system !== 'FNR' && system !== 'DNR') ctx.addIssue({ code: 'custom', message: 'must be a valid fødselsnummer or D-number' });
  });

const hprNumber = z
  .union([z.string(), z.number().int()], {
    error: (issue) => (issue.input === undefined ? 'required' : 'must be a string of digits'),
  })
  .transform(String)
  .pipe(z.string().superRefine(fromCheck(checkHprNumber)));

const scopeClaim = z.union([z.string().transform((scope) => scope.split(/\s+/).filter(Boolean)), z.array(z.string())], {
  error: (issue) => (issue.input === undefined ? 'required' : 'must be a space-separated string or an array of strings'),
});

const healthWorkerClaims = (options: PrincipalOptions) =>
  z
    .object({
      [HELSEID_CLAIMS.hprNumber]: hprNumber,
      [HELSEID_CLAIMS.pid]: personId(options),
      [HELSEID_CLAIMS.securityLevel]: securityLevel,
      name: text.optional(),
      given_name: text.optional(),
      family_name: text.optional(),
    })
    .superRefine((claims, ctx) => {
      if (!claims.name && !(claims.given_name && claims.family_name)) {
        ctx.addIssue({ code: 'custom', path: ['name'], message: 'required (name, or given_name and family_name)' });
      }
    }, { when: () => true }); // report it alongside the other claims' errors

/** ID-porten's acr values, for citizen tokens that carry no HelseID security_level claim. */
const ACR_LEVELS: Readonly<Record<string, number>> = {
  'idporten-loa-substantial': 3,
  'idporten-loa-high': 4,
  Level3: 3,
  Level4: 4,
};

const citizenClaims = (options: PrincipalOptions) =>
  z.object({ pid: personId(options), securityLevel });

// ---------------------------------------------------------------------------------------------
// Parsing

type Parsed<T> = { ok: true; value: T } | { ok: false; errors: ClaimError[] };

function parse<S extends z.ZodType>(schema: S, input: unknown, prefix = ''): Parsed<z.output<S>> {
  const result = schema.safeParse(input, { error: rules });
  if (result.success) return { ok: true, value: result.data };
  return {
    ok: false,
    errors: result.error.issues.map((issue) => ({ field: fieldName(prefix, issue.path), rule: issue.message })),
  };
}

function fieldName(prefix: string, path: ReadonlyArray<PropertyKey>): string {
  let field = prefix;
  for (const segment of path) {
    field += typeof segment === 'number' ? `[${segment}]` : `${field ? '.' : ''}${String(segment)}`;
  }
  return field || '(claims)';
}

const hasClaim = (claims: JWTPayload, name: string) => claims[name] !== undefined;

function scopesOf(claims: JWTPayload, errors: ClaimError[]): string[] {
  if (claims.scope === undefined) return [];
  const parsed = parse(scopeClaim, claims.scope, 'scope');
  if (parsed.ok) return parsed.value;
  errors.push(...parsed.errors);
  return [];
}

function clientIdOf(claims: JWTPayload, fallbacks: readonly string[], errors: ClaimError[]): string {
  for (const name of ['client_id', ...fallbacks]) {
    const value = claims[name];
    if (typeof value === 'string' && value.trim() !== '') return value;
  }
  const names = ['client_id', ...fallbacks];
  const alternatives = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
  errors.push({ field: 'client_id', rule: `required (a non-empty ${alternatives})` });
  return '';
}

/** Defines pid as a read-only, non-enumerable property: present for code, invisible to loggers. */
function withHiddenPid<T extends object>(principal: T, pid: string): T & { readonly pid: string } {
  return Object.defineProperty(principal, 'pid', { value: pid, enumerable: false, writable: false, configurable: false }) as T & {
    readonly pid: string;
  };
}

/**
 * The principal a verified token speaks for:
 * - scope backbone:citizen -> a citizen (pid, security level);
 * - any HelseID person claim (hpr_number, identity/pid) or authorization_details -> a health
 *   worker, which then needs all of them, including a trust framework attestation;
 * - otherwise a system (client credentials).
 * Every broken claim is reported, each with its field and the rule it breaks.
 */
export function principalFromClaims(claims: JWTPayload, options: PrincipalOptions = {}): PrincipalResult {
  const errors: ClaimError[] = [];
  const scopes = scopesOf(claims, errors);
  const looksLikeHealthWorker =
    hasClaim(claims, HELSEID_CLAIMS.hprNumber) || hasClaim(claims, 'authorization_details');

  if (scopes.includes(CITIZEN_SCOPE)) {
    if (looksLikeHealthWorker) {
      errors.push({ field: 'scope', rule: `${CITIZEN_SCOPE} cannot be combined with HPR or authorization_details claims` });
    }
    return citizenFrom(claims, scopes, errors, options);
  }
  if (looksLikeHealthWorker || hasClaim(claims, HELSEID_CLAIMS.pid)) return healthWorkerFrom(claims, scopes, errors, options);

  const clientId = clientIdOf(claims, ['azp', 'sub'], errors);
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, principal: { kind: 'system', clientId, scopes } };
}

function citizenFrom(claims: JWTPayload, scopes: string[], errors: ClaimError[], options: PrincipalOptions): PrincipalResult {
  const pidClaim = hasClaim(claims, HELSEID_CLAIMS.pid) && !hasClaim(claims, 'pid') ? HELSEID_CLAIMS.pid : 'pid';
  const levelClaim = hasClaim(claims, HELSEID_CLAIMS.securityLevel) ? HELSEID_CLAIMS.securityLevel : 'acr';
  const level = levelClaim === 'acr' && typeof claims.acr === 'string' ? (ACR_LEVELS[claims.acr] ?? claims.acr) : claims[levelClaim];
  const parsed = parse(citizenClaims(options), { pid: claims[pidClaim], securityLevel: level });
  if (!parsed.ok) {
    // Name the claim the token actually used (or should have used).
    const claimFor: Record<string, string> = { pid: pidClaim, securityLevel: levelClaim === 'acr' ? `${HELSEID_CLAIMS.securityLevel} or acr` : levelClaim };
    errors.push(...parsed.errors.map((error) => ({ ...error, field: claimFor[error.field] ?? error.field })));
  }
  const clientId = typeof claims.client_id === 'string' ? claims.client_id : typeof claims.azp === 'string' ? claims.azp : undefined;
  if (!parsed.ok || errors.length > 0) return { ok: false, errors };
  const principal: Omit<CitizenPrincipal, 'pid'> = { kind: 'citizen', scopes, securityLevel: parsed.value.securityLevel };
  if (clientId !== undefined) principal.clientId = clientId;
  return { ok: true, principal: withHiddenPid(principal, parsed.value.pid) as CitizenPrincipal };
}

function healthWorkerFrom(claims: JWTPayload, scopes: string[], errors: ClaimError[], options: PrincipalOptions): PrincipalResult {
  const clientId = clientIdOf(claims, ['azp'], errors);
  const person = parse(healthWorkerClaims(options), claims);
  if (!person.ok) errors.push(...person.errors);
  const attestation = attestationFrom(claims, errors);
  if (!person.ok || !attestation || errors.length > 0) return { ok: false, errors };

  const values = person.value;
  const principal: Omit<HealthWorkerPrincipal, 'pid'> = {
    kind: 'health-worker',
    clientId,
    scopes,
    hprNumber: values[HELSEID_CLAIMS.hprNumber],
    name: values.name ?? `${values.given_name} ${values.family_name}`,
    securityLevel: values[HELSEID_CLAIMS.securityLevel],
    attestation: attestation.attestation,
    attestationHash: attestation.hash,
  };
  return { ok: true, principal: withHiddenPid(principal, values[HELSEID_CLAIMS.pid]) as HealthWorkerPrincipal };
}

function attestationFrom(claims: JWTPayload, errors: ClaimError[]): { attestation: Attestation; hash: string } | null {
  const raw = claims.authorization_details;
  if (raw === undefined) {
    errors.push({ field: 'authorization_details', rule: `required (an entry of type ${TRUST_FRAMEWORK_TYPE})` });
    return null;
  }
  const isArray = Array.isArray(raw);
  const entries: unknown[] = isArray ? raw : [raw];
  const matches = entries
    .map((entry, index) => ({ entry, index }))
    .filter(({ entry }) => typeof entry === 'object' && entry !== null && (entry as { type?: unknown }).type === TRUST_FRAMEWORK_TYPE);
  if (matches.length !== 1) {
    errors.push({
      field: 'authorization_details',
      rule: `must contain ${matches.length === 0 ? 'an' : 'exactly one'} entry of type ${TRUST_FRAMEWORK_TYPE}`,
    });
    return null;
  }
  const { entry, index } = matches[0];
  const prefix = isArray ? `authorization_details[${index}]` : 'authorization_details';
  const parsed = parse(trustFrameworkEntry, entry, prefix);
  if (!parsed.ok) errors.push(...parsed.errors);

  // toa may travel in the entry or as a top-level claim; the entry wins when both are present.
  let attestedAt: Date | null = null;
  if ((entry as { toa?: unknown }).toa === undefined) {
    if (claims.toa === undefined) {
      errors.push({ field: 'toa', rule: 'required (in the authorization_details entry or as a top-level claim)' });
    } else {
      const toa = parse(epochSeconds, claims.toa, 'toa');
      if (toa.ok) attestedAt = new Date(toa.value * 1000);
      else errors.push(...toa.errors);
    }
  } else if (parsed.ok) {
    attestedAt = new Date(parsed.value.toa! * 1000);
  }
  if (!parsed.ok || attestedAt === null) return null;

  const { practitioner, care_relationship: care } = parsed.value;
  const attestation: Attestation = {
    legalEntity: practitioner.legal_entity,
    pointOfCare: practitioner.point_of_care,
    purposeOfUse: care.purpose_of_use.code,
    healthcareService: care.healthcare_service,
    decisionRef: { id: care.decision_ref.id, userSelected: care.decision_ref.user_selected },
    attestedAt,
  };
  if (practitioner.authorization) attestation.authorization = practitioner.authorization;
  if (practitioner.department) attestation.department = practitioner.department;
  if (care.purpose_of_use_details) attestation.purposeOfUseDetails = care.purpose_of_use_details;
  if (parsed.value.patients) attestation.patients = parsed.value.patients;
  return { attestation, hash: attestationHash(entry) };
}

/** A summary safe for logs: no pid, no name. */
export function principalForLog(principal: Principal): Record<string, unknown> {
  switch (principal.kind) {
    case 'system':
      return { kind: principal.kind, clientId: principal.clientId };
    case 'health-worker':
      return {
        kind: principal.kind,
        clientId: principal.clientId,
        hprNumber: principal.hprNumber,
        purposeOfUse: principal.attestation.purposeOfUse,
        attestationHash: principal.attestationHash,
      };
    case 'citizen':
      return { kind: principal.kind, clientId: principal.clientId };
  }
}
