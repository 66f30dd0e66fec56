import { Coalesced } from './coalesced';

describe('Coalesced', () => {
  it('runs once for callers that share a run, and again for callers that came during it', async () => {
    const releases: Array<() => void> = [];
    let runs = 0;
    const coalesced = new Coalesced(() => {
      runs += 1;
      return new Promise<void>((resolve) => releases.push(resolve));
    });
    const first = coalesced.run();
    const second = coalesced.run();
    const third = coalesced.run();
    expect(runs).toBe(1);
    releases[0]();
    await first;
    // The two that asked during the first run get a run that started after they asked.
    await new Promise((resolve) => setImmediate(resolve));
    expect(runs).toBe(2);
    releases[1]();
    await Promise.all([second, third]);
    expect(runs).toBe(2);
  });

  it('passes a failure to the callers of that run only', async () => {
    let fail = true;
    const coalesced = new Coalesced(async () => {
      if (fail) throw new Error('down');
    });
    await expect(coalesced.run()).rejects.toThrow('down');
    fail = false;
    await expect(coalesced.run()).resolves.toBeUndefined();
  });
});
