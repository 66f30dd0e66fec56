import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit trail's durable store and the citizen's access log in one table: one row per access
 * (permits and denials), written in the same statement as the DataAccessed outbox row and
 * committed before any data leaves. Keyed by the pseudonymous patient key: no identity number is
 * stored here (it travels only in the DataAccessed value on Kafka). `entry` holds what the citizen
 * is shown (person, organisation, department, purpose, decision template) and what log control
 * needs (client, API, items).
 */
export class AccessLog1764450000000 implements MigrationInterface {
  name = 'AccessLog1764450000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE access_log (
        access_id         uuid        PRIMARY KEY,
        patient_key       text        NOT NULL,
        accessed_at       timestamptz NOT NULL,
        actor_kind        text        NOT NULL,
        outcome           text        NOT NULL,
        reason_code       text        NOT NULL,
        emergency         boolean     NOT NULL,
        sperring_override boolean     NOT NULL,
        entry             jsonb       NOT NULL
      )`);
    await db.query('CREATE INDEX access_log_patient ON access_log (patient_key, accessed_at DESC, access_id)');
    await db.query('CREATE INDEX access_log_review ON access_log (accessed_at) WHERE emergency OR sperring_override');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE access_log');
  }
}
