import { atFixedRate } from './fixed-rate';

describe('atFixedRate', () => {
  it('starts every task once, in order, never before its planned time, and hands each its plan', async () => {
    const started: Array<{ i: number; planned: number; at: number }> = [];
    await atFixedRate(200, 40, async (i, planned) => {
      started.push({ i, planned, at: performance.now() });
    });
    expect(started.map((s) => s.i)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    for (const s of started) expect(s.at).toBeGreaterThanOrEqual(s.planned);
    // 200 per second: plans 5 ms apart.
    expect(started[39].planned - started[0].planned).toBeCloseTo(39 * 5, 6);
  });

  it('is an open loop: a slow task does not hold back the next start', async () => {
    const starts: number[] = [];
    await atFixedRate(100, 5, async (i) => {
      starts[i] = performance.now();
      if (i === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    });
    // Task 1 is planned 10 ms after task 0 and must not wait for task 0's 100 ms.
    expect(starts[1] - starts[0]).toBeLessThan(60);
  });

  it('waits for every task before it resolves', async () => {
    let finished = 0;
    await atFixedRate(500, 10, async () => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      finished += 1;
    });
    expect(finished).toBe(10);
  });

  it('rejects with the first failure and starts nothing after it', async () => {
    const started: number[] = [];
    await expect(
      atFixedRate(100, 50, async (i) => {
        started.push(i);
        if (i === 2) throw new Error('task 2 failed');
      }),
    ).rejects.toThrow('task 2 failed');
    expect(started.length).toBeLessThan(10);
  });
});
