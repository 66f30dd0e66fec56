import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The patient store keeps each event as JSON (1.4 to 3.3 KB); documents, lab results and
 * medication lists are over PostgreSQL's 2 KB threshold and were compressed with pglz, the slow
 * default, on every upsert. lz4 compresses several times faster for a similar size. Rows written
 * before keep pglz (both read fine). Skipped where the server was built without lz4.
 */
export class PatientStoreLz41764480000000 implements MigrationInterface {
  name = 'PatientStoreLz41764480000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(patientStoreCompression('patient_item_v1', 'lz4'));
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE patient_item_v1 ALTER COLUMN content SET COMPRESSION pglz');
  }
}

/** Sets the compression of a patient store's content column, where the server has that method. */
export function patientStoreCompression(table: string, method: 'lz4' | 'pglz'): string {
  return columnCompression(table, ['content'], method);
}

/** Sets the compression of columns of a table, where the server has that method (built with it). */
export function columnCompression(table: string, columns: readonly string[], method: 'lz4' | 'pglz'): string {
  const alter = columns.map((column) => `ALTER COLUMN ${column} SET COMPRESSION ${method}`).join(', ');
  return whereServerCompresses(method, `ALTER TABLE ${table} ${alter}`);
}

/** Runs a statement only where the server was built with a compression method (lz4 is optional). */
export function whereServerCompresses(method: 'lz4' | 'pglz', statement: string): string {
  return `DO $$ BEGIN
      IF EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND '${method}' = ANY (enumvals)) THEN
        EXECUTE '${statement}';
      END IF;
    END $$`;
}
