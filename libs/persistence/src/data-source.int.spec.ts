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

  it("stores a batch's outbox row compressed with lz4: a batch's records repeat one another", async () => {
    const client = await pgPoolOf(plain).connect();
    try {
      await client.query('BEGIN');
      // 1,000 records of ~1 KB that share their layout and most of their text, as a batch's do.
      const record = (n: number) => Buffer.from(`${randomUUID()}|DocumentPublished|Oslo universitetssykehus HF|urn:oid:2.16.578.1.12.4.1.1.9602|${n}|`.repeat(8));
      const values = Array.from({ length: 1_000 }, (_, n) => record(n));
      const ids = values.map(() => randomUUID());
      await client.query(
        `INSERT INTO outbox (event_ids, event_types, topics, message_keys, message_values, value_lengths, last_event_seq, event_count)
         VALUES ($1::uuid[], $2::text[], $3::text[], $4::text[], $5, $6::int[], 0, 1000)`,
        [ids, ids.map(() => 'DocumentPublished'), ids.map(() => 'clinical.documents.v1'), ids.map((id) => id.slice(0, 22)), Buffer.concat(values), values.map((v) => v.length)],
      );
      const { rows } = await client.query<{ method: string; stored: number; length: number; types_method: string }>(
        `SELECT pg_column_compression(message_values) AS method, pg_column_size(message_values) AS stored, length(message_values) AS length,
                pg_column_compression(event_types) AS types_method
           FROM outbox WHERE event_ids[1] = $1::uuid`,
        [ids[0]],
      );
      // A server built without lz4 keeps the values as they were (uncompressed): the migration skips it.
      const { rows: methods } = await client.query<{ lz4: boolean }>("SELECT 'lz4' = ANY(enumvals) AS lz4 FROM pg_settings WHERE name = 'default_toast_compression'");
      if (!methods[0].lz4) {
        expect(rows[0].method).toBeNull();
        return;
      }
      expect(rows).toEqual([{ method: 'lz4', stored: expect.any(Number), length: Buffer.concat(values).length, types_method: 'lz4' }]);
      expect(rows[0].stored).toBeLessThan(rows[0].length / 4);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });
});
