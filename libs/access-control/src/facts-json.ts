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

/**
 * A data item as stored in JSON (a read model's access column): the instants back to Dates. Built
 * field by field in one order, so every item has the same object shape: the engine reads items on
 * every query and delivery, and a spread of parsed JSON gives as many shapes as the JSON had key
 * orders (the same lesson as the facts: property reads on mixed shapes are several times slower).
 */
export function dataItemFromJson(json: Record<string, unknown>): DataItem {
  const j = json as Record<string, string | undefined> & { handedOverTo?: DataItem['handedOverTo'] };
  return {
    itemId: j.itemId as string,
    category: j.category as DataItem['category'],
    documentId: j.documentId,
    custodian: j.custodian as string,
    confidentiality: j.confidentiality as DataItem['confidentiality'],
    restriction: j.restriction as DataItem['restriction'],
    occurredAt: new Date(j.occurredAt as string),
    releaseToCitizenAt: j.releaseToCitizenAt ? new Date(j.releaseToCitizenAt) : undefined,
    missionId: j.missionId,
    handedOverTo: j.handedOverTo,
  };
}
