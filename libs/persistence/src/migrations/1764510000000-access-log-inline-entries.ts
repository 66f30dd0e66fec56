import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Keeps the access log's entries in the row. An entry naming the 50 items of a patient summary is
 * ~2.9 KB of jsonb, over PostgreSQL's 2 KB threshold: every audited read tried to compress it with
 * pglz (a list of item keys does not compress, so that was wasted), then moved it to the TOAST
 * table as two chunks, each a heap and an index insertion. That was half the cost of writing a
 * log row (5,000 rows: 64 µs a row against 33 µs inline, measured on the benchmark's log).
 *
 * With the target at its maximum, only entries too large for a page (hundreds of items) are still
 * compressed and moved out; the citizen's log reads the others without detoasting. Rows written
 * before stay where they are; both read the same.
 */
export class AccessLogInlineEntries1764510000000 implements MigrationInterface {
  name = 'AccessLogInlineEntries1764510000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE access_log SET (toast_tuple_target = 8160)');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE access_log RESET (toast_tuple_target)');
  }
}
