import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadConfig, registryEnv } from '@backbone/config';
import { AvroRecordSchema, AvroSerde } from '@backbone/serde';

const run = promisify(execFile);
const STACK = join(__dirname, '..', 'scripts', 'stack.sh');

describe('the native stack (scripts/stack.sh)', () => {
  const { SCHEMA_REGISTRY_URL } = loadConfig(registryEnv);

  it('keeps schema ids across down and up: the registry stores them in PostgreSQL', async () => {
    const schema: AvroRecordSchema = {
      type: 'record',
      name: `RestartProbe${Date.now()}`,
      namespace: 'no.oslo.backbone.test',
      fields: [{ name: 'value', type: 'string', doc: 'anything' }],
    };
    const id = await new AvroSerde(SCHEMA_REGISTRY_URL).register(schema);

    await run('bash', [STACK, 'down']);
    await expect(run('bash', [STACK, 'status'])).rejects.toMatchObject({ code: 1 });
    await run('bash', [STACK, 'up']);

    // A fresh client, so nothing comes from a cache: the id must resolve to the same schema.
    const afterRestart = new AvroSerde(SCHEMA_REGISTRY_URL);
    const resolved = await afterRestart.registry.getSchema(id);
    expect(JSON.stringify(resolved)).toContain(schema.name);
    const encoded = await afterRestart.encode(id, { value: 'still here' });
    expect(await afterRestart.decode(encoded)).toEqual({ value: 'still here' });
  }, 240_000);

  it('is idempotent: up on a running stack changes nothing and succeeds', async () => {
    const { stdout } = await run('bash', [STACK, 'up']);
    expect(stdout).toMatch(/kafka: already running/);
    expect(stdout).toMatch(/registry: already running/);
  }, 60_000);

  it('fails in one line naming the port and its variable when a port is taken', async () => {
    const stackDir = mkdtempSync(join(tmpdir(), 'stack-'));
    try {
      // PostgreSQL's port is certainly in use; a fresh STACK_DIR means nothing of ours runs there.
      const attempt = run('bash', [STACK, 'up'], { env: { ...process.env, STACK_DIR: stackDir, KAFKA_PORT: '5432' } });
      await expect(attempt).rejects.toMatchObject({
        code: 1,
        stderr: expect.stringMatching(/ERROR: port 5432 \(needed by Kafka \(KAFKA_PORT\)\) is already in use/),
      });
    } finally {
      rmSync(stackDir, { recursive: true, force: true });
    }
  });

  it('reports each service in status', async () => {
    const { stdout } = await run('bash', [STACK, 'status']);
    expect(stdout).toMatch(/kafka +up/);
    expect(stdout).toMatch(/registry +up/);
    expect(stdout).toMatch(/postgres +up/);
  });
});
