import { MigrationInterface, QueryRunner } from 'typeorm';
import { columnCompression, whereServerCompresses } from './1764480000000-patient-store-lz4';

const ARRAY_COLUMNS = ['event_ids', 'event_types', 'topics', 'message_keys', 'value_lengths'];

/**
 * A batch's outbox row compressed with lz4. The row holds a request's Avro values back to back
 * (~1 MB for 1,000 clinical events) and its ids, types, topics and keys as arrays (~15-50 KB
 * each). The values were stored uncompressed, on the grounds that a single Avro record hardly
 * compresses; but a batch's records repeat one another (the same custodian, code systems, authors,
 * field layout), and uncompressed they cost ~500 TOAST chunks per request, each a heap and index
 * insertion with its WAL, deleted again moments later. The arrays went through pglz, the slow
 * default. PostgreSQL CPU per 100,000 batched events 3.5 -> 2.95 s (medians of 6 runs each,
 * alternated, bench/ingest.bench.ts); the relay's decompression did not show. A single event's
 * row stays under the 2 KB threshold and is not compressed at all. Skipped where the server was
 * built without lz4 (the values then stay uncompressed, as before).
 */
export class OutboxLz41764530000000 implements MigrationInterface {
  name = 'OutboxLz41764530000000';

  async up(db: QueryRunner): Promise<void> {
    // Compressible only where lz4 is there: without it the values stay out of line, uncompressed, as before.
    await db.query(whereServerCompresses('lz4', 'ALTER TABLE outbox ALTER COLUMN message_values SET STORAGE EXTENDED'));
    await db.query(columnCompression('outbox', ['message_values', ...ARRAY_COLUMNS], 'lz4'));
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE outbox ALTER COLUMN message_values SET STORAGE EXTERNAL');
    await db.query(`ALTER TABLE outbox ${['message_values', ...ARRAY_COLUMNS].map((c) => `ALTER COLUMN ${c} SET COMPRESSION default`).join(', ')}`);
  }
}
