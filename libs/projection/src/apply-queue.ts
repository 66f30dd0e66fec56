import type { IncomingMessage } from './projection-consumer';

/** A partition's messages waiting to be applied, in offset order. */
interface PartitionQueue {
  messages: IncomingMessage[];
  /** The highest offset queued so far: a message at or below it is a second delivery. */
  highest: bigint;
  /** A chunk of this partition is being applied: no other chunk may take its messages. */
  busy: boolean;
  /** No longer assigned while a chunk of it was being applied: that chunk is not put back. */
  forgotten?: boolean;
}

/** A chunk taken from the queue: messages of one or more partitions, each partition's in offset order. */
export interface Chunk {
  messages: IncomingMessage[];
  /** The partitions it holds (`topic|partition`), given back with `release`. */
  partitions: string[];
}

/** A partition's key in the queue, the consumer's offsets and its positions: `topic|partition`. */
export const partitionKey = (topic: string, partition: number) => `${topic}|${partition}`;

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/**
 * What the consumer has fetched and the database has not applied yet, per partition. Fetching
 * goes on while chunks are applied (so an event waits for one transaction, not for a whole fetch
 * round), and a chunk takes whatever is waiting across partitions up to its size (so a trickle over
 * many partitions is one transaction, not one per partition). A partition is in at most one chunk
 * at a time, which keeps each partition in offset order.
 */
export class ApplyQueue {
  private readonly partitions = new Map<string, PartitionQueue>();
  private waiting = 0;
  private readonly listeners = new Set<() => void>();

  /** Messages fetched and not yet taken. */
  get size(): number {
    return this.waiting;
  }

  /** Queues a fetched batch (one partition, offset order), leaving out what was queued before. */
  add(topic: string, partition: number, messages: IncomingMessage[]): void {
    const key = partitionKey(topic, partition);
    let queue = this.partitions.get(key);
    if (!queue) this.partitions.set(key, (queue = { messages: [], highest: -1n, busy: false }));
    queue.forgotten = false;
    for (const message of messages) {
      const offset = BigInt(message.offset);
      if (offset <= queue.highest) continue;
      queue.highest = offset;
      queue.messages.push(message);
      this.waiting += 1;
    }
    this.notify();
  }

  /** Takes up to `max` messages from the partitions no chunk holds, whole partitions first; undefined when none wait. */
  take(max: number): Chunk | undefined {
    const messages: IncomingMessage[] = [];
    const partitions: string[] = [];
    for (const [key, queue] of this.partitions) {
      if (queue.busy || queue.messages.length === 0) continue;
      const taken = queue.messages.splice(0, max - messages.length);
      for (const message of taken) messages.push(message);
      queue.busy = true;
      partitions.push(key);
      if (messages.length >= max) break;
    }
    if (messages.length === 0) return undefined;
    // Partitions taken go to the back, so a busy one does not keep the others waiting.
    for (const key of partitions) {
      const queue = this.partitions.get(key)!;
      this.partitions.delete(key);
      this.partitions.set(key, queue);
    }
    this.waiting -= messages.length;
    this.notify();
    return { messages, partitions };
  }

  /**
   * Gives a chunk's partitions back once its transaction has ended. A chunk that was not applied
   * goes back to the front of its partitions (`applied` false), so nothing after it can overtake it.
   */
  release(chunk: Chunk, applied = true): void {
    const byPartition = new Map<string, IncomingMessage[]>();
    if (!applied) for (const message of chunk.messages) push(byPartition, partitionKey(message.topic, message.partition), message);
    for (const key of chunk.partitions) {
      const queue = this.partitions.get(key);
      if (!queue) continue;
      queue.busy = false;
      if (queue.forgotten) continue;
      // Only what is not queued again already (a partition assigned anew is fetched again).
      const first = queue.messages.length > 0 ? BigInt(queue.messages[0].offset) : undefined;
      const back = (byPartition.get(key) ?? []).filter((message) => first === undefined || BigInt(message.offset) < first);
      queue.messages.unshift(...back);
      this.waiting += back.length;
    }
    this.notify();
  }

  /**
   * Forgets the partitions this consumer no longer has (after a rebalance: their new owner starts
   * from the stored positions). A chunk of one being applied finishes and is not put back; the
   * partition stays held until then, so were it assigned again at once, no second chunk of it
   * could run beside that one (a later chunk committing first would move the position past it).
   */
  keepOnly(assigned: Array<{ topic: string; partition: number }>): void {
    const keep = new Set(assigned.map(({ topic, partition }) => partitionKey(topic, partition)));
    for (const [key, queue] of this.partitions) {
      if (keep.has(key)) continue;
      this.waiting -= queue.messages.length;
      if (queue.busy) this.partitions.set(key, { messages: [], highest: -1n, busy: true, forgotten: true });
      else this.partitions.delete(key);
    }
    this.notify();
  }

  /** Wakes whoever waits for a change (a worker stopping). */
  wake(): void {
    this.notify();
  }

  /** Resolves at the next change (messages added, taken, released or forgotten). */
  changed(): Promise<void> {
    return new Promise((resolve) => this.listeners.add(resolve));
  }

  private notify(): void {
    const listeners = [...this.listeners];
    this.listeners.clear();
    for (const listener of listeners) listener();
  }
}
