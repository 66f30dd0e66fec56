import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { loadConfig, stackEnv } from '@backbone/config';
import { BinaryCopyWriter, readBinaryCopy, writeBinaryCopy } from './binary-copy';

// PostgreSQL itself reads what the writer builds: every field type the writer offers, with the
// values the text format would have had to escape, read back as the server stored them.
describe('binary COPY against PostgreSQL', () => {
  const client = new Client({ connectionString: loadConfig(stackEnv).DATABASE_URL });

  beforeAll(async () => {
    await client.connect();
    await client.query('CREATE TEMP TABLE copy_probe (t text, j jsonb, b bytea, i int, l bigint, u uuid, n text)');
  });

  afterAll(async () => {
    await client.end();
  });

  it('stores each field exactly as given, in the column types the writer was told', async () => {
    const bytes = Buffer.from([0x00, 0x5c, 0x78, 0x09, 0x0a, 0xff]); // NUL, "\x", tab, newline
    const id = randomUUID();
    const writer = new BinaryCopyWriter(16); // small at first: the rows must grow it
    writer.row(7).text('tab\there, newline\nthere, backslash \\N, æøå').jsonb('{"a":[1,"\\t"],"b":null}').bytea(bytes).int32(-7).int64('9007199254740993').uuid(id).null();
    writer.row(7).text('').jsonb('{}').bytea(Buffer.alloc(0)).int32(2_147_483_647).int64(0).uuid(id.toUpperCase()).text('x');
    await writeBinaryCopy(client, 'copy_probe', writer.finish());

    const { rows } = await client.query<{ t: string; j: unknown; b: Buffer; i: number; l: string; u: string; n: string | null }>('SELECT * FROM copy_probe ORDER BY i');
    expect(rows).toEqual([
      { t: 'tab\there, newline\nthere, backslash \\N, æøå', j: { a: [1, '\t'], b: null }, b: bytes, i: -7, l: '9007199254740993', u: id, n: null },
      { t: '', j: {}, b: Buffer.alloc(0), i: 2_147_483_647, l: '0', u: id, n: 'x' },
    ]);
    // And the reader gives back what the writer wrote.
    const read = await readBinaryCopy(client, 'SELECT b FROM copy_probe ORDER BY i');
    expect(read.map(([b]) => b)).toEqual([bytes, Buffer.alloc(0)]);
  });

  it('fails the COPY, naming the row and column, when a field has the wrong type', async () => {
    const writer = new BinaryCopyWriter();
    writer.row(7).text('t').jsonb('{}').bytea(Buffer.alloc(1)).int64(1).int64(1).uuid(randomUUID()).null();
    await expect(writeBinaryCopy(client, 'copy_probe', writer.finish())).rejects.toMatchObject({ message: 'incorrect binary data format', where: expect.stringContaining('line 1, column i') });
  });
});
