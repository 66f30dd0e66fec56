import type { Pool } from 'pg';
import { defaultPolicyTable } from '@backbone/access-control';
import { AccessModelReader } from './access-model-reader';

/** A pool whose reads of access_patient wait until released, counting them. */
function gatedPool() {
  const reads: Array<{ release: () => void; startedAfter: number }> = [];
  let clock = 0;
  const pool = {
    query: () =>
      new Promise((resolve) => {
        reads.push({ release: () => resolve({ rows: [] }), startedAfter: clock });
      }),
  } as unknown as Pool;
  return { pool, reads, tick: () => (clock += 1) };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('AccessModelReader.refresh', () => {
  it('shares reads among concurrent callers, and never lets a caller settle on a read that began before it arrived', async () => {
    const { pool, reads, tick } = gatedPool();
    const reader = new AccessModelReader(pool, defaultPolicyTable());
    const first = reader.refresh();
    tick(); // callers arriving from here on may have changes the first read cannot see
    const later = [reader.refresh(), reader.refresh(), reader.refresh()];
    await flush();
    expect(reads).toHaveLength(1);
    let laterSettled = false;
    void Promise.all(later).then(() => (laterSettled = true));
    reads[0].release();
    await first;
    await flush();
    expect(laterSettled).toBe(false);
    expect(reads).toHaveLength(2);
    expect(reads[1].startedAfter).toBe(1);
    reads[1].release();
    await Promise.all(later);
  });
});
