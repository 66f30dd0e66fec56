import type { ClientBase, Pool } from 'pg';
import { patientStoreCompression, withTransaction } from '@backbone/persistence';
import { projectionName } from '@backbone/projection';

/** The read model's name; each version has its own tables, positions and consumer group. */
export const RECIPIENT_MODEL = 'recipient-model';

/** The version a new deployment builds first (its tables come from the migrations). */
export const RECIPIENT_MODEL_FIRST_VERSION = 1;

export interface RecipientModelTables {
  version: number;
  /** Positions and dead letters are kept under this name. */
  projection: string;
  /** The patient store: the latest version of every clinical item of every patient. */
  patientItem: string;
  /** Per recipient, the items it may hold (and tombstones of those it lost), each with the recipient's feed number at its last change. */
  recipientItem: string;
  /** The last feed number handed out per recipient. */
  recipientSeq: string;
}

export function recipientModelTables(version: number): RecipientModelTables {
  if (!Number.isInteger(version) || version < 1) throw new Error(`a recipient model version is a whole number from 1, not ${version}`);
  return {
    version,
    projection: projectionName(RECIPIENT_MODEL, version),
    patientItem: `patient_item_v${version}`,
    recipientItem: `recipient_item_v${version}`,
    recipientSeq: `recipient_seq_v${version}`,
  };
}

/**
 * Creates a version's tables if they are not there: the shape version 1 reached through its
 * migrations (recipient-model-v1, recipient-model-v1-lookups, recipient-item-tombstones,
 * patient-store-lz4, patient-store-avro), so a rebuild's tables are the same.
 * Under a transaction-level advisory lock: two instances starting together do not race.
 */
export async function createRecipientModelTables(pool: Pool, version: number): Promise<RecipientModelTables> {
  const t = recipientModelTables(version);
  await withTransaction(pool, async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(7101981, $1)', [version]);
    await tx.query(`
      CREATE TABLE IF NOT EXISTS ${t.patientItem} (
        patient_key      text        NOT NULL,
        item_key         text        NOT NULL,
        event_type       text        NOT NULL,
        status           text        NOT NULL,
        category         text        NOT NULL,
        access           jsonb       NOT NULL,
        data_ref         text,
        event_id         uuid        NOT NULL,
        source_topic     text        NOT NULL,
        source_partition int         NOT NULL,
        source_offset    bigint      NOT NULL,
        content          bytea       NOT NULL,
        updated_at       timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (patient_key, item_key)
      )`);
    await tx.query(patientStoreCompression(t.patientItem, 'lz4'));
    await tx.query(`
      CREATE TABLE IF NOT EXISTS ${t.recipientItem} (
        recipient_key text        NOT NULL,
        patient_key   text        NOT NULL,
        item_key      text        NOT NULL,
        seq           bigint      NOT NULL,
        event_id      uuid        NOT NULL,
        category      text        NOT NULL,
        status        text        NOT NULL,
        removed_at    timestamptz,
        updated_at    timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (recipient_key, patient_key, item_key)
      )`);
    await tx.query(`CREATE UNIQUE INDEX IF NOT EXISTS ${t.recipientItem}_feed ON ${t.recipientItem} (recipient_key, seq)`);
    await tx.query(`CREATE INDEX IF NOT EXISTS ${t.recipientItem}_item ON ${t.recipientItem} (patient_key, item_key)`);
    await tx.query(`CREATE TABLE IF NOT EXISTS ${t.recipientSeq} (recipient_key text PRIMARY KEY, last_seq bigint NOT NULL)`);
  });
  return t;
}

/** Drops a retired version's tables and positions (ops-cli projections drop); its dead letters stay as history. */
export async function dropRecipientModelTables(db: ClientBase | Pool, version: number): Promise<void> {
  const t = recipientModelTables(version);
  await db.query(`DROP TABLE IF EXISTS ${t.recipientSeq}, ${t.recipientItem}, ${t.patientItem}`);
  await db.query('DELETE FROM projection_position WHERE projection = $1', [t.projection]);
}
