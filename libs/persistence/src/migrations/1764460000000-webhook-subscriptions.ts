import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhook subscriptions of the delivery app (libs/delivery): per subscription its endpoint, content
 * level, signing secret and its own cursor in the recipient's feed, so each progresses (and fails)
 * independently. The secret is stored as issued because signing needs it (HMAC): this table is its
 * only home, so access to the database is access to the secrets. Dead letters keep what was given
 * up and why, for support and for a resend.
 */
export class WebhookSubscriptions1764460000000 implements MigrationInterface {
  name = 'WebhookSubscriptions1764460000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE webhook_subscription (
        id                 uuid        PRIMARY KEY,
        client_id          text        NOT NULL,
        recipient_key      text        NOT NULL,
        url                text        NOT NULL,
        content            text        NOT NULL CHECK (content IN ('id-only', 'full')),
        secret             text        NOT NULL,
        status             text        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'dead-lettered')),
        projection_version int,
        read_seq           bigint      NOT NULL DEFAULT 0,
        delivered_seq      bigint,
        attempts           int         NOT NULL DEFAULT 0,
        failing_since      timestamptz,
        next_attempt_at    timestamptz NOT NULL,
        last_error         text,
        last_delivered_at  timestamptz,
        created_at         timestamptz NOT NULL
      )`);
    await db.query(`CREATE INDEX webhook_subscription_due ON webhook_subscription (next_attempt_at) WHERE status = 'active'`);
    await db.query('CREATE INDEX webhook_subscription_client ON webhook_subscription (client_id)');
    await db.query(`
      CREATE TABLE webhook_dead_letter (
        id               bigserial   PRIMARY KEY,
        subscription_id  uuid        NOT NULL,
        projection_version int       NOT NULL,
        after_seq        bigint      NOT NULL,
        attempts         int         NOT NULL,
        failing_since    timestamptz NOT NULL,
        dead_lettered_at timestamptz NOT NULL,
        last_error       text        NOT NULL
      )`);
    await db.query('CREATE INDEX webhook_dead_letter_subscription ON webhook_dead_letter (subscription_id)');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE webhook_dead_letter');
    await db.query('DROP TABLE webhook_subscription');
  }
}
