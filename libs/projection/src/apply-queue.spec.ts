import { ApplyQueue } from './apply-queue';
import type { IncomingMessage } from './projection-consumer';

const message = (topic: string, partition: number, offset: number): IncomingMessage => ({ topic, partition, offset: String(offset), key: null, value: null, headers: {} });
const batch = (topic: string, partition: number, from: number, count: number) => Array.from({ length: count }, (_, i) => message(topic, partition, from + i));
const offsets = (messages: IncomingMessage[]) => messages.map((m) => `${m.topic}[${m.partition}]@${m.offset}`);

describe('ApplyQueue', () => {
  it('takes what waits across partitions, each in offset order, up to the chunk size', () => {
    const queue = new ApplyQueue();
    queue.add('a', 0, batch('a', 0, 0, 2));
    queue.add('a', 1, batch('a', 1, 5, 2));
    queue.add('b', 0, batch('b', 0, 9, 3));
    const chunk = queue.take(5)!;
    expect(offsets(chunk.messages)).toEqual(['a[0]@0', 'a[0]@1', 'a[1]@5', 'a[1]@6', 'b[0]@9']);
    expect(chunk.partitions).toEqual(['a|0', 'a|1', 'b|0']);
    expect(queue.size).toBe(2);
  });

  it('never gives a partition to two chunks at once, and serves the others meanwhile', () => {
    const queue = new ApplyQueue();
    queue.add('a', 0, batch('a', 0, 0, 3));
    const first = queue.take(2)!;
    queue.add('a', 1, batch('a', 1, 0, 1));
    const second = queue.take(10)!;
    expect(offsets(second.messages)).toEqual(['a[1]@0']);
    expect(queue.take(10)).toBeUndefined();
    queue.release(first);
    expect(offsets(queue.take(10)!.messages)).toEqual(['a[0]@2']);
  });

  it('leaves out a second delivery of what it queued already', () => {
    const queue = new ApplyQueue();
    queue.add('a', 0, batch('a', 0, 0, 3));
    queue.add('a', 0, batch('a', 0, 1, 4));
    expect(offsets(queue.take(10)!.messages)).toEqual(['a[0]@0', 'a[0]@1', 'a[0]@2', 'a[0]@3', 'a[0]@4']);
  });

  it('puts a chunk that was not applied back in front, so nothing behind it overtakes it', () => {
    const queue = new ApplyQueue();
    queue.add('a', 0, batch('a', 0, 0, 2));
    const chunk = queue.take(10)!;
    queue.add('a', 0, batch('a', 0, 2, 1));
    queue.release(chunk, false);
    expect(queue.size).toBe(3);
    expect(offsets(queue.take(10)!.messages)).toEqual(['a[0]@0', 'a[0]@1', 'a[0]@2']);
  });

  it('forgets the partitions it no longer has, but holds one being applied until its chunk ends', () => {
    const queue = new ApplyQueue();
    queue.add('a', 0, batch('a', 0, 0, 2));
    queue.add('a', 1, batch('a', 1, 0, 2));
    const chunk = queue.take(1)!;
    queue.keepOnly([]);
    expect(queue.size).toBe(0);
    // Assigned again at once and fetched again from the stored position: still held by the chunk.
    queue.add('a', 0, batch('a', 0, 0, 2));
    expect(queue.take(10)).toBeUndefined();
    queue.release(chunk, false);
    // The failed chunk is not put back beside its second delivery.
    expect(offsets(queue.take(10)!.messages)).toEqual(['a[0]@0', 'a[0]@1']);
  });

  it('lets a busy partition wait at the back, so the others are served', () => {
    const queue = new ApplyQueue();
    queue.add('a', 0, batch('a', 0, 0, 10));
    queue.add('a', 1, batch('a', 1, 0, 10));
    queue.release(queue.take(4)!);
    expect(offsets(queue.take(2)!.messages)).toEqual(['a[1]@0', 'a[1]@1']);
  });

  it('wakes a waiting worker when messages arrive', async () => {
    const queue = new ApplyQueue();
    const woken = queue.changed();
    queue.add('a', 0, batch('a', 0, 0, 1));
    await expect(woken).resolves.toBeUndefined();
  });
});
