import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When a patient's audience next changes by time alone (a relationship ending at validTo, an
 * emergency access expiring, a block taking effect): the access projector's sweep picks up the
 * patients whose moment has come, through this partial index.
 */
export class AccessTimeBoundaries1764400000000 implements MigrationInterface {
  name = 'AccessTimeBoundaries1764400000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE access_patient ADD COLUMN next_change_at timestamptz');
    await db.query('CREATE INDEX access_patient_next_change ON access_patient (next_change_at) WHERE next_change_at IS NOT NULL');
    // Patients projected before this migration: due now, so the first sweep computes their boundary.
    await db.query('UPDATE access_patient SET next_change_at = now()');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP INDEX access_patient_next_change');
    await db.query('ALTER TABLE access_patient DROP COLUMN next_change_at');
  }
}
