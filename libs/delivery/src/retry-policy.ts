/*
 * When a failed webhook delivery is tried again, and when the backbone gives up. Exponential
 * backoff with full jitter (a random delay between 0 and the exponential cap) spreads the retries of
 * many subscriptions that failed together (an endpoint host restarting), so they do not return in
 * lockstep; a floor keeps a failing endpoint from being hammered.
 */
export interface RetryPolicy {
  /** The cap of the first retry's delay; doubles per attempt. */
  baseDelayMs: number;
  /** No retry waits longer than this. */
  maxDelayMs: number;
  /** Dead-letter once the subscription has been failing this long... */
  deadLetterAfterMs: number;
  /** ...or after this many attempts in a row, whichever comes first. */
  deadLetterAfterAttempts: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  baseDelayMs: 1_000,
  maxDelayMs: 10 * 60_000,
  deadLetterAfterMs: 24 * 60 * 60_000,
  deadLetterAfterAttempts: 500,
};

/** The delay before retry number `attempts` (1 after the first failure). `random` is in [0, 1). */
export function retryDelayMs(policy: RetryPolicy, attempts: number, random: number): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(Math.max(attempts - 1, 0), 40));
  const floor = Math.min(policy.baseDelayMs, cap) / 2;
  return Math.round(floor + random * (cap - floor));
}

export type FailureOutcome = { kind: 'retry'; at: Date } | { kind: 'dead-letter' };

/** After a failed attempt: retry later, or dead-letter when the bound is reached. */
export function afterFailure(policy: RetryPolicy, failingSince: Date, attempts: number, now: Date, random: number): FailureOutcome {
  if (attempts >= policy.deadLetterAfterAttempts || now.getTime() - failingSince.getTime() >= policy.deadLetterAfterMs) return { kind: 'dead-letter' };
  return { kind: 'retry', at: new Date(now.getTime() + retryDelayMs(policy, attempts, random)) };
}
