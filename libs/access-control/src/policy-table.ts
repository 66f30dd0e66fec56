import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import type { CareRelationship } from './facts';
import {
  CARE_RELATIONSHIP_BASES,
  DATA_CATEGORIES,
  RELATIONSHIP_PURPOSES,
  type DataCategory,
  type PurposeOfUse,
} from './vocabulary';

/*
 * The declarative policy table (deploy/access-policy.yaml): which categories a care relationship's
 * healthcare service or basis allows, for which purposes. Parsed once, validated with zod (failing
 * fast with every bad field named), then compiled into lookups so that a decision does no string
 * building and no allocation.
 */

const text = z.string().trim().min(1, 'must not be empty');

const serviceSchema = z.strictObject({
  system: text,
  codes: z.array(z.string().regex(/^(\*|[^*\s]+\*?)$/, 'must be a code, a prefix ending in *, or *')).min(1, 'must list at least one code'),
});

const rowSchema = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lower-case words joined by -'),
    description: text,
    match: z
      .strictObject({
        bases: z.array(z.enum(CARE_RELATIONSHIP_BASES)).min(1, 'must not be empty (leave it out to match any basis)').optional(),
        services: z.array(serviceSchema).min(1, 'must not be empty (leave it out to match any service)').optional(),
      })
      .refine((match) => match.bases !== undefined || match.services !== undefined, 'must match on bases, services or both (a row matching everything is refused)'),
    purposes: z.array(z.enum(RELATIONSHIP_PURPOSES)).min(1, 'must allow at least one purpose'),
    categories: z.array(z.enum(DATA_CATEGORIES)).default([]),
    missionCategories: z.array(z.enum(DATA_CATEGORIES)).default([]),
  })
  .superRefine((row, ctx) => {
    if (row.categories.length === 0 && row.missionCategories.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['categories'], message: 'a row must allow at least one category' });
    }
    for (const category of row.missionCategories) {
      if (row.categories.includes(category)) {
        ctx.addIssue({ code: 'custom', path: ['missionCategories'], message: `${category} is in both categories and missionCategories` });
      }
    }
  });

export const policyDocumentSchema = z
  .strictObject({
    version: z.number().int().positive(),
    effectiveFrom: z.iso.datetime({ offset: true }).transform((value) => new Date(value)),
    description: text,
    limits: z.strictObject({
      requiredSecurityLevel: z.number().int().min(1).max(4),
      // The trust framework caps an attestation at 60 minutes; a table may be stricter, not laxer.
      attestationMaxAgeMinutes: z.number().positive().max(60),
      attestationClockSkewSeconds: z.number().min(0).max(300),
      emergencyAccessMaxMinutes: z.number().positive(),
    }),
    rows: z.array(rowSchema).min(1),
  })
  .superRefine((document, ctx) => {
    const seen = new Set<string>();
    document.rows.forEach((row, index) => {
      if (seen.has(row.id)) ctx.addIssue({ code: 'custom', path: ['rows', index, 'id'], message: `row id ${row.id} is used twice` });
      seen.add(row.id);
    });
  });

export type PolicyDocument = z.output<typeof policyDocumentSchema>;
export type PolicyRowDocument = PolicyDocument['rows'][number];

/** A compiled row. */
export interface PolicyRow {
  readonly id: string;
  readonly description: string;
  readonly purposes: ReadonlySet<PurposeOfUse>;
  readonly categories: ReadonlySet<DataCategory>;
  readonly missionCategories: ReadonlySet<DataCategory>;
}

interface ServiceCodes {
  readonly any: boolean;
  readonly exact: ReadonlySet<string>;
  readonly prefixes: readonly string[];
}

interface CompiledRow {
  readonly row: PolicyRow;
  /** Keyed by system with and without the urn:oid: prefix; null when the row matches any service. */
  readonly services: ReadonlyMap<string, ServiceCodes> | null;
}

/** The table ready for decisions. Build it with parsePolicyTable / loadPolicyTable. */
export interface PolicyTable {
  readonly version: number;
  readonly effectiveFrom: Date;
  readonly description: string;
  readonly requiredSecurityLevel: number;
  readonly attestationMaxAgeMs: number;
  readonly attestationClockSkewMs: number;
  readonly emergencyAccessMaxMs: number;
  readonly rows: readonly PolicyRow[];
  /** The validated document, as written. */
  readonly document: PolicyDocument;
  /** Candidate rows per basis, in table order (rows without bases are candidates for every basis). */
  readonly rowsByBasis: ReadonlyMap<string, readonly CompiledRow[]>;
  readonly rowsForAnyBasis: readonly CompiledRow[];
}

export class PolicyTableError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`${source}: invalid access policy table:\n  ${problems.join('\n  ')}`);
    this.name = 'PolicyTableError';
  }
}

const OID_PREFIX = 'urn:oid:';
const bareSystem = (system: string) => (system.startsWith(OID_PREFIX) ? system.slice(OID_PREFIX.length) : system);

/** Validates and compiles a table already parsed from YAML or JSON. Throws PolicyTableError. */
export function compilePolicyTable(input: unknown, source = '(policy table)'): PolicyTable {
  const parsed = policyDocumentSchema.safeParse(input);
  if (!parsed.success) {
    throw new PolicyTableError(
      source,
      parsed.error.issues.map((issue) => `${issue.path.length ? issue.path.map(String).join('.') : '(table)'}: ${issue.message}`),
    );
  }
  const document = parsed.data;
  const compiled = document.rows.map(compileRow);
  const rowsByBasis = new Map<string, CompiledRow[]>();
  for (const basis of CARE_RELATIONSHIP_BASES) {
    rowsByBasis.set(
      basis,
      compiled.filter((_, index) => document.rows[index].match.bases?.includes(basis) ?? true),
    );
  }
  return {
    version: document.version,
    effectiveFrom: document.effectiveFrom,
    description: document.description,
    requiredSecurityLevel: document.limits.requiredSecurityLevel,
    attestationMaxAgeMs: document.limits.attestationMaxAgeMinutes * 60_000,
    attestationClockSkewMs: document.limits.attestationClockSkewSeconds * 1000,
    emergencyAccessMaxMs: document.limits.emergencyAccessMaxMinutes * 60_000,
    rows: compiled.map((c) => c.row),
    document,
    rowsByBasis,
    // A basis this build does not know yet (a newer schema symbol) only meets rows that ignore the basis.
    rowsForAnyBasis: compiled.filter((_, index) => document.rows[index].match.bases === undefined),
  };
}

function compileRow(row: PolicyRowDocument): CompiledRow {
  let services: Map<string, ServiceCodes> | null = null;
  if (row.match.services) {
    services = new Map();
    for (const service of row.match.services) {
      const bare = bareSystem(service.system);
      const existing = services.get(bare);
      const any = (existing?.any ?? false) || service.codes.includes('*');
      const exact = new Set([...(existing?.exact ?? []), ...service.codes.filter((c) => !c.endsWith('*'))]);
      const prefixes = [...(existing?.prefixes ?? []), ...service.codes.filter((c) => c.endsWith('*') && c !== '*').map((c) => c.slice(0, -1))];
      const codes: ServiceCodes = { any, exact, prefixes };
      services.set(bare, codes);
      services.set(OID_PREFIX + bare, codes);
    }
  }
  return {
    row: Object.freeze({
      id: row.id,
      description: row.description,
      purposes: new Set<PurposeOfUse>(row.purposes),
      categories: new Set<DataCategory>(row.categories),
      missionCategories: new Set<DataCategory>(row.missionCategories),
    }),
    services,
  };
}

/** Parses YAML text and compiles it. Throws PolicyTableError (or the YAML parser's error). */
export function parsePolicyTable(yamlText: string, source = '(policy table)'): PolicyTable {
  return compilePolicyTable(parse(yamlText), source);
}

/** Reads, validates and compiles a policy table file (default: deploy/access-policy.yaml). */
export function loadPolicyTable(path: string = defaultPolicyTablePath()): PolicyTable {
  return parsePolicyTable(readFileSync(path, 'utf8'), path);
}

/** deploy/access-policy.yaml of this repository, found by walking up to the folder with nest-cli.json. */
export function defaultPolicyTablePath(start: string = __dirname): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'nest-cli.json'))) return join(dir, 'deploy', 'access-policy.yaml');
    if (dirname(dir) === dir) return join(process.cwd(), 'deploy', 'access-policy.yaml');
  }
}

let defaultTable: PolicyTable | undefined;

/** The repository's table, parsed once (for tests, benchmarks and tools). */
export function defaultPolicyTable(): PolicyTable {
  defaultTable ??= loadPolicyTable();
  return defaultTable;
}

/**
 * The row that decides for a relationship: the first in table order whose bases and services fit.
 * No allocation: Map and Set lookups and a short scan over prefixes.
 */
export function policyRowFor(table: PolicyTable, relationship: Pick<CareRelationship, 'basis' | 'healthcareService'>): PolicyRow | undefined {
  const candidates = table.rowsByBasis.get(relationship.basis) ?? table.rowsForAnyBasis;
  const { system, code } = relationship.healthcareService;
  for (let i = 0; i < candidates.length; i++) {
    const candidate = candidates[i];
    if (candidate.services === null) return candidate.row;
    const codes = candidate.services.get(system);
    if (codes === undefined) continue;
    if (codes.any || codes.exact.has(code)) return candidate.row;
    for (let p = 0; p < codes.prefixes.length; p++) if (code.startsWith(codes.prefixes[p])) return candidate.row;
  }
  return undefined;
}

