import { afterFailure, DEFAULT_RETRY_POLICY, retryDelayMs, type RetryPolicy } from './retry-policy';

const policy: RetryPolicy = { baseDelayMs: 1_000, maxDelayMs: 60_000, deadLetterAfterMs: 3_600_000, deadLetterAfterAttempts: 10 };

describe('retry policy', () => {
  it('doubles the cap per attempt up to the maximum, with jitter between half the base and the cap', () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(policy, n, 0.999999))).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect(retryDelayMs(policy, 30, 0.999999)).toBe(60_000);
    expect(retryDelayMs(policy, 30, 0)).toBe(500);
    expect(retryDelayMs(policy, 1_000, 0.5)).toBeLessThanOrEqual(60_000);
  });

  it('retries until the subscription has failed for the bound, or for the number of attempts', () => {
    const since = new Date('2026-11-28T10:00:00Z');
    const at = (ms: number) => new Date(since.getTime() + ms);
    expect(afterFailure(policy, since, 3, at(59 * 60_000), 0.5)).toEqual({ kind: 'retry', at: expect.any(Date) });
    expect(afterFailure(policy, since, 3, at(60 * 60_000), 0.5)).toEqual({ kind: 'dead-letter' });
    expect(afterFailure(policy, since, 10, at(1_000), 0.5)).toEqual({ kind: 'dead-letter' });
  });

  it('by default keeps trying for 24 hours, so an endpoint down for an hour loses nothing', () => {
    const since = new Date('2026-11-28T10:00:00Z');
    expect(afterFailure(DEFAULT_RETRY_POLICY, since, 20, new Date(since.getTime() + 3_600_000), 0.5).kind).toBe('retry');
    expect(afterFailure(DEFAULT_RETRY_POLICY, since, 200, new Date(since.getTime() + 24 * 3_600_000), 0.5).kind).toBe('dead-letter');
  });
});
