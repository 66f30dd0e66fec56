import type { Pool } from 'pg';
import { DataSource, DataSourceOptions, EntitySchema, MixedList } from 'typeorm';
import { BACKBONE_MIGRATIONS } from './migrations';

export interface DatabaseConfig {
  DATABASE_URL: string;
  DATABASE_POOL_SIZE: number;
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
type Entities = MixedList<Function | string | EntitySchema>;

/** PostgreSQL settings for every connection of one app's pool, sent when the connection starts. */
export interface SessionSettings {
  /**
   * `force_generic_plan` for an app whose named statements have one good plan whatever their
   * parameters: PostgreSQL then plans each once per connection instead of on every execution.
   */
  plan_cache_mode?: 'auto' | 'force_generic_plan' | 'force_custom_plan';
}

/**
 * Options for the backbone's one PostgreSQL database. The schema is owned by the migrations in
 * this lib, never by `synchronize`, so every change is reviewed and replayable.
 */
export function dataSourceOptions(config: DatabaseConfig, entities: Entities = [], session: SessionSettings = {}): DataSourceOptions {
  const options = Object.entries(session).map(([name, value]) => `-c ${name}=${value}`);
  return {
    type: 'postgres',
    url: config.DATABASE_URL,
    entities,
    migrations: BACKBONE_MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    synchronize: false,
    migrationsRun: false,
    extra: { max: config.DATABASE_POOL_SIZE, ...(options.length > 0 ? { options: options.join(' ') } : {}) },
  };
}

export function createDataSource(config: DatabaseConfig, entities: Entities = []): DataSource {
  return new DataSource(dataSourceOptions(config, entities));
}

// Any fixed 64-bit number; it only has to be the same in every process that migrates.
const MIGRATION_LOCK_KEY = 4_242_001;

/**
 * Runs pending migrations under a PostgreSQL advisory lock, so several apps starting at once
 * migrate one after the other instead of racing on the same DDL.
 */
export async function migrate(dataSource: DataSource): Promise<string[]> {
  const lockHolder = dataSource.createQueryRunner();
  await lockHolder.connect();
  try {
    await lockHolder.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const applied = await dataSource.runMigrations({ transaction: 'all' });
    return applied.map((migration) => migration.name);
  } finally {
    await lockHolder.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await lockHolder.release();
  }
}

/**
 * The pg pool under a TypeORM data source, for hot paths that need raw, batched SQL (one round
 * trip per batch) without a second pool to the same database.
 */
export function pgPoolOf(dataSource: DataSource): Pool {
  return (dataSource.driver as unknown as { master: Pool }).master;
}
