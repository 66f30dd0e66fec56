import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  importJWK,
  SignJWT,
  UnsecuredJWT,
  type JSONWebKeySet,
  type JWK,
  type JWTPayload,
  type JWTVerifyGetKey,
  type KeyLike,
} from 'jose';
import { defaultSecretsDir } from '@backbone/config';

/**
 * A local stand-in for HelseID, so development, tests and the demo never need the real one. Its
 * tokens verify only where AUTH_ISSUER is DEV_ISSUER and the JWKS is the one it wrote: it is
 * trusted by configuration, never by default in production.
 */
export const DEV_ISSUER = 'http://127.0.0.1/dev-issuer';
export const DEV_PRIVATE_KEY_FILE = 'dev-issuer-private.jwk.json';
export const DEV_JWKS_FILE = 'jwks.json';

export type DevAlgorithm = 'RS256' | 'ES256';

export interface DevSignOptions {
  subject: string;
  clientId: string;
  audience: string | string[];
  /** Emitted as given: a space-separated string, or an array as HelseID does. */
  scope?: string | string[];
  /** Lifetime from `issuedAt`; default 3600. */
  expiresInSeconds?: number;
  /** Merged last (may replace client_id and scope); iss, aud, sub, iat, exp and nbf always come from the options. */
  extraClaims?: Record<string, unknown>;
  /** Not valid before this time: a Date, or seconds after `issuedAt`. */
  notBefore?: Date | number;
  /** Signing time; default now. */
  issuedAt?: Date;
  /** Default DEV_ISSUER; negative tests sign as someone else. */
  issuer?: string;
}

interface SigningKey {
  privateKey: KeyLike;
  kid: string;
  alg: DevAlgorithm;
}

const PRIVATE_PARTS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/** The public half of a JWK (drops every private member). */
export function publicPart(jwk: JWK): JWK {
  const copy: Record<string, unknown> = { ...jwk };
  for (const member of PRIVATE_PARTS) delete copy[member];
  return copy as unknown as JWK;
}

async function newKeyPair(alg: DevAlgorithm): Promise<{ privateJwk: JWK; publicJwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const decorate = (jwk: JWK): JWK => ({ ...jwk, kid, alg, use: 'sig' });
  return { privateJwk: decorate(await exportJWK(privateKey)), publicJwk: decorate(publicJwk) };
}

async function signWith(key: SigningKey, options: DevSignOptions): Promise<string> {
  const issuedAt = options.issuedAt ?? new Date();
  const iat = Math.floor(issuedAt.getTime() / 1000);
  const payload: JWTPayload = { client_id: options.clientId };
  if (options.scope !== undefined) payload.scope = options.scope;
  Object.assign(payload, options.extraClaims);
  const jwt = new SignJWT(payload)
    // RFC 9068 access token header; kid lets the verifier pick the key from the JWKS.
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' })
    .setIssuer(options.issuer ?? DEV_ISSUER)
    .setSubject(options.subject)
    .setAudience(options.audience)
    .setIssuedAt(iat)
    .setExpirationTime(iat + (options.expiresInSeconds ?? 3600));
  if (options.notBefore !== undefined) {
    jwt.setNotBefore(
      options.notBefore instanceof Date ? Math.floor(options.notBefore.getTime() / 1000) : iat + options.notBefore,
    );
  }
  return jwt.sign(key.privateKey);
}

export class DevIssuer {
  private constructor(
    private readonly key: SigningKey,
    /** The public key as published in jwks.json (with kid, alg and use). */
    readonly publicJwk: JWK,
  ) {}

  get kid(): string {
    return this.key.kid;
  }

  get alg(): DevAlgorithm {
    return this.key.alg;
  }

  get jwks(): JSONWebKeySet {
    return { keys: [this.publicJwk] };
  }

  /** The verifier side, without touching the disk: what jwksFromConfig would give for jwks.json. */
  keySet(): JWTVerifyGetKey {
    return createLocalJWKSet(this.jwks);
  }

  /** A throw-away issuer kept in memory only (unit tests). */
  static async create(alg: DevAlgorithm = 'RS256'): Promise<DevIssuer> {
    const { privateJwk, publicJwk } = await newKeyPair(alg);
    return DevIssuer.fromPrivateJwk(privateJwk, publicJwk);
  }

  /**
   * The issuer whose key pair lives in `dir`, creating it on first use: the private JWK in
   * dev-issuer-private.jwk.json (mode 0600) and the public JWKS in jwks.json, which is what
   * AUTH_JWKS_PATH points at. An existing key keeps its algorithm whatever `alg` says.
   */
  static async loadOrCreate(dir: string = defaultSecretsDir(), alg: DevAlgorithm = 'RS256'): Promise<DevIssuer> {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const privatePath = join(dir, DEV_PRIVATE_KEY_FILE);
    if (!existsSync(privatePath)) {
      const { privateJwk } = await newKeyPair(alg);
      try {
        // 'wx': if another process created the key meanwhile, keep theirs and read it below.
        writeFileSync(privatePath, `${JSON.stringify(privateJwk, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
    chmodSync(privatePath, 0o600);
    const privateJwk = JSON.parse(readFileSync(privatePath, 'utf8')) as JWK;
    if (typeof privateJwk.kid !== 'string' || (privateJwk.alg !== 'RS256' && privateJwk.alg !== 'ES256') || !privateJwk.d) {
      throw new Error(`${privatePath} is not a dev issuer private key (needs kid, alg RS256/ES256 and d); delete it to start over`);
    }
    const issuer = await DevIssuer.fromPrivateJwk(privateJwk, publicPart(privateJwk));
    issuer.writeJwks(join(dir, DEV_JWKS_FILE));
    return issuer;
  }

  private static async fromPrivateJwk(privateJwk: JWK, publicJwk: JWK): Promise<DevIssuer> {
    const alg = privateJwk.alg as DevAlgorithm;
    const privateKey = (await importJWK(privateJwk, alg)) as KeyLike;
    return new DevIssuer({ privateKey, kid: privateJwk.kid!, alg }, publicJwk);
  }

  /** Rewrites jwks.json only when it does not already publish exactly this key. */
  private writeJwks(path: string): void {
    const wanted = `${JSON.stringify(this.jwks, null, 2)}\n`;
    if (existsSync(path) && readFileSync(path, 'utf8') === wanted) return;
    writeFileSync(path, wanted, { mode: 0o644 });
  }

  /** A compact JWS access token: iss DEV_ISSUER, kid in the header, client_id, iat and exp. */
  sign(options: DevSignOptions): Promise<string> {
    return signWith(this.key, options);
  }

  /** Issued two hours ago, expired one hour ago. */
  signExpired(options: DevSignOptions): Promise<string> {
    const now = options.issuedAt ?? new Date();
    return signWith(this.key, { ...options, issuedAt: new Date(now.getTime() - 2 * 3600_000), expiresInSeconds: 3600 });
  }

  /**
   * Signed with a fresh key the JWKS does not hold. By default it carries the fresh key's own kid
   * (the verifier finds no key: UNKNOWN_KEY); with `reuseKid` it claims to be our key, so the
   * signature check fails (BAD_SIGNATURE).
   */
  async signWithOtherKey(options: DevSignOptions, { reuseKid = false }: { reuseKid?: boolean } = {}): Promise<string> {
    const { privateJwk } = await newKeyPair(this.key.alg);
    const privateKey = (await importJWK(privateJwk, this.key.alg)) as KeyLike;
    return signWith({ privateKey, alg: this.key.alg, kid: reuseKid ? this.key.kid : privateJwk.kid! }, options);
  }
}

/** An `alg: none` token with an empty signature: must be refused as UNSIGNED_TOKEN. */
export function unsignedToken(claims: JWTPayload): string {
  return new UnsecuredJWT(claims).encode();
}

/**
 * The algorithm-confusion attack: HS256 with the issuer's *public* key (as PEM, which is what a
 * naive verifier hands to HMAC) used as the shared secret. Must be refused as ALGORITHM_NOT_ALLOWED.
 */
export async function hmacConfusionToken(claims: JWTPayload, publicJwk: JWK): Promise<string> {
  const publicKey = (await importJWK(publicPart(publicJwk), publicJwk.alg ?? 'RS256')) as KeyLike;
  const secret = new TextEncoder().encode(await exportSPKI(publicKey));
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: publicJwk.kid, typ: 'JWT' }).sign(secret);
}
