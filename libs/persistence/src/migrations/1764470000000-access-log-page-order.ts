import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The citizen's access log is paged newest first by (accessed_at, access_id), both descending;
 * the first index had access_id ascending, so accesses in the same millisecond needed a sort.
 */
export class AccessLogPageOrder1764470000000 implements MigrationInterface {
  name = 'AccessLogPageOrder1764470000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query('CREATE INDEX access_log_patient_page ON access_log (patient_key, accessed_at DESC, access_id DESC)');
    await db.query('DROP INDEX access_log_patient');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('CREATE INDEX access_log_patient ON access_log (patient_key, accessed_at DESC, access_id)');
    await db.query('DROP INDEX access_log_patient_page');
  }
}
