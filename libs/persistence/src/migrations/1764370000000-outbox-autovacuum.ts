import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The outbox is a queue: every row is inserted once and deleted soon after. With the default
 * settings autovacuum waits for 20% of the table to be dead, and scans slow down meanwhile; vacuum
 * it after every 10,000 dead rows instead.
 */
export class OutboxAutovacuum1764370000000 implements MigrationInterface {
  name = 'OutboxAutovacuum1764370000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE outbox SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 10000, autovacuum_vacuum_cost_delay = 0)');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE outbox RESET (autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold, autovacuum_vacuum_cost_delay)');
  }
}
