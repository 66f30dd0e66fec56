import { Type } from 'avsc';
import { LOGICAL_TYPES } from '@backbone/serde';
import type { SchemaSet } from '../schema-set';
import { subjectFor, TopicCatalog } from '../topic-catalog';
import type { SchemaRegistryAdmin } from './schema-registry-admin';

export interface Registered {
  subject: string;
  id: number;
  version: number;
}

/**
 * Registers every event type of the catalog under its record-name subject, with the catalog's
 * compatibility level set first so the registry enforces it from version 1 on.
 */
export async function registerSchemas(admin: SchemaRegistryAdmin, schemas: SchemaSet, catalog: TopicCatalog): Promise<Registered[]> {
  const registered: Registered[] = [];
  for (const eventType of catalog.topics.flatMap((t) => t.eventTypes)) {
    const subject = subjectFor(eventType);
    if ((await admin.compatibility(subject)) !== catalog.compatibility) await admin.setCompatibility(subject, catalog.compatibility);
    const id = await admin.register(subject, schemas.bundle(eventType));
    const versions = await admin.versions(subject);
    registered.push({ subject, id, version: Math.max(...versions) });
  }
  return registered;
}

export type CheckOutcome =
  | { subject: string; status: 'new' }
  | { subject: string; status: 'unchanged' | 'compatible'; versions: number }
  | { subject: string; status: 'incompatible'; versions: number; problems: string[] };

/**
 * Checks each event type's schema in the files against the registered history, without
 * registering anything. The verdict is the registry's (under the subject's transitive level);
 * the problems are worked out locally with Avro's resolution rules, so the message says which
 * version cannot read what.
 */
export async function checkSchemas(
  admin: SchemaRegistryAdmin,
  schemas: SchemaSet,
  catalog: TopicCatalog,
  only?: string[],
): Promise<CheckOutcome[]> {
  const outcomes: CheckOutcome[] = [];
  for (const eventType of catalog.topics.flatMap((t) => t.eventTypes)) {
    if (only && !only.some((name) => eventType === name || eventType.endsWith(`.${name}`))) continue;
    const subject = subjectFor(eventType);
    const versions = await admin.versions(subject);
    if (versions.length === 0) {
      outcomes.push({ subject, status: 'new' });
      continue;
    }
    const candidate = schemas.bundle(eventType);
    const latest = await admin.schemaOf(subject, Math.max(...versions));
    if (sameSchema(latest.schema, candidate)) {
      outcomes.push({ subject, status: 'unchanged', versions: versions.length });
      continue;
    }
    if (await admin.isCompatible(subject, candidate)) {
      outcomes.push({ subject, status: 'compatible', versions: versions.length });
      continue;
    }
    const problems: string[] = [];
    const next = Type.forSchema(candidate as never, { logicalTypes: LOGICAL_TYPES });
    for (const version of versions) {
      const old = Type.forSchema(JSON.parse((await admin.schemaOf(subject, version)).schema), { logicalTypes: LOGICAL_TYPES });
      problems.push(...resolutionProblems(next, old, version));
    }
    outcomes.push({ subject, status: 'incompatible', versions: versions.length, problems: problems.length ? problems : ['the registry rejects it'] });
  }
  return outcomes;
}

function sameSchema(registered: string, candidate: object): boolean {
  return Type.forSchema(JSON.parse(registered)).fingerprint('sha256').equals(Type.forSchema(candidate as never).fingerprint('sha256'));
}

function resolutionProblems(next: Type, old: Type, version: number): string[] {
  const problems: string[] = [];
  try {
    next.createResolver(old);
  } catch (error) {
    problems.push(`the new schema cannot read data written with version ${version}: ${(error as Error).message}`);
  }
  try {
    old.createResolver(next);
  } catch (error) {
    problems.push(`version ${version} cannot read data written with the new schema: ${(error as Error).message}`);
  }
  return problems;
}
