import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Version 1 of the recipient read models. Every table carries the version in its name, so a
 * rebuild can build v2 beside v1 and switch readers when it has caught up.
 *  - patient_item_v1: the patient store, the latest version of every clinical item of every
 *    patient, whoever may see it (what backfill reads when a recipient is granted access).
 *  - recipient_item_v1: per recipient, the items it may hold, each with the recipient's feed
 *    sequence number at its last change.
 *  - recipient_seq_v1: the last sequence number handed out per recipient.
 */
export class RecipientModelV11764410000000 implements MigrationInterface {
  name = 'RecipientModelV11764410000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE patient_item_v1 (
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
        content          jsonb       NOT NULL,
        updated_at       timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (patient_key, item_key)
      )`);
    await db.query(`
      CREATE TABLE recipient_item_v1 (
        recipient_key text        NOT NULL,
        patient_key   text        NOT NULL,
        item_key      text        NOT NULL,
        seq           bigint      NOT NULL,
        event_id      uuid        NOT NULL,
        category      text        NOT NULL,
        status        text        NOT NULL,
        updated_at    timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (recipient_key, patient_key, item_key)
      )`);
    await db.query('CREATE UNIQUE INDEX recipient_item_v1_feed ON recipient_item_v1 (recipient_key, seq)');
    await db.query(`
      CREATE TABLE recipient_seq_v1 (
        recipient_key text   PRIMARY KEY,
        last_seq      bigint NOT NULL
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE recipient_seq_v1');
    await db.query('DROP TABLE recipient_item_v1');
    await db.query('DROP TABLE patient_item_v1');
  }
}
