import { randomUUID } from 'node:crypto';
import { exampleOf } from '../codegen/generate-docs';
import { EVENT_TYPES, EventTypeName } from '../generated/events';
import { makeFnr } from '../identifiers';
import type { SchemaSet } from '../schema-set';

/**
 * Synthetic patients and events for tests, benchmarks and the demo. Identity numbers are from the
 * Tenor pattern (month + 80), so no real person's number is ever generated.
 */
export function syntheticFnr(n: number): string {
  // Walk birth dates from 1940 and individual numbers until a valid number comes out.
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const seed = n * 7 + attempt;
    const date = new Date(Date.UTC(1940 + (seed % 60), Math.floor(seed / 60) % 12, 1 + (Math.floor(seed / 720) % 28)));
    const individual = (Math.floor(seed / 20_160) + attempt * 37) % 500;
    const fnr = makeFnr(date, individual, { synthetic: true });
    if (fnr) return fnr;
  }
  throw new Error(`no synthetic FNR for ${n}`);
}

/**
 * A copy of the schema example of an event type with a fresh eventId (and, if given, another
 * patient), ready to publish. Deep-copied: callers may change it freely.
 */
export function exampleEvent(
  schemas: SchemaSet,
  eventType: EventTypeName,
  options: { eventId?: string; patientFnr?: string } = {},
): Record<string, unknown> & { envelope: Record<string, unknown> & { eventId: string } } {
  const event = structuredClone(exampleOf(schemas, EVENT_TYPES[eventType])) as {
    envelope: Record<string, unknown> & { eventId: string; patient: { system: string; value: string } };
  };
  if (!event) throw new Error(`no example for ${eventType}`);
  // String concatenation keeps the id a flat string (randomUUID's result is a slow cons-string as a map key).
  event.envelope.eventId = options.eventId ?? `${randomUUID()}`;
  if (options.patientFnr) event.envelope.patient = { system: 'FNR', value: options.patientFnr };
  return event;
}
