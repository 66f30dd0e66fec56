import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The patient store keeps each event as it was published (Confluent-framed Avro, bytea) instead of
 * JSON text. Rendering JSON for every event, sending it to PostgreSQL and having PostgreSQL check
 * it was the projector's largest cost per event, for content that is read a few items at a time
 * (see libs/recipient-model/src/stored-event.ts, which reads both forms). Rows already stored keep
 * their JSON, as UTF-8 bytes, and are replaced as their items change or by a rebuild.
 * Every version's patient store is converted (a rebuild may have created more than v1).
 */
export class PatientStoreAvro1764490000000 implements MigrationInterface {
  name = 'PatientStoreAvro1764490000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(forEachPatientStore(`ALTER TABLE %I ALTER COLUMN content TYPE bytea USING convert_to(content::text, 'UTF8')`));
  }

  async down(db: QueryRunner): Promise<void> {
    // Avro rows (first byte 0) have no JSON form in SQL: the conversion fails on the first one
    // rather than losing it, and going back needs a rebuild by the previous release.
    await db.query(forEachPatientStore(`ALTER TABLE %I ALTER COLUMN content TYPE json USING convert_from(content, 'UTF8')::json`));
  }
}

function forEachPatientStore(statement: string): string {
  return `DO $$ DECLARE t text; BEGIN
      FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename ~ '^patient_item_v[0-9]+$' LOOP
        EXECUTE format('${statement.replace(/'/g, "''")}', t);
      END LOOP;
    END $$`;
}
