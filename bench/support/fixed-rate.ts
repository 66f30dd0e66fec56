const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts task 0..count-1 at `rate` per second on a fixed schedule (open loop: a slow task delays
 * its own completion, never the next start, so a stall is not hidden by sending less). Each task
 * gets its planned start time, to measure latency from the plan rather than from when it ran.
 */
export async function atFixedRate(rate: number, count: number, task: (i: number, planned: number) => Promise<void>): Promise<void> {
  const t0 = performance.now() + 100;
  await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const planned = t0 + (i * 1000) / rate;
      const wait = planned - performance.now();
      if (wait > 0) await sleep(wait);
      await task(i, planned);
    }),
  );
}
