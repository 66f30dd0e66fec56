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
        reads.push({ release: () => resolve({ rows: [{ changes: null }] }), startedAfter: clock });
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

describe('AccessModelReader changes read along with a query', () => {
  /** Facts told apart by their number of consents. */
  const factsWith = (consents: number) => ({ relationships: [], consents: Array.from({ length: consents }, (_, i) => ({ consentId: `c${i}`, decision: 'PERMIT', provisions: [], period: { start: '2026-01-01T00:00:00Z', end: null } })), blocks: [], emergencyAccesses: [] });
  const change = (patientKey: string, consents: number, changeSeq: number) => ({ patientKey, facts: factsWith(consents), changeSeq: String(changeSeq) });

  it('never puts an older version of facts over a newer one when reads overlap, and moves its position to the last change taken', async () => {
    const reader = new AccessModelReader({} as Pool, defaultPolicyTable());
    expect(reader.changesSince()[0]).toBe('0');
    // A later statement came back first with changes 1..3; an earlier one (from 0, its snapshot up to 2) after it.
    await reader.tookChanges([change('a', 1, 1), change('b', 1, 2), change('a', 2, 3)]);
    await reader.tookChanges([change('a', 1, 1), change('b', 1, 2)]);
    expect(reader.index.factsOf('a').consents).toHaveLength(2);
    expect(reader.changesSince()[0]).toBe('3');
    await reader.tookChanges(null);
    await reader.tookChanges([change('b', 5, 4)]);
    expect(reader.index.factsOf('b').consents).toHaveLength(5);
    expect(reader.changesSince()[0]).toBe('4');
  });

  it('reads the rest with a refresh when a page came back full', async () => {
    const { pool, reads } = gatedPool();
    const reader = new AccessModelReader(pool, defaultPolicyTable());
    const [, pageSize] = reader.changesSince();
    let settled = false;
    const taken = reader.tookChanges(Array.from({ length: pageSize }, (_, i) => change(`p${i}`, 1, i + 1))).then(() => (settled = true));
    await flush();
    expect(reads).toHaveLength(1);
    expect(settled).toBe(false);
    reads[0].release();
    await taken;
    expect(reader.changesSince()[0]).toBe(String(pageSize));
  });
});
