interface Waiting<T, R> {
  readonly items: readonly T[];
  resolve(results: R[]): void;
  reject(error: unknown): void;
}

/**
 * Lets concurrent callers share a round trip to the database: submitted items go in batches, one
 * batch at a time, and what arrives while a batch is in flight waits for the next one. Under load
 * every round trip carries many callers (for writes, one commit; for reads, one statement); when
 * idle a caller goes at once (no timer). On these machines a round trip's system calls and
 * wake-ups cost more than the statement itself, on both sides of the socket.
 *
 * `run` gets the items of a batch in caller order and returns one result per item (or nothing,
 * for writes); each caller's promise settles with its own items' results. If a batch fails, its
 * callers are run one by one, so only a caller whose own items fail is rejected.
 */
export class RoundTripBatcher<T, R = void> {
  private readonly waiting: Waiting<T, R>[] = [];
  private busy = false;

  constructor(
    private readonly run: (items: readonly T[]) => Promise<readonly R[] | void>,
    private readonly maxBatch: number,
  ) {}

  submit(items: readonly T[]): Promise<R[]> {
    if (items.length === 0) return Promise.resolve([]);
    return new Promise<R[]>((resolve, reject) => {
      this.waiting.push({ items, resolve, reject });
      if (!this.busy) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.busy = true;
    try {
      while (this.waiting.length > 0) {
        const batch = this.takeBatch();
        try {
          const results = await this.run(batch.flatMap((w) => w.items));
          let offset = 0;
          for (const w of batch) {
            w.resolve(results ? results.slice(offset, offset + w.items.length) : []);
            offset += w.items.length;
          }
        } catch (error) {
          if (batch.length === 1) batch[0].reject(error);
          // One caller's bad item must not fail the others: each is run alone, and only the
          // callers whose own run fails are rejected.
          else for (const w of batch) await this.run(w.items).then((results) => w.resolve(results ? [...results] : []), w.reject);
        }
      }
    } finally {
      this.busy = false;
    }
  }

  /** Callers in arrival order up to maxBatch items (a caller's items are never split). */
  private takeBatch(): Waiting<T, R>[] {
    let count = 0;
    let n = 0;
    while (n < this.waiting.length && (n === 0 || count + this.waiting[n].items.length <= this.maxBatch)) {
      count += this.waiting[n].items.length;
      n += 1;
    }
    return this.waiting.splice(0, n);
  }
}
