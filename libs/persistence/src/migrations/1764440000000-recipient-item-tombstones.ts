import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A recipient's lost items stay in its read model as tombstones (removed_at set, with the feed
 * number of the loss), so a system following the recipient's feed learns that its copy must go.
 * Queries read only rows with removed_at null; the feed reads both.
 */
export class RecipientItemTombstones1764440000000 implements MigrationInterface {
  name = 'RecipientItemTombstones1764440000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE recipient_item_v1 ADD COLUMN removed_at timestamptz');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DELETE FROM recipient_item_v1 WHERE removed_at IS NOT NULL');
    await db.query('ALTER TABLE recipient_item_v1 DROP COLUMN removed_at');
  }
}
