import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Ingest: the idempotency record of every accepted event and the transactional outbox the relay
 * drains to Kafka. Both are written in the transaction that makes an event "accepted".
 */
export class IngestOutbox1764350000000 implements MigrationInterface {
  name = 'IngestOutbox1764350000000';

  async up(db: QueryRunner): Promise<void> {
    // One row per accepted eventId, kept: a retry years later still gets the first answer.
    await db.query(`
      CREATE TABLE ingest_event (
        event_id     uuid        PRIMARY KEY,
        event_type   text        NOT NULL,
        client_id    text        NOT NULL,
        body_sha256  bytea       NOT NULL,
        topic        text        NOT NULL,
        accepted_at  timestamptz NOT NULL DEFAULT now()
      )`);
    // Rows live here from acceptance until Kafka acknowledges them; id order is publish order.
    // No identity number is stored outside the Avro value: the key is the pseudonymous patient key.
    await db.query(`
      CREATE TABLE outbox (
        id            bigserial   PRIMARY KEY,
        event_id      uuid        NOT NULL,
        event_type    text        NOT NULL,
        topic         text        NOT NULL,
        message_key   text        NOT NULL,
        message_value bytea       NOT NULL,
        created_at    timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE outbox');
    await db.query('DROP TABLE ingest_event');
  }
}
