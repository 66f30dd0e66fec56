interface Waiting<T> {
  readonly items: readonly T[];
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Writes submitted items in batches, one batch at a time: what arrives while a batch is being
 * written waits for the next one. Under load every write carries many callers; when idle a caller
 * is written at once (no timer). Each caller's promise settles with the batch that carried it; if
 * a batch fails, its callers are written one by one, so only a caller whose own write fails is rejected.
 */
export class GroupCommit<T> {
  private readonly waiting: Waiting<T>[] = [];
  private writing = false;

  constructor(
    private readonly write: (items: readonly T[]) => Promise<void>,
    private readonly maxBatch: number,
  ) {}

  submit(items: readonly T[]): Promise<void> {
    if (items.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ items, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.waiting.length > 0) {
        const batch = this.takeBatch();
        try {
          await this.write(batch.flatMap((w) => w.items));
          for (const w of batch) w.resolve();
        } catch (error) {
          if (batch.length === 1) batch[0].reject(error);
          // One caller's bad item must not fail the others: each is written alone, and only the
          // callers whose own write fails are rejected.
          else for (const w of batch) await this.write(w.items).then(w.resolve, w.reject);
        }
      }
    } finally {
      this.writing = false;
    }
  }

  /** Callers in arrival order up to maxBatch items (a caller's items are never split). */
  private takeBatch(): Waiting<T>[] {
    let count = 0;
    let n = 0;
    while (n < this.waiting.length && (n === 0 || count + this.waiting[n].items.length <= this.maxBatch)) {
      count += this.waiting[n].items.length;
      n += 1;
    }
    return this.waiting.splice(0, n);
  }
}
