import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEV_ISSUER, DevIssuer } from './dev-issuer';
import { jwksFromConfig } from './keys';
import { verifyAccessToken } from './verify-token';

describe('jwksFromConfig', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'jwks-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('needs exactly one of AUTH_JWKS_URL and AUTH_JWKS_PATH, naming both', () => {
    expect(() => jwksFromConfig({})).toThrow(/AUTH_JWKS_URL.*AUTH_JWKS_PATH.*neither/);
    expect(() => jwksFromConfig({ AUTH_JWKS_URL: 'https://helseid-sts.nhn.no/.well-known/openid-configuration/jwks', AUTH_JWKS_PATH: '/x' })).toThrow(
      /AUTH_JWKS_URL.*AUTH_JWKS_PATH.*both/,
    );
    expect(() => jwksFromConfig({ AUTH_JWKS_URL: ' ', AUTH_JWKS_PATH: '' })).toThrow(/neither/);
  });

  it('builds a remote JWKS without fetching anything yet', () => {
    expect(typeof jwksFromConfig({ AUTH_JWKS_URL: 'https://helseid-sts.nhn.no/.well-known/openid-configuration/jwks' })).toBe('function');
    expect(typeof jwksFromConfig({ AUTH_JWKS_URL: 'http://127.0.0.1:8443/jwks' })).toBe('function');
  });

  it('refuses plain http off loopback, and non-URLs', () => {
    expect(() => jwksFromConfig({ AUTH_JWKS_URL: 'http://helseid.example/jwks' })).toThrow(/https/);
    expect(() => jwksFromConfig({ AUTH_JWKS_URL: 'helseid' })).toThrow(/not a URL/);
  });

  it('refuses a JWKS file holding private key material', async () => {
    const issuer = await DevIssuer.create();
    const path = join(dir, 'jwks.json');
    writeFileSync(path, JSON.stringify({ keys: [{ ...issuer.publicJwk, d: 'secret' }] }));
    expect(() => jwksFromConfig({ AUTH_JWKS_PATH: path })).toThrow(/public keys only/);
    writeFileSync(path, JSON.stringify({ keys: [] }));
    expect(() => jwksFromConfig({ AUTH_JWKS_PATH: path })).toThrow(/non-empty "keys"/);
    writeFileSync(path, '{');
    expect(() => jwksFromConfig({ AUTH_JWKS_PATH: path })).toThrow(/AUTH_JWKS_PATH/);
  });

  it('reads a file that appears after start-up, and re-reads it when it changes', async () => {
    const path = join(dir, 'jwks.json');
    const keys = jwksFromConfig({ AUTH_JWKS_PATH: path });
    const options = { keys, issuer: DEV_ISSUER, audience: 'api' };
    const first = await DevIssuer.create();
    const claims = { subject: 's', clientId: 'c', audience: 'api' };

    // No file yet: an outage of the key source, so verification throws rather than blaming the token.
    await expect(verifyAccessToken(await first.sign(claims), options)).rejects.toThrow(/does not exist/);

    writeFileSync(path, JSON.stringify(first.jwks));
    expect(await verifyAccessToken(await first.sign(claims), options)).toMatchObject({ ok: true });

    const second = await DevIssuer.create();
    writeFileSync(path, JSON.stringify(second.jwks, null, 2)); // different size, so seen as changed
    expect(await verifyAccessToken(await second.sign(claims), options)).toMatchObject({ ok: true });
    expect(await verifyAccessToken(await first.sign(claims), options)).toMatchObject({ ok: false, reason: 'UNKNOWN_KEY' });
  });
});
