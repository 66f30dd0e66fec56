import type { PatientAccessFacts } from './facts';
import type { DataItem } from './request';

/*
 * A patient's facts as JSON for the access model in PostgreSQL (jsonb) and back. Instants are
 * ISO-8601 strings in JSON and Dates in the facts; the fields that hold them are listed here, in
 * one place, so a new time field cannot silently come back as a string.
 */
const INSTANT_FIELDS = new Set(['validFrom', 'validTo', 'endedAt', 'start', 'end', 'withdrawnAt', 'effectiveFrom', 'liftedAt', 'invokedAt', 'expiresAt']);

export function factsToJson(facts: PatientAccessFacts): string {
  return JSON.stringify(facts);
}

export function factsFromJson(json: string | object): PatientAccessFacts {
  const text = typeof json === 'string' ? json : JSON.stringify(json);
  return JSON.parse(text, (key, value) => (INSTANT_FIELDS.has(key) && typeof value === 'string' ? new Date(value) : value)) as PatientAccessFacts;
}

/** A data item as stored in JSON (a read model's access column): the instants back to Dates. */
export function dataItemFromJson(json: Record<string, unknown>): DataItem {
  return {
    ...(json as unknown as DataItem),
    occurredAt: new Date(json.occurredAt as string),
    releaseToCitizenAt: json.releaseToCitizenAt ? new Date(json.releaseToCitizenAt as string) : undefined,
  };
}
