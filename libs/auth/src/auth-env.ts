import { join } from 'node:path';
import { z } from 'zod';
import type { AuthModuleOptions } from './auth-options';
import { DEV_ISSUER, DEV_JWKS_FILE } from './dev-issuer';
import { jwksFromConfig } from './keys';
import { repoRoot } from '@backbone/config';

const blankToUndefined = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);

const LOOPBACK = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?\//;

/** `.stack/secrets/jwks.json` under the repository root: where the dev issuer writes its keys. */
export function defaultJwksPath(): string {
  return join(repoRoot(), '.stack', 'secrets', DEV_JWKS_FILE);
}

/**
 * The token verification settings of an HTTP app.
 * - AUTH_JWKS_URL: the issuer's JWKS endpoint (HelseID in test and production), https.
 * - AUTH_JWKS_PATH: a local JWKS file instead. Not both; with neither, the dev issuer's
 *   .stack/secrets/jwks.json under the repository root.
 * - AUTH_ISSUER: the expected `iss`; defaults to the dev issuer, so it must be set with a URL.
 * - AUTH_AUDIENCE: the `aud` this API accepts (one per API, so a token for one API does not open
 *   another). Required with `authEnv`; `authEnvFor(audience)` gives it a default.
 *
 * Compose with `.and(authEnv)` or `authEnv.extend(other.shape)`: `other.extend(authEnv.shape)`
 * would drop the cross-variable rules and the default path.
 */
export const authEnvFor = (defaultAudience?: string) =>
  z
    .object({
      AUTH_JWKS_URL: z.preprocess(
        blankToUndefined,
        z
          .url({ protocol: /^https?$/, error: 'must be an http(s) URL of the issuer JWKS' })
          .refine((url) => url.startsWith('https://') || LOOPBACK.test(url), 'must use https (plain http only on loopback)')
          .optional(),
      ),
      AUTH_JWKS_PATH: z.preprocess(blankToUndefined, z.string().optional()),
      AUTH_ISSUER: z.preprocess(blankToUndefined, z.string().default(DEV_ISSUER)),
      AUTH_AUDIENCE:
        defaultAudience === undefined
          ? z.string({ error: 'required: the audience (aud) this API accepts' }).trim().min(1, 'must not be empty')
          : z.preprocess(blankToUndefined, z.string().default(defaultAudience)),
    })
    .superRefine((env, ctx) => {
      if (env.AUTH_JWKS_URL !== undefined && env.AUTH_JWKS_PATH !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['AUTH_JWKS_URL'], message: 'set either AUTH_JWKS_URL or AUTH_JWKS_PATH, not both' });
      }
      if (env.AUTH_JWKS_URL !== undefined && env.AUTH_ISSUER === DEV_ISSUER) {
        ctx.addIssue({ code: 'custom', path: ['AUTH_ISSUER'], message: 'must name the issuer of AUTH_JWKS_URL (the dev issuer publishes no JWKS URL)' });
      }
      // Run even when a variable already failed, so one error names every bad variable.
    }, { when: () => true })
    .overwrite((env) =>
      env.AUTH_JWKS_URL === undefined && env.AUTH_JWKS_PATH === undefined ? { ...env, AUTH_JWKS_PATH: defaultJwksPath() } : env,
    );

export const authEnv = authEnvFor();
export type AuthConfig = z.infer<typeof authEnv>;

/** AuthModule.forRoot options from a parsed config: `AuthModule.forRoot(authModuleOptions(config))`. */
export function authModuleOptions(config: AuthConfig): AuthModuleOptions {
  return { keys: jwksFromConfig(config), issuer: config.AUTH_ISSUER, audience: config.AUTH_AUDIENCE };
}
