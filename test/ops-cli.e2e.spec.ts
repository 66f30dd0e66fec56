import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { AuditTrail, auditOperatorEnv, auditOperatorOf } from '@backbone/audit';
import { exampleHealthWorkerClaims, principalFromClaims } from '@backbone/auth';
import { loadConfig, stackEnv } from '@backbone/config';
import { EventCodec, SchemaSet } from '@backbone/contracts';
import { AvroSerde } from '@backbone/serde';

const run = promisify(execFile);
const ROOT = join(__dirname, '..');
// Built by scripts/test.sh (nest build ops-cli) before the tests run: this is the shipped CLI.
const CLI = join(ROOT, 'dist', 'apps', 'ops-cli', 'main.js');
const opsCli = (...args: string[]) => run('node', [CLI, ...args], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'error' } });

describe('ops-cli against the real stack', () => {
  it('provisions topics, then finds nothing to change', async () => {
    await opsCli('topics', 'provision');
    const { stdout } = await opsCli('topics', 'provision');
    expect(stdout).toMatch(/unchanged +backbone\.clinical\.documents\.v1/);
    expect(stdout).not.toMatch(/^created/m);
  });

  it('registers every schema and then reports them unchanged', async () => {
    const registered = await opsCli('schemas', 'register');
    expect(registered.stdout).toMatch(/id +\d+ +v\d+ +no\.oslo\.backbone\.governance\.DataBlocked/);
    const { stdout } = await opsCli('schemas', 'check');
    expect(stdout).not.toMatch(/^(incompatible|compatible|new)/m);
  });

  it('exits 1 and explains an incompatible schema change', async () => {
    const copy = mkdtempSync(join(tmpdir(), 'schemas-'));
    try {
      cpSync(join(ROOT, 'schemas'), copy, { recursive: true });
      const file = join(copy, 'governance', 'DataUnblocked.avsc');
      const schema = JSON.parse(readFileSync(file, 'utf8'));
      schema.fields.find((f: { name: string }) => f.name === 'unblockedAt').type = 'string';
      writeFileSync(file, JSON.stringify(schema));
      const attempt = opsCli('schemas', 'check', 'DataUnblocked', '--schemas', copy);
      await expect(attempt).rejects.toMatchObject({
        code: 1,
        stdout: expect.stringMatching(/incompatible +no\.oslo\.backbone\.governance\.DataUnblocked[\s\S]*cannot read data written/),
        stderr: expect.stringMatching(/1 incompatible schema change/),
      });
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it.each([
    [['access', 'explain', '--hpr', '9144897', '--org', '958935420', '--category', 'DHO'], /name the patient with --patient-key or --patient/],
    [['access', 'explain', '--patient-key', 'k', '--category', 'DHO'], /name the health worker with --hpr and --org/],
    [['access', 'explain', '--patient-key', 'k', '--hpr', '1', '--org', '2', '--category', 'DHO', '--at', 'yesterday'], /--at: not an ISO-8601 time: yesterday/],
    [['access', 'explain', '--patient-key', 'k', '--hpr', '1', '--org', '2', '--category', 'X-RAYS'], /--category.*X-RAYS.*is invalid/],
    [['access', 'dead-letters', '--limit', 'ten'], /--limit: a whole number of at least 1, not ten/],
    [['projections', 'switch', 'patient-model', '2'], /<name>: not a versioned read model: patient-model \(known: recipient-model\)/],
    [['projections', 'switch', 'recipient-model', 'two'], /<version>: a whole number of at least 1, not two/],
    [['projections', 'switch', 'recipient-model', '2', '--max-lag', '-1'], /--max-lag: a whole number of at least 0, not -1/],
    [['projections', 'switch', 'recipient-model', '999999', '--max-lag', '100000000'], /recipient-model\.v999999 has never been built/],
    [['projections', 'drop', 'recipient-model', '1'], /recipient-model\.v1 is live; only a retired version can be dropped/],
    [['audit', 'review', '--since', 'last week'], /--since: not an ISO-8601 time: last week/],
    [['audit', 'review', '--limit', '0'], /--limit: a whole number of at least 1, not 0/],
  ])('refuses bad input to %j with exit 1 and the option named', async (args, message) => {
    const failure = await opsCli(...args).then(() => undefined, (error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 1 });
    expect(failure!.stderr).toMatch(message);
  });

  it('shows the versions of the read models, the live one with how far it is behind', async () => {
    const { stdout } = await opsCli('projections', 'status');
    expect(stdout).toMatch(/^recipient-model\.v1 live since \S+, \d+ records behind$/m);
  });

  it('lists an emergency access for review, with the patient by pseudonym only', async () => {
    const since = new Date(Date.now() - 1_000);
    const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 2 });
    try {
      const claims = exampleHealthWorkerClaims(new Date());
      const parsed = principalFromClaims({ sub: 's', client_id: 'ous-epj', ...claims });
      if (!parsed.ok) throw new Error('the example claims no longer parse');
      const audit = new AuditTrail(pool, new EventCodec(SchemaSet.load(), new AvroSerde(loadConfig(stackEnv).SCHEMA_REGISTRY_URL)), auditOperatorOf(loadConfig(auditOperatorEnv), 'ops-cli-e2e'));
      const patientKey = `pk-${randomUUID()}`;
      await audit.record([
        {
          principal: parsed.principal,
          patient: { system: 'FNR', value: '15868512218' },
          patientKey,
          action: 'READ',
          api: 'POST /patients/summary',
          categories: ['MEDICATION'],
          itemIds: ['medication-list'],
          verdict: { outcome: 'PERMIT', reasonCode: 'PERMIT_EMERGENCY_ACCESS', emergency: true, sperringOverride: false },
          accessedAt: new Date(),
        },
      ]);
      const { stdout } = await opsCli('audit', 'review', '--since', since.toISOString());
      expect(stdout).toMatch(new RegExp(`EMERGENCY Lege Legesen \\(HPR 9144900\\) at 993467049/dept 4001031 TREAT PERMIT_EMERGENCY_ACCESS patient ${patientKey} items 1`));
      expect(stdout).not.toContain('15868512218');
    } finally {
      await pool.end();
    }
  });

  it('sends a canary through the pipeline', async () => {
    const { stdout } = await opsCli('canary');
    expect(stdout).toMatch(/read it back from backbone\.ops\.canary\.v1\[0\]@\d+, stored in ops_canary/);
  });
});
