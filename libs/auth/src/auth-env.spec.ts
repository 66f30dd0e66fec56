import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError, httpEnv, loadConfig } from '@backbone/config';
import { authEnv, authEnvFor, authModuleOptions, defaultJwksPath } from './auth-env';
import { DEV_ISSUER } from './dev-issuer';
import { repoRoot } from '@backbone/config';

const problemsOf = (attempt: () => unknown) => {
  try {
    attempt();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
};

describe('authEnv', () => {
  it('defaults to the dev issuer and its jwks.json under the repository root', () => {
    const config = loadConfig(authEnv, { AUTH_AUDIENCE: 'backbone-ingest' });
    expect(config).toEqual({
      AUTH_ISSUER: DEV_ISSUER,
      AUTH_AUDIENCE: 'backbone-ingest',
      AUTH_JWKS_PATH: join(repoRoot(), '.stack', 'secrets', 'jwks.json'),
    });
    expect(defaultJwksPath()).toBe(config.AUTH_JWKS_PATH);
    expect(repoRoot()).toBe(join(__dirname, '..', '..', '..'));
  });

  it('takes a remote JWKS with its issuer, without adding the default path', () => {
    const config = loadConfig(authEnv, {
      AUTH_JWKS_URL: 'https://helseid-sts.nhn.no/.well-known/openid-configuration/jwks',
      AUTH_ISSUER: 'https://helseid-sts.nhn.no',
      AUTH_AUDIENCE: 'nhn:oslo-backbone',
    });
    expect(config.AUTH_JWKS_PATH).toBeUndefined();
    expect(typeof authModuleOptions(config).keys).toBe('function');
  });

  it('treats blank variables as unset', () => {
    const config = loadConfig(authEnv, { AUTH_JWKS_URL: '', AUTH_JWKS_PATH: ' ', AUTH_ISSUER: '', AUTH_AUDIENCE: 'api' });
    expect(config.AUTH_ISSUER).toBe(DEV_ISSUER);
    expect(config.AUTH_JWKS_PATH).toBe(defaultJwksPath());
  });

  it('names every bad variable', () => {
    const problems = problemsOf(() =>
      loadConfig(authEnv, { AUTH_JWKS_URL: 'https://helseid-sts.nhn.no/jwks', AUTH_JWKS_PATH: '/tmp/jwks.json' }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        { variable: 'AUTH_AUDIENCE', rule: 'required: the audience (aud) this API accepts' },
        { variable: 'AUTH_JWKS_URL', rule: 'set either AUTH_JWKS_URL or AUTH_JWKS_PATH, not both' },
        { variable: 'AUTH_ISSUER', rule: 'must name the issuer of AUTH_JWKS_URL (the dev issuer publishes no JWKS URL)' },
      ]),
    );
    expect(problemsOf(() => loadConfig(authEnv, { AUTH_JWKS_URL: 'http://helseid.example/jwks', AUTH_ISSUER: 'x', AUTH_AUDIENCE: 'a' }))).toEqual([
      { variable: 'AUTH_JWKS_URL', rule: 'must use https (plain http only on loopback)' },
    ]);
  });

  it('gives the audience a default with authEnvFor, and composes with other schemas', () => {
    const appEnv = z.object({}).extend(httpEnv(3000).shape).and(authEnvFor('backbone-ingest'));
    const config = loadConfig(appEnv, { PORT: '8080' });
    expect(config).toMatchObject({ PORT: 8080, AUTH_AUDIENCE: 'backbone-ingest', AUTH_JWKS_PATH: defaultJwksPath() });
    const extended = authEnv.extend(httpEnv(3000).shape);
    expect(loadConfig(extended, { AUTH_AUDIENCE: 'q' })).toMatchObject({ PORT: 3000, AUTH_JWKS_PATH: defaultJwksPath() });
  });
});
