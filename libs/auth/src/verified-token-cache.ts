import type { Principal } from './principal';

interface Entry {
  principal: Principal;
  expiresAtMs: number;
}

/**
 * Principals of tokens already verified, until each token's own expiry. A system publishing
 * thousands of events sends the same token thousands of times; verifying its RSA signature and
 * parsing its claims once is enough, since a JWT cannot change or be revoked before it expires.
 * Bounded: the oldest entry goes first when full.
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly maxEntries = 10_000) {}

  get(token: string, nowMs = Date.now()): Principal | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    if (entry.expiresAtMs <= nowMs) {
      this.entries.delete(token);
      return undefined;
    }
    return entry.principal;
  }

  set(token: string, principal: Principal, expiresAtSeconds: number | undefined): void {
    if (expiresAtSeconds === undefined) return;
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(token, { principal, expiresAtMs: expiresAtSeconds * 1000 });
  }
}
