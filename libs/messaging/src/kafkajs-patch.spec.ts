import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { join } from 'node:path';

// kafkajs is patched at install (patches/, npm's postinstall runs patch-package). Correctness on
// the wire is the broker's to judge, in every test that produces (a wrong CRC is refused as a
// corrupt record); these catch an install that skipped the patch, which would cost the relay CPU.
const kafkajsSource = (path: string) => join(require.resolve('kafkajs'), '..', 'src', path);
/* eslint-disable @typescript-eslint/no-require-imports */
const crc32C: (buffer: Buffer) => number = require(kafkajsSource('protocol/recordBatch/crc32C'));
const javascriptCrc32C: (buffer: Buffer) => number = require(kafkajsSource('protocol/recordBatch/crc32C/crc32C'));
const groupMessagesPerPartition: (args: unknown) => Record<number, Array<{ key: string }>> = require(kafkajsSource('producer/groupMessagesPerPartition'));
type PartitionEncoder = (args: unknown) => Promise<{ buffer: Buffer }>;
const partitionEncoders: { kafkajs: PartitionEncoder; uncompressed: PartitionEncoder } = require(kafkajsSource('protocol/requests/produce/v3/request')).partitionEncoders;
const Long: { fromValue(value: unknown): unknown } = require(kafkajsSource('utils/long'));
/* eslint-enable @typescript-eslint/no-require-imports */

describe('the installed kafkajs', () => {
  it("is the patched one: its encoder's buffers are not zero-filled", () => {
    const encoder = readFileSync(kafkajsSource('protocol/encoder.js'), 'utf8');
    expect(encoder).toContain('Backbone patch');
    expect(encoder).not.toMatch(/Buffer\.alloc\(/);
  });

  it("checksums record batches in native code, with the JavaScript table loop's result", () => {
    expect(readFileSync(kafkajsSource('protocol/recordBatch/crc32C/index.js'), 'utf8')).toContain('@node-rs/crc32');
    // The patch falls back to JavaScript without a word if the native package cannot load here.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    expect(typeof require('@node-rs/crc32').crc32c).toBe('function');
    const slab = randomBytes(64 * 1024);
    for (const [start, end] of [[0, 0], [0, 1], [3, 1_400], [17, 64 * 1024], [1, 9]]) {
      // Subarrays at odd offsets too: kafkajs checksums a slice of its encoder's buffer.
      const part = slab.subarray(start, end);
      expect(crc32C(part)).toBe(javascriptCrc32C(part));
    }
    expect(crc32C(Buffer.from('123456789'))).toBe(0xe3069283); // the CRC-32C check value
  });

  it('groups a batch by partition by pushing onto lists, keeping each partition in send order', () => {
    // The unpatched version copied a partition's list for every message (quadratic in a round).
    expect(readFileSync(kafkajsSource('producer/groupMessagesPerPartition.js'), 'utf8')).not.toContain('[...current, message]');
    const messages = Array.from({ length: 1_000 }, (_, n) => ({ key: `k${n}` }));
    const grouped = groupMessagesPerPartition({
      topic: 't',
      partitionMetadata: [{ partitionId: 0 }, { partitionId: 1 }],
      messages,
      partitioner: ({ message }: { message: { key: string } }) => Number(message.key.slice(1)) % 2,
    });
    expect(grouped[0].map((m) => m.key)).toEqual(messages.filter((_, n) => n % 2 === 0).map((m) => m.key));
    expect(grouped[1].map((m) => m.key)).toEqual(messages.filter((_, n) => n % 2 === 1).map((m) => m.key));
  });

  it("writes an uncompressed partition's record batch byte for byte as kafkajs did, in one pass", async () => {
    // The broker judges the wire format in every test that produces; this pins the bytes to
    // kafkajs's own encoder for any mix of keys, values and headers (strings, buffers, lists of
    // values, multi-byte text, null keys and values), sequence numbers and producer ids.
    const bytes = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)));
    const message = fc.record(
      {
        key: fc.oneof(fc.constant(null), bytes),
        value: fc.oneof(fc.constant(null), bytes, fc.uint8Array({ minLength: 100, maxLength: 20_000 }).map((a) => Buffer.from(a))),
        headers: fc.dictionary(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }), fc.oneof(bytes, fc.array(bytes, { minLength: 1, maxLength: 3 })), { maxKeys: 3 }),
      },
      { requiredKeys: ['key', 'value'] },
    );
    const now = jest.spyOn(Date, 'now').mockReturnValue(1_765_000_000_123);
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(message, { maxLength: 200 }),
          fc.integer({ min: 0, max: 2 ** 31 - 1 }),
          fc.option(fc.integer({ min: 0, max: 2 ** 31 - 1 })),
          fc.bigInt({ min: -1n, max: 2n ** 63n - 1n }),
          fc.integer({ min: 0, max: 32_767 }),
          fc.option(fc.constant('tx-1')),
          async (messages, partition, firstSequence, producerId, producerEpoch, transactionalId) => {
            const args = { partition, messages, transactionalId, firstSequence: firstSequence ?? undefined, producerId: Long.fromValue(producerId), producerEpoch };
            const expected = (await partitionEncoders.kafkajs(args)).buffer;
            expect((await partitionEncoders.uncompressed(args)).buffer.equals(expected)).toBe(true);
          },
        ),
        { numRuns: 300 },
      );
    } finally {
      now.mockRestore();
    }
  });
});
