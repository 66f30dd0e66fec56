import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { factsToJson, type CareRelationship, type DataCategory, type PatientAccessFacts } from '@backbone/access-control';
import { ACCESS_MODEL_WRITE_LOCK } from '@backbone/access-model';
import { exampleEvent, SchemaSet, type EventCodec, type EventTypeName } from '@backbone/contracts';
import { withTransaction } from '@backbone/persistence';
import { recipientModelTables } from '@backbone/recipient-model';

/*
 * Test and benchmark support (not exported from the library): rows written straight into the
 * access model and the recipient read model, the way their projectors write them, so feed tests
 * control exactly what a recipient's feed holds.
 */

/** Oslo kommune's home care in Bydel Gamle Oslo, with a department of the run's own so no other test shares its feed. */
export function homeCareRecipient(department = String(100_000 + Math.floor(Math.random() * 899_999_999))) {
  const fields = { legalEntity: '958935420', pointOfCare: '934567897', department };
  return { ...fields, recipientKey: `org:${fields.legalEntity}/poc:${fields.pointOfCare}/dept:${department}` };
}

/** A home-care relationship (8663 KP02: home measurements, medication list, critical info) for that recipient. */
export function homeCareRelationship(recipient: ReturnType<typeof homeCareRecipient>, overrides: Partial<CareRelationship> = {}): CareRelationship {
  return {
    relationshipId: randomUUID(),
    legalEntity: recipient.legalEntity,
    pointOfCare: recipient.pointOfCare,
    department: recipient.department,
    healthcareService: { system: 'urn:oid:2.16.578.1.12.4.1.1.8663', code: 'KP02' },
    purposeOfUse: 'TREAT',
    decisionRef: 'VEDTAK-TEST',
    basis: 'HOME_CARE_DECISION',
    validFrom: new Date('2026-01-01T00:00:00.000Z'),
    ...overrides,
  };
}

/** Writes patients' facts as the access projector does (numbered under its lock, so readers follow them). */
export async function writeAccessFacts(pool: Pool, facts: ReadonlyMap<string, PatientAccessFacts>): Promise<void> {
  await withTransaction(pool, async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [ACCESS_MODEL_WRITE_LOCK]);
    await tx.query(
      `INSERT INTO access_patient (patient_key, facts, change_seq)
       SELECT k, f, nextval('access_change_seq') FROM ROWS FROM (unnest($1::text[]), jsonb_array_elements($2::jsonb)) AS p(k, f)
       ON CONFLICT (patient_key) DO UPDATE SET facts = excluded.facts, change_seq = excluded.change_seq, updated_at = now()`,
      [[...facts.keys()], `[${[...facts.values()].map(factsToJson).join(',')}]`],
    );
  });
}

let schemaSet: SchemaSet | undefined;
const schemas = () => (schemaSet ??= SchemaSet.load());

export interface TestItem {
  patientKey: string;
  /** The patient's identifier as the event carries it (synthetic). */
  patientFnr: string;
  itemKey?: string;
  category?: DataCategory;
  eventType?: string;
  removed?: boolean;
  dataRef?: string | null;
}

/**
 * Puts items into the patient store and a recipient's read model, each with the recipient's next
 * feed number (taken from its sequence row, as the projector takes them). Returns the rows' seqs.
 */
export async function writeFeedItems(pool: Pool, codec: EventCodec, recipientKey: string, items: readonly TestItem[], version = 1): Promise<string[]> {
  const t = recipientModelTables(version);
  const seqs: string[] = [];
  await withTransaction(pool, async (tx) => {
    const { rows } = await tx.query<{ last_seq: string }>(
      `INSERT INTO ${t.recipientSeq} AS s (recipient_key, last_seq) VALUES ($1, $2)
       ON CONFLICT (recipient_key) DO UPDATE SET last_seq = s.last_seq + excluded.last_seq RETURNING last_seq`,
      [recipientKey, items.length],
    );
    let seq = BigInt(rows[0].last_seq) - BigInt(items.length);
    const patient: unknown[][] = [[], [], [], [], [], [], [], [], []];
    const recipient: unknown[][] = [[], [], [], [], [], [], [], []];
    for (const item of items) {
      seq += 1n;
      const itemKey = item.itemKey ?? `dho:${randomUUID()}`;
      const category = item.category ?? 'DHO';
      const eventType = item.eventType ?? 'DhoMeasurementRecorded';
      const eventId = randomUUID();
      const occurredAt = '2026-11-20T09:00:00.000Z';
      const access = { itemId: itemKey, category, custodian: '958935420', confidentiality: 'N', occurredAt };
      // The event as the projector stores it: as published, Confluent-framed Avro.
      const example = exampleEvent(schemas(), eventType as EventTypeName, { patientFnr: item.patientFnr }) as { envelope: Record<string, unknown> };
      const content = await codec.encode(eventType as EventTypeName, { ...example, envelope: { ...example.envelope, eventId, occurredAt: new Date(occurredAt), patientKey: item.patientKey } } as never);
      for (const [i, v] of [item.patientKey, itemKey, eventType, category, JSON.stringify(access), item.dataRef ?? null, eventId, content, 'current'].entries()) patient[i].push(v);
      for (const [i, v] of [recipientKey, item.patientKey, itemKey, seq.toString(), eventId, category, 'current', item.removed ? new Date().toISOString() : null].entries()) recipient[i].push(v);
      seqs.push(seq.toString());
    }
    await tx.query(
      `INSERT INTO ${t.patientItem} (patient_key, item_key, event_type, category, access, data_ref, event_id, content, status, source_topic, source_partition, source_offset)
       SELECT p.*, 'test', 0, 0 FROM ROWS FROM (unnest($1::text[]), unnest($2::text[]), unnest($3::text[]), unnest($4::text[]), unnest($5::jsonb[]), unnest($6::text[]), unnest($7::uuid[]), unnest($8::bytea[]), unnest($9::text[])) AS p
       ON CONFLICT (patient_key, item_key) DO UPDATE SET event_id = excluded.event_id, content = excluded.content, access = excluded.access`,
      patient,
    );
    await tx.query(
      `INSERT INTO ${t.recipientItem} (recipient_key, patient_key, item_key, seq, event_id, category, status, removed_at)
       SELECT * FROM ROWS FROM (unnest($1::text[]), unnest($2::text[]), unnest($3::text[]), unnest($4::bigint[]), unnest($5::uuid[]), unnest($6::text[]), unnest($7::text[]), unnest($8::timestamptz[]))
       ON CONFLICT (recipient_key, patient_key, item_key) DO UPDATE SET seq = excluded.seq, event_id = excluded.event_id, removed_at = excluded.removed_at, updated_at = now()`,
      recipient,
    );
  });
  return seqs;
}
