const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts task 0..count-1 at `rate` per second on a fixed schedule (open loop: a slow task delays
 * its own completion, never the next start, so a stall is not hidden by sending less). Each task
 * gets its planned start time, to measure latency from the plan rather than from when it ran.
 *
 * One dispatcher sleeps until the next planned start and launches every task that is due. It
 * used to give every task its own timer and pending promise up front: 10,000 of them for a
 * 20-second run at 500/s, which the load generator's young generation copied and promoted in
 * the first second of the run, 10–70 ms scavenges that showed as latency of the system under test.
 */
export async function atFixedRate(rate: number, count: number, task: (i: number, planned: number) => Promise<void>): Promise<void> {
  const t0 = performance.now() + 100;
  const plannedStart = (i: number) => t0 + (i * 1000) / rate;
  const running: Array<Promise<void>> = [];
  // The first failure stops the schedule and is thrown, as Promise.all over every task did.
  let failure: { error: unknown } | undefined;
  let next = 0;
  while (next < count && !failure) {
    const wait = plannedStart(next) - performance.now();
    if (wait > 0) await sleep(wait);
    const now = performance.now();
    while (next < count && plannedStart(next) <= now) {
      running.push(
        task(next, plannedStart(next)).catch((error: unknown) => {
          failure ??= { error };
        }),
      );
      next += 1;
    }
  }
  if (!failure) await Promise.all(running);
  if (failure) throw failure.error;
}
