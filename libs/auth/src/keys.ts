import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { createLocalJWKSet, createRemoteJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';

export interface JwksConfig {
  AUTH_JWKS_URL?: string;
  AUTH_JWKS_PATH?: string;
}

/**
 * HelseID's keys change rarely and rotate with overlap: cache them ten minutes, refetch at most
 * every 30 s when a token names an unknown kid (so junk kids cannot hammer the issuer), and give
 * up a fetch after 5 s.
 */
export const REMOTE_JWKS_DEFAULTS = { cacheMaxAge: 10 * 60_000, cooldownDuration: 30_000, timeoutDuration: 5_000 } as const;

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The issuer's signing keys: a remote JWKS when AUTH_JWKS_URL is set (HelseID, https only except
 * on loopback), or a local JWKS file when AUTH_JWKS_PATH is set (the dev issuer's jwks.json).
 * Exactly one of them must be set.
 */
export function jwksFromConfig(config: JwksConfig): JWTVerifyGetKey {
  const url = config.AUTH_JWKS_URL?.trim() || undefined;
  const path = config.AUTH_JWKS_PATH?.trim() || undefined;
  if ((url === undefined) === (path === undefined)) {
    throw new Error(
      `Set exactly one of AUTH_JWKS_URL (the issuer's JWKS endpoint) or AUTH_JWKS_PATH (a local JWKS file); ${url ? 'both are' : 'neither is'} set`,
    );
  }
  if (url !== undefined) return remoteJwks(url);
  return localJwksFile(resolve(path!));
}

function remoteJwks(url: string): JWTVerifyGetKey {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`AUTH_JWKS_URL is not a URL: ${url}`);
  }
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && LOOPBACK.has(parsed.hostname))) {
    throw new Error('AUTH_JWKS_URL must use https (plain http only on loopback)');
  }
  return createRemoteJWKSet(parsed, { ...REMOTE_JWKS_DEFAULTS });
}

/** Reads and checks a JWKS file: a `keys` array of public keys only. */
export function readJwksFile(path: string): JSONWebKeySet {
  let jwks: unknown;
  try {
    jwks = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`AUTH_JWKS_PATH ${path}: ${(error as Error).message}`);
  }
  const keys = (jwks as { keys?: unknown })?.keys;
  if (!Array.isArray(keys) || keys.length === 0) throw new Error(`AUTH_JWKS_PATH ${path}: must be a JWKS with a non-empty "keys" array`);
  // A private key in a file meant to be shared is a leak waiting to happen: refuse it outright.
  if (keys.some((key) => typeof key !== 'object' || key === null || 'd' in key || 'k' in key)) {
    throw new Error(`AUTH_JWKS_PATH ${path}: must hold public keys only (found private or symmetric key material)`);
  }
  return jwks as JSONWebKeySet;
}

/**
 * A JWKS file read when first needed and re-read when it changes, so an app may start before the
 * dev issuer has written its keys (first `scripts/token.ts` run) and picks up a regenerated key.
 * A file that exists at start-up is checked at once, so a broken one fails fast.
 */
function localJwksFile(path: string): JWTVerifyGetKey {
  let cached: { mtimeMs: number; size: number; getKey: ReturnType<typeof createLocalJWKSet> } | undefined;
  const load = () => {
    let stat;
    try {
      stat = statSync(path);
    } catch {
      throw new Error(`AUTH_JWKS_PATH ${path} does not exist (run: npx tsx scripts/token.ts --client <id> to create the dev issuer keys)`);
    }
    if (!cached || cached.mtimeMs !== stat.mtimeMs || cached.size !== stat.size) {
      cached = { mtimeMs: stat.mtimeMs, size: stat.size, getKey: createLocalJWKSet(readJwksFile(path)) };
    }
    return cached.getKey;
  };
  if (existsSync(path)) load();
  return (header, token) => load()(header, token);
}
