import { MigrationInterface, QueryRunner } from 'typeorm';

const INGEST_ACCEPT = 'ingest_accept(uuid[], text[], text, bytea, text[], text[], bytea, int[])';

/**
 * ingest_accept's statements are planned once per connection, not on every single event.
 * PL/pgSQL keeps each statement's plan, but PostgreSQL re-plans it for the parameters whenever
 * that looks cheaper than the generic plan; with one event the arrays hold one element, the
 * generic plan is costed for ten, so every single event was planned afresh (15% of PostgreSQL's
 * CPU at 500 events/s). The plans are the same whatever the batch size: index lookups per event.
 * Calling it with one event: 0.71–0.81 → 0.49–0.51 ms; with 1,000 events unchanged (35–36 ms).
 */
export class IngestAcceptGenericPlans1764520000000 implements MigrationInterface {
  name = 'IngestAcceptGenericPlans1764520000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER FUNCTION ${INGEST_ACCEPT} SET plan_cache_mode = force_generic_plan`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER FUNCTION ${INGEST_ACCEPT} RESET plan_cache_mode`);
  }
}
