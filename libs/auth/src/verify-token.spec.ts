import { base64url, createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type JWTVerifyGetKey } from 'jose';
import { DEV_ISSUER, DevIssuer, hmacConfusionToken, unsignedToken, type DevSignOptions } from './dev-issuer';
import { AUTH_FAILURES, bearerToken, verifyAccessToken, type AuthFailure } from './verify-token';

const AUDIENCE = 'backbone-ingest';
const claims: DevSignOptions = { subject: 'ehr-ous', clientId: 'ehr-ous', audience: AUDIENCE, scope: 'backbone:ingest' };
const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('verifyAccessToken', () => {
  let issuer: DevIssuer;
  let keys: JWTVerifyGetKey;
  const verify = (token: string | undefined, overrides: Partial<Parameters<typeof verifyAccessToken>[1]> = {}) =>
    verifyAccessToken(token, { keys, issuer: DEV_ISSUER, audience: AUDIENCE, ...overrides });
  const expectFailure = async (token: string | undefined, reason: AuthFailure) => {
    const result = await verify(token);
    expect(result).toMatchObject({ ok: false, reason });
    return result;
  };
  /** Every reason a test below produced, to prove none is left unexercised. */
  const seen = new Set<AuthFailure>();
  const expectReason = async (token: string | undefined, reason: AuthFailure) => {
    await expectFailure(token, reason);
    seen.add(reason);
  };

  beforeAll(async () => {
    issuer = await DevIssuer.create('RS256');
    keys = issuer.keySet();
  });

  it('accepts a good token and returns its claims and header', async () => {
    const result = await verify(await issuer.sign(claims));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.claims).toMatchObject({ iss: DEV_ISSUER, aud: AUDIENCE, sub: 'ehr-ous', client_id: 'ehr-ous', scope: 'backbone:ingest' });
    expect(result.header).toMatchObject({ alg: 'RS256', kid: issuer.kid });
  });

  it('accepts ES256 tokens from an EC dev issuer', async () => {
    const ec = await DevIssuer.create('ES256');
    const result = await verifyAccessToken(await ec.sign(claims), { keys: ec.keySet(), issuer: DEV_ISSUER, audience: AUDIENCE });
    expect(result.ok).toBe(true);
  });

  it('MISSING_TOKEN: no header, empty token', async () => {
    await expectReason(undefined, 'MISSING_TOKEN');
    await expectReason(bearerToken(undefined), 'MISSING_TOKEN');
    await expectReason('  ', 'MISSING_TOKEN');
  });

  it('MALFORMED_TOKEN: garbage, a JWE shape, a header without alg', async () => {
    await expectReason('not-a-token', 'MALFORMED_TOKEN');
    await expectReason('a.b.c', 'MALFORMED_TOKEN');
    await expectReason('a.b.c.d.e', 'MALFORMED_TOKEN');
    const good = await issuer.sign(claims);
    const [header, , signature] = good.split('.');
    // A swapped payload is caught by the signature before anyone parses it.
    await expectReason(`${header}.${base64url.encode('not json')}.${signature}`, 'BAD_SIGNATURE');
    await expectReason(`${base64url.encode('{"typ":"JWT"}')}.${good.split('.')[1]}.${signature}`, 'MALFORMED_TOKEN');
  });

  it('MALFORMED_TOKEN: a validly signed token without exp', async () => {
    // The dev issuer always sets exp, so sign this one with jose directly.
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'no-exp', alg: 'RS256' };
    const token = await new SignJWT({ client_id: 'x' })
      .setProtectedHeader({ alg: 'RS256', kid: 'no-exp' })
      .setIssuer(DEV_ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .sign(privateKey);
    const result = await verifyAccessToken(token, { keys: createLocalJWKSet({ keys: [jwk] }), issuer: DEV_ISSUER, audience: AUDIENCE });
    expect(result).toEqual({ ok: false, reason: 'MALFORMED_TOKEN', detail: 'the exp claim is required' });
  });

  it('UNSIGNED_TOKEN: alg none', async () => {
    const token = unsignedToken({ iss: DEV_ISSUER, aud: AUDIENCE, sub: 'x', client_id: 'x', exp: nowSeconds() + 600 });
    expect(token.endsWith('.')).toBe(true);
    await expectReason(token, 'UNSIGNED_TOKEN');
  });

  it('UNSIGNED_TOKEN: a signed header with the signature stripped', async () => {
    const [header, payload] = (await issuer.sign(claims)).split('.');
    await expectReason(`${header}.${payload}.`, 'UNSIGNED_TOKEN');
  });

  it('ALGORITHM_NOT_ALLOWED: HS256 signed with the public key as the HMAC secret', async () => {
    const token = await hmacConfusionToken({ iss: DEV_ISSUER, aud: AUDIENCE, sub: 'x', client_id: 'x', exp: nowSeconds() + 600 }, issuer.publicJwk);
    await expectReason(token, 'ALGORITHM_NOT_ALLOWED');
  });

  it('ALGORITHM_NOT_ALLOWED: an asymmetric algorithm outside the configured list', async () => {
    const result = await verify(await issuer.sign(claims), { algorithms: ['ES256'] });
    expect(result).toMatchObject({ ok: false, reason: 'ALGORITHM_NOT_ALLOWED' });
  });

  it('refuses to be configured with symmetric algorithms or none', async () => {
    await expect(verify(await issuer.sign(claims), { algorithms: ['RS256', 'HS256'] })).rejects.toThrow(/HS256/);
    await expect(verify(await issuer.sign(claims), { algorithms: ['none'] })).rejects.toThrow(/none/);
  });

  it('UNKNOWN_KEY: signed with a key the JWKS does not hold', async () => {
    await expectReason(await issuer.signWithOtherKey(claims), 'UNKNOWN_KEY');
  });

  it('BAD_SIGNATURE: another key claiming our kid, and a tampered payload', async () => {
    await expectReason(await issuer.signWithOtherKey(claims, { reuseKid: true }), 'BAD_SIGNATURE');
    const [header, payload, signature] = (await issuer.sign(claims)).split('.');
    const tampered = { ...JSON.parse(new TextDecoder().decode(base64url.decode(payload))), scope: 'backbone:admin' };
    await expectReason(`${header}.${base64url.encode(JSON.stringify(tampered))}.${signature}`, 'BAD_SIGNATURE');
  });

  it('EXPIRED: exp in the past', async () => {
    const result = await expectFailure(await issuer.signExpired(claims), 'EXPIRED');
    seen.add('EXPIRED');
    expect(result).toMatchObject({ detail: expect.stringContaining('exp') });
  });

  it('EXPIRED respects the clock tolerance and the injected clock', async () => {
    const token = await issuer.sign({ ...claims, expiresInSeconds: 60 });
    const later = () => new Date(Date.now() + 90_000);
    expect(await verify(token, { now: later })).toMatchObject({ ok: false, reason: 'EXPIRED' });
    expect(await verify(token, { now: later, clockToleranceSeconds: 60 })).toMatchObject({ ok: true });
  });

  it('NOT_YET_VALID: nbf in the future', async () => {
    await expectReason(await issuer.sign({ ...claims, notBefore: 600 }), 'NOT_YET_VALID');
    await expectReason(await issuer.sign({ ...claims, notBefore: new Date(Date.now() + 3600_000), expiresInSeconds: 7200 }), 'NOT_YET_VALID');
  });

  it('WRONG_ISSUER: signed by our key but naming another issuer', async () => {
    await expectReason(await issuer.sign({ ...claims, issuer: 'https://helseid-sts.nhn.no' }), 'WRONG_ISSUER');
  });

  it('WRONG_AUDIENCE: a token for another API', async () => {
    await expectReason(await issuer.sign({ ...claims, audience: 'backbone-query' }), 'WRONG_AUDIENCE');
  });

  it('accepts a token whose aud array includes ours', async () => {
    expect(await verify(await issuer.sign({ ...claims, audience: ['backbone-query', AUDIENCE] }))).toMatchObject({ ok: true });
  });

  it('rethrows when the keys themselves cannot be loaded (an outage, not a bad token)', async () => {
    const broken: JWTVerifyGetKey = async () => {
      throw new Error('connect ECONNREFUSED');
    };
    await expect(verifyAccessToken(await issuer.sign(claims), { keys: broken, issuer: DEV_ISSUER, audience: AUDIENCE })).rejects.toThrow(
      'ECONNREFUSED',
    );
  });

  it('does not fetch keys for a token it can refuse from the header alone', async () => {
    const getKey = jest.fn(createLocalJWKSet(issuer.jwks));
    const token = await hmacConfusionToken({ exp: nowSeconds() + 60 }, issuer.publicJwk);
    await verifyAccessToken(token, { keys: getKey, issuer: DEV_ISSUER, audience: AUDIENCE });
    expect(getKey).not.toHaveBeenCalled();
  });

  afterAll(() => {
    // Every AuthFailure is produced by some real token above.
    expect([...seen].sort()).toEqual([...AUTH_FAILURES].sort());
  });
});

describe('bearerToken', () => {
  it.each([
    ['Bearer abc.def.ghi', 'abc.def.ghi'],
    ['bearer abc.def.ghi', 'abc.def.ghi'],
    ['BEARER  abc.def.ghi ', 'abc.def.ghi'],
  ])('reads %j', (header, token) => {
    expect(bearerToken(header)).toBe(token);
  });

  it.each([undefined, '', 'Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', 'Bearer a b', 'Token abc'])('finds no token in %j', (header) => {
    expect(bearerToken(header)).toBeUndefined();
  });
});
