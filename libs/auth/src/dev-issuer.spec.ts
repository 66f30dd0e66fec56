import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { DEV_ISSUER, DEV_JWKS_FILE, DEV_PRIVATE_KEY_FILE, DevIssuer, publicPart } from './dev-issuer';
import { jwksFromConfig } from './keys';
import { verifyAccessToken } from './verify-token';

describe('DevIssuer', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dev-issuer-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates a key pair on first use: private JWK 0600, public JWKS beside it', async () => {
    const issuer = await DevIssuer.loadOrCreate(join(dir, 'secrets'));
    const privatePath = join(dir, 'secrets', DEV_PRIVATE_KEY_FILE);
    expect(statSync(privatePath).mode & 0o777).toBe(0o600);
    const privateJwk = JSON.parse(readFileSync(privatePath, 'utf8'));
    expect(privateJwk).toMatchObject({ kty: 'RSA', alg: 'RS256', kid: issuer.kid, use: 'sig', d: expect.any(String) });

    const jwks = JSON.parse(readFileSync(join(dir, 'secrets', DEV_JWKS_FILE), 'utf8'));
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toEqual(issuer.publicJwk);
    for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(jwks.keys[0]).not.toHaveProperty(member);
  });

  it('loads the same key on the next run', async () => {
    const first = await DevIssuer.loadOrCreate(dir);
    const second = await DevIssuer.loadOrCreate(dir, 'ES256');
    expect(second.kid).toBe(first.kid);
    expect(second.alg).toBe('RS256'); // an existing key keeps its algorithm
  });

  it('restores a loose file mode and a deleted jwks.json', async () => {
    const issuer = await DevIssuer.loadOrCreate(dir);
    const privatePath = join(dir, DEV_PRIVATE_KEY_FILE);
    require('node:fs').chmodSync(privatePath, 0o644);
    rmSync(join(dir, DEV_JWKS_FILE));
    await DevIssuer.loadOrCreate(dir);
    expect(statSync(privatePath).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(join(dir, DEV_JWKS_FILE), 'utf8')).keys[0].kid).toBe(issuer.kid);
  });

  it('refuses a private key file that is not one of its own', async () => {
    writeFileSync(join(dir, DEV_PRIVATE_KEY_FILE), JSON.stringify({ kty: 'oct', k: 'c2VjcmV0' }));
    await expect(DevIssuer.loadOrCreate(dir)).rejects.toThrow(/not a dev issuer private key/);
  });

  it('signs tokens that verify against the jwks.json it wrote', async () => {
    const issuer = await DevIssuer.loadOrCreate(dir, 'ES256');
    const token = await issuer.sign({ subject: 'ehr-ous', clientId: 'ehr-ous', audience: 'backbone-ingest', scope: ['a', 'b'] });
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'ES256', kid: issuer.kid, typ: 'at+jwt' });
    const payload = decodeJwt(token);
    expect(payload).toMatchObject({ iss: DEV_ISSUER, sub: 'ehr-ous', aud: 'backbone-ingest', client_id: 'ehr-ous', scope: ['a', 'b'] });
    expect(payload.exp! - payload.iat!).toBe(3600);

    const keys = jwksFromConfig({ AUTH_JWKS_PATH: join(dir, DEV_JWKS_FILE) });
    expect(await verifyAccessToken(token, { keys, issuer: DEV_ISSUER, audience: 'backbone-ingest' })).toMatchObject({ ok: true });
  });

  it('sets nbf, extra claims and lifetime; registered claims cannot be overridden by extras', async () => {
    const issuer = await DevIssuer.create();
    const issuedAt = new Date('2026-03-01T10:00:00Z');
    const token = await issuer.sign({
      subject: 's',
      clientId: 'c',
      audience: 'a',
      issuedAt,
      notBefore: 60,
      expiresInSeconds: 120,
      extraClaims: { iss: 'evil', custom: 1 },
    });
    expect(decodeJwt(token)).toMatchObject({ iss: DEV_ISSUER, iat: 1772359200, nbf: 1772359260, exp: 1772359320, custom: 1 });
  });

  it('publicPart drops every private member', () => {
    expect(publicPart({ kty: 'RSA', n: 'n', e: 'e', d: 'd', p: 'p', q: 'q', dp: 'x', dq: 'y', qi: 'z', kid: 'k' })).toEqual({
      kty: 'RSA',
      n: 'n',
      e: 'e',
      kid: 'k',
    });
  });
});
