import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { loadConfig, stackEnv } from '@backbone/config';
import { dataSourceOptions, migrate, pgPoolOf } from './data-source';

describe('the backbone data source against PostgreSQL', () => {
  const config = loadConfig(stackEnv);
  const generic = new DataSource(dataSourceOptions(config, [], { plan_cache_mode: 'force_generic_plan' }));
  const plain = new DataSource(dataSourceOptions(config));

  beforeAll(async () => {
    await Promise.all([generic.initialize(), plain.initialize()]);
    await migrate(plain);
  });

  afterAll(async () => {
    await Promise.all([generic.destroy(), plain.destroy()]);
  });

  it("sets an app's session settings on every connection of its pool, and only on its pool", async () => {
    const pool = pgPoolOf(generic);
    const settings = await Promise.all([pool.query('SHOW plan_cache_mode'), pool.query('SHOW plan_cache_mode'), pool.query('SHOW plan_cache_mode')]);
    expect(settings.map((s) => s.rows[0].plan_cache_mode)).toEqual(['force_generic_plan', 'force_generic_plan', 'force_generic_plan']);
    expect((await pgPoolOf(plain).query('SHOW plan_cache_mode')).rows[0].plan_cache_mode).toBe('auto');
  });

  it('gives ingest_accept its own plan_cache_mode, so its plans do not depend on the number of events', async () => {
    const { rows } = await pgPoolOf(plain).query<{ config: string[] | null }>("SELECT proconfig AS config FROM pg_proc WHERE proname = 'ingest_accept'");
    expect(rows.map((r) => r.config)).toEqual([['plan_cache_mode=force_generic_plan']]);
  });

  it("keeps an access log entry of a 50-item summary in its row: no TOAST chunks to write", async () => {
    const client = await pgPoolOf(plain).connect();
    try {
      await client.query('BEGIN');
      const { rows: toast } = await client.query<{ name: string }>("SELECT reltoastrelid::regclass::text AS name FROM pg_class WHERE oid = 'access_log'::regclass");
      const chunks = async () => Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${toast[0].name}`)).rows[0].n);
      const before = await chunks();
      const entry = { itemIds: Array.from({ length: 50 }, () => `DocumentPublished:${randomUUID()}`), purposeOfUse: { code: 'TREAT' } };
      expect(JSON.stringify(entry).length).toBeGreaterThan(2_048); // over the default TOAST threshold
      await client.query(
        `INSERT INTO access_log (access_id, patient_key, accessed_at, actor_kind, outcome, reason_code, emergency, sperring_override, entry)
         VALUES ($1, 'probe', now(), 'HEALTH_WORKER', 'PERMIT', 'PERMIT_TEST', false, false, $2)`,
        [randomUUID(), JSON.stringify(entry)],
      );
      expect(await chunks()).toBe(before);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });
});
