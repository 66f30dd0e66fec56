import { RoundTripBatcher } from './round-trip-batcher';

/**
 * A RoundTripBatcher whose first write waits until `release()`, so later callers queue behind it; every
 * write is recorded, and `fails` says which batches the writer refuses.
 */
function heldCommit<T>(maxBatch: number, fails: (items: readonly T[]) => boolean = () => false) {
  const writes: T[][] = [];
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const commit = new RoundTripBatcher<T>(async (items) => {
    writes.push([...items]);
    if (writes.length === 1) await gate;
    if (fails(items)) throw new Error(`cannot store ${items.join(', ')}`);
  }, maxBatch);
  return { commit, writes, release };
}

describe('RoundTripBatcher', () => {
  it('writes the first caller at once and everyone who arrived meanwhile together in the next write', async () => {
    const { commit, writes, release } = heldCommit<number>(100);
    const first = commit.submit([1]);
    const later = [commit.submit([2, 3]), commit.submit([4])];
    release();
    await Promise.all([first, ...later]);
    expect(writes).toEqual([[1], [2, 3, 4]]);
  });

  it('never splits a caller and keeps batches at most maxBatch items (one caller may exceed it alone)', async () => {
    const { commit, writes, release } = heldCommit<number>(3);
    const all = [commit.submit([0]), commit.submit([1, 2]), commit.submit([3, 4]), commit.submit([5, 6, 7, 8])];
    release();
    await Promise.all(all);
    expect(writes).toEqual([[0], [1, 2], [3, 4], [5, 6, 7, 8]]);
  });

  it('writes the callers of a failed batch one by one, rejecting only the one whose own write fails', async () => {
    const { commit, writes, release } = heldCommit<string>(10, (items) => items.includes('bad'));
    const first = commit.submit(['first']);
    const good = commit.submit(['good']);
    const bad = commit.submit(['bad']);
    release();
    await first;
    await expect(good).resolves.toEqual([]);
    await expect(bad).rejects.toThrow('cannot store bad');
    expect(writes).toEqual([['first'], ['good', 'bad'], ['good'], ['bad']]);
  });

  it('rejects exactly the callers of a failed write and keeps going', async () => {
    let calls = 0;
    const commit = new RoundTripBatcher<string>(async () => {
      calls += 1;
      if (calls === 1) throw new Error('database down');
    }, 10);
    await expect(commit.submit(['a'])).rejects.toThrow('database down');
    await expect(commit.submit(['b'])).resolves.toEqual([]);
  });

  it("gives each caller its own items' results, also when a failed batch is run caller by caller", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let runs = 0;
    const reads = new RoundTripBatcher<string, string>(async (keys) => {
      runs += 1;
      if (runs === 1) await gate;
      if (runs === 2) throw new Error('one bad batch');
      return keys.map((k) => `row of ${k}`);
    }, 10);
    const first = reads.submit(['a']);
    const second = reads.submit(['b', 'c']);
    const third = reads.submit(['d']);
    release();
    expect(await first).toEqual(['row of a']);
    expect(await second).toEqual(['row of b', 'row of c']);
    expect(await third).toEqual(['row of d']);
  });
});
