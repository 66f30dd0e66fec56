import type { Principal } from './principal';
import { VerifiedTokenCache } from './verified-token-cache';

const principal: Principal = { kind: 'system', clientId: 'c', scopes: [] };

describe('VerifiedTokenCache', () => {
  it('returns a principal until the token expires, then forgets it', () => {
    const cache = new VerifiedTokenCache();
    cache.set('t', principal, 100);
    expect(cache.get('t', 99_999)).toBe(principal);
    expect(cache.get('t', 100_000)).toBeUndefined();
    expect(cache.get('t', 1)).toBeUndefined();
  });

  it('never caches a token without an expiry', () => {
    const cache = new VerifiedTokenCache();
    cache.set('t', principal, undefined);
    expect(cache.get('t', 0)).toBeUndefined();
  });

  it('drops the oldest entry when full', () => {
    const cache = new VerifiedTokenCache(2);
    cache.set('a', principal, 100);
    cache.set('b', principal, 100);
    cache.set('c', principal, 100);
    expect(cache.get('a', 0)).toBeUndefined();
    expect(cache.get('c', 0)).toBe(principal);
  });
});
