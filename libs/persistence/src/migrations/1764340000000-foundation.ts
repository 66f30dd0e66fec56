import { MigrationInterface, QueryRunner } from 'typeorm';

/** The pipeline canary: one row per canary event that went through Kafka and came back. */
export class Foundation1764340000000 implements MigrationInterface {
  name = 'Foundation1764340000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE ops_canary (
        canary_id       uuid PRIMARY KEY,
        emitted_at      timestamptz NOT NULL,
        received_at     timestamptz NOT NULL,
        emitted_by      text        NOT NULL,
        schema_id       integer     NOT NULL,
        kafka_topic     text        NOT NULL,
        kafka_partition integer     NOT NULL,
        kafka_offset    bigint      NOT NULL
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE ops_canary');
  }
}
