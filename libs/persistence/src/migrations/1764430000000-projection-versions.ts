import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Which versions of each read model exist and which one readers use (see projection-versions.ts in
 * libs/projection). The recipient model's version 1, created by an earlier migration, is live.
 * Later versions' tables are created by their projector from the recipient model's own DDL.
 */
export class ProjectionVersions1764430000000 implements MigrationInterface {
  name = 'ProjectionVersions1764430000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE projection_version (
        name       text        NOT NULL,
        version    int         NOT NULL CHECK (version >= 1),
        state      text        NOT NULL CHECK (state IN ('building', 'live', 'retired')),
        created_at timestamptz NOT NULL DEFAULT now(),
        live_since timestamptz,
        retired_at timestamptz,
        PRIMARY KEY (name, version)
      )`);
    await db.query(`CREATE UNIQUE INDEX projection_version_one_live ON projection_version (name) WHERE state = 'live'`);
    await db.query(`INSERT INTO projection_version (name, version, state, live_since) VALUES ('recipient-model', 1, 'live', now())`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE projection_version');
  }
}
