import { DATA_CATEGORIES, type DataCategory } from '@backbone/access-control';
import { checkPatientIdentifier, type PatientIdentifierSystem } from '@backbone/contracts';
import { fieldErrorsOf, invalidRequest } from '@backbone/platform';
import { z } from 'zod';

/*
 * The query API's request shapes. The patient is always named in the body, never in a URL: a URL
 * ends up in proxy logs, browser history and metrics labels. Unknown fields are refused, so a
 * misspelt filter is an error rather than a silently wider answer.
 */

export interface PatientRef {
  system: PatientIdentifierSystem;
  value: string;
}

/** The message for a value that is not an object at all; other issues keep their own. */
const anObject = (what: string) => ({ error: (issue: { code: string }) => (issue.code === 'invalid_type' ? what : undefined) });

const patient = z
  .object(
    {
      system: z.enum(['FNR', 'DNR', 'HNR', 'FHN'], { message: 'must be one of FNR, DNR, HNR, FHN' }),
      value: z.string({ message: 'must be a string of 11 digits' }).regex(/^\d{11}$/, 'must be 11 digits'),
    },
    anObject('required: { system, value }'),
  )
  .strict();

const categories = z
  .array(z.enum(DATA_CATEGORIES, { message: `must be one of ${DATA_CATEGORIES.join(', ')}` }))
  .min(1, 'must name at least one category (or be left out for all)')
  .max(DATA_CATEGORIES.length)
  .optional();

const patientQuery = z.object({ patient, categories }, anObject('must be a JSON object')).strict();

export interface PatientQuery {
  patient: PatientRef;
  categories?: DataCategory[];
}

/** Parses a patient query body; throws 422 problem+json naming each failing field. */
export function parsePatientQuery(body: unknown, options: { allowSyntheticIdentifiers: boolean }): PatientQuery {
  const parsed = patientQuery.safeParse(body);
  if (!parsed.success) throw invalidRequest(fieldErrorsOf(parsed.error.issues));
  checkIdentifier(parsed.data.patient, options);
  return { patient: parsed.data.patient, ...(parsed.data.categories ? { categories: [...new Set(parsed.data.categories)] } : {}) };
}

/** Check digits and kind: a wrong number must never be looked up (it could be someone else's). */
export function checkIdentifier(ref: PatientRef, options: { allowSyntheticIdentifiers: boolean }, field = 'patient.value'): void {
  const check = checkPatientIdentifier(ref.system, ref.value, { allowSynthetic: options.allowSyntheticIdentifiers });
  if (!check.ok) throw invalidRequest([{ field, rule: `${ref.system}: ${check.rule}` }]);
}

/** The category path segment of the per-category views: the category in lower kebab case. */
export const CATEGORY_PATHS: Readonly<Record<string, DataCategory>> = Object.fromEntries(
  DATA_CATEGORIES.map((category) => [category.toLowerCase().replace(/_/g, '-'), category]),
);

export function categoryFromPath(segment: string): DataCategory {
  const category = CATEGORY_PATHS[segment];
  if (!category) throw invalidRequest([{ field: 'category', rule: `must be one of ${Object.keys(CATEGORY_PATHS).join(', ')}` }], 400);
  return category;
}

const inboxQuery = z
  .object({
    since: z.iso.datetime({ offset: true, message: 'must be an ISO-8601 date-time with a zone' }).optional(),
    limit: z.number({ message: 'must be a whole number from 1 to 200' }).int('must be a whole number from 1 to 200').min(1, 'must be a whole number from 1 to 200').max(200, 'must be a whole number from 1 to 200').optional(),
  }, anObject('must be a JSON object'))
  .strict();

export interface InboxQuery {
  since?: Date;
  limit: number;
}

export function parseInboxQuery(body: unknown): InboxQuery {
  const parsed = inboxQuery.safeParse(body ?? {});
  if (!parsed.success) throw invalidRequest(fieldErrorsOf(parsed.error.issues));
  return { ...(parsed.data.since ? { since: new Date(parsed.data.since) } : {}), limit: parsed.data.limit ?? 50 };
}

const categoriesOnly = z.object({ categories }, anObject('must be a JSON object')).strict();

/** The citizen's data view: optionally narrowed to some categories. */
export function parseCategoriesQuery(body: unknown): DataCategory[] | undefined {
  const parsed = categoriesOnly.safeParse(body ?? {});
  if (!parsed.success) throw invalidRequest(fieldErrorsOf(parsed.error.issues));
  return parsed.data.categories ? [...new Set(parsed.data.categories)] : undefined;
}

const accessLogQuery = z
  .object({
    patient: patient.optional(),
    before: z.string({ message: 'must be the `next` cursor of a previous page' }).max(200, 'must be the `next` cursor of a previous page').optional(),
    limit: z.number({ message: 'must be a whole number from 1 to 100' }).int('must be a whole number from 1 to 100').min(1, 'must be a whole number from 1 to 100').max(100, 'must be a whole number from 1 to 100').optional(),
  }, anObject('must be a JSON object'))
  .strict();

export interface AccessLogQuery {
  patient?: PatientRef;
  before?: { accessedAt: string; accessId: string };
  limit: number;
}

const logCursor = z.object({ t: z.iso.datetime(), id: z.uuid() }).strict();

/** The log's page cursor is opaque to callers: base64url JSON of the last line's time and id. */
export function accessLogCursor(next: { accessedAt: string; accessId: string }): string {
  return Buffer.from(JSON.stringify({ t: next.accessedAt, id: next.accessId })).toString('base64url');
}

export function parseAccessLogQuery(body: unknown, options: { allowSyntheticIdentifiers: boolean }): AccessLogQuery {
  const parsed = accessLogQuery.safeParse(body ?? {});
  if (!parsed.success) throw invalidRequest(fieldErrorsOf(parsed.error.issues));
  if (parsed.data.patient) checkIdentifier(parsed.data.patient, options);
  let before: AccessLogQuery['before'];
  if (parsed.data.before !== undefined) {
    let decoded: unknown;
    try {
      decoded = JSON.parse(Buffer.from(parsed.data.before, 'base64url').toString('utf8'));
    } catch {
      decoded = undefined;
    }
    const cursor = logCursor.safeParse(decoded);
    if (!cursor.success) throw invalidRequest([{ field: 'before', rule: 'must be the `next` cursor of a previous page' }], 400);
    before = { accessedAt: cursor.data.t, accessId: cursor.data.id };
  }
  return { ...(parsed.data.patient ? { patient: parsed.data.patient } : {}), ...(before ? { before } : {}), limit: parsed.data.limit ?? 50 };
}
