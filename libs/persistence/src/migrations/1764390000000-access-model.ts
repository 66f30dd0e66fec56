import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The access model the access-control projector keeps from the governance topic, and the
 * bookkeeping every projector shares: consumer positions (committed in the same transaction as the
 * rows they produced, which is what makes a redelivered batch harmless) and dead letters.
 */
export class AccessModel1764390000000 implements MigrationInterface {
  name = 'AccessModel1764390000000';

  async up(db: QueryRunner): Promise<void> {
    // Where each projection stands in each partition: the next offset it has not yet applied.
    await db.query(`
      CREATE TABLE projection_position (
        projection  text        NOT NULL,
        topic       text        NOT NULL,
        partition   int         NOT NULL,
        next_offset bigint      NOT NULL,
        updated_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (projection, topic, partition)
      )`);
    // Messages a projection could not apply, with why, kept for operators (ops-cli dead-letters)
    // and counted in /metrics. The original bytes are kept so a fixed projector can replay them.
    await db.query(`
      CREATE TABLE dead_letter (
        id          bigserial   PRIMARY KEY,
        projection  text        NOT NULL,
        topic       text        NOT NULL,
        partition   int         NOT NULL,
        "offset"    bigint      NOT NULL,
        event_id    text,
        event_type  text,
        reason      text        NOT NULL,
        detail      text        NOT NULL,
        attempts    int         NOT NULL,
        payload     bytea,
        created_at  timestamptz NOT NULL DEFAULT now(),
        UNIQUE (projection, topic, partition, "offset")
      )`);
    // One row per patient with governance facts: the folded facts, as the engine reads them.
    // change_seq orders changes for readers that keep an in-memory index current.
    await db.query('CREATE SEQUENCE access_change_seq');
    await db.query(`
      CREATE TABLE access_patient (
        patient_key text        PRIMARY KEY,
        facts       jsonb       NOT NULL,
        change_seq  bigint      NOT NULL,
        updated_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query('CREATE INDEX access_patient_change_seq ON access_patient (change_seq)');
    // Who may see something of which patient, and which categories (the audience): what the
    // fan-out projectors read to backfill a new recipient and to find a patient's recipients.
    await db.query(`
      CREATE TABLE access_audience (
        patient_key      text        NOT NULL,
        recipient_key    text        NOT NULL,
        legal_entity     text        NOT NULL,
        point_of_care    text,
        department       text,
        practitioner_hpr text,
        categories       text[]      NOT NULL,
        updated_at       timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (patient_key, recipient_key)
      )`);
    await db.query('CREATE INDEX access_audience_recipient ON access_audience (recipient_key, patient_key)');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE access_audience');
    await db.query('DROP TABLE access_patient');
    await db.query('DROP SEQUENCE access_change_seq');
    await db.query('DROP TABLE dead_letter');
    await db.query('DROP TABLE projection_position');
  }
}
