import { Client } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
async function main() {
  const c = new Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/backbone_test' });
  await c.connect();
  await c.query('DROP TABLE IF EXISTS tmp_ob; CREATE TABLE tmp_ob (id bigserial primary key, v bytea)');
  await c.query(`INSERT INTO tmp_ob (v) SELECT decode(string_agg(md5(random()::text), ''), 'hex') FROM generate_series(1,5) g, generate_series(1,1000*32) s GROUP BY g`);
  // 5 rows of 512 KB = 2.5 MB, as the outbox holds (one row per 1000-event request)
  const run = async (label: string, f: () => Promise<number>) => {
    for (let r = 0; r < 4; r++) {
      const u = process.cpuUsage(); const t = performance.now(); let n = 0;
      for (let i = 0; i < 10; i++) n += await f();
      const cu = process.cpuUsage(u);
      console.log(label, 'wall ms', ((performance.now() - t) / 10).toFixed(1), 'cpu ms', ((cu.user + cu.system) / 10000).toFixed(1), n / 10);
    }
  };
  await run('hex', async () => { const { rows } = await c.query('SELECT id, v FROM tmp_ob ORDER BY id'); return rows.reduce((s, r) => s + r.v.length, 0); });
  await run('b64', async () => { const { rows } = await c.query("SELECT id, encode(v,'base64') AS v FROM tmp_ob ORDER BY id"); return rows.reduce((s, r) => s + Buffer.from(r.v, 'base64').length, 0); });
  await run('b64-nonl', async () => { const { rows } = await c.query("SELECT id, translate(encode(v,'base64'), E'\\n', '') AS v FROM tmp_ob ORDER BY id"); return rows.reduce((s, r) => s + Buffer.from(r.v, 'base64').length, 0); });
  await run('copy-bin', async () => {
    const chunks: Buffer[] = [];
    const stream = c.query(copyTo('COPY (SELECT id, v FROM tmp_ob ORDER BY id) TO STDOUT (FORMAT binary)'));
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    const all = Buffer.concat(chunks);
    let off = 19, total = 0;
    for (;;) { const nf = all.readInt16BE(off); off += 2; if (nf === -1) break; for (let f = 0; f < nf; f++) { const len = all.readInt32BE(off); off += 4; if (f === 1) total += all.subarray(off, off + len).length; off += Math.max(len, 0); } }
    return total;
  });
  await c.query('DROP TABLE tmp_ob');
  await c.end();
}
main();
