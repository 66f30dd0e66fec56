import fc from 'fast-check';
import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { KeyHashPartitioner, murmur2 } from './key-partitioner';

// kafkajs's own murmur2 (Long arithmetic), the reference our 32-bit version must equal.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const kafkajsMurmur2: (key: string | Buffer) => number = require('kafkajs/src/producer/partitioners/default/murmur2');

const partitions = (count: number): PartitionMetadata[] =>
  Array.from({ length: count }, (_, partitionId) => ({ partitionId, leader: 1, replicas: [1], isr: [1], partitionErrorCode: 0, offlineReplicas: [] }));

describe('murmur2', () => {
  it("equals kafkajs's (the Java client's) for any bytes, every tail length included", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        expect(murmur2(bytes)).toBe(kafkajsMurmur2(Buffer.from(bytes)));
      }),
      { numRuns: 2_000 },
    );
  });

  it('matches a value the Java client is known to give', () => {
    // Kafka's UtilsTest: murmur2("21") is -973932308.
    expect(murmur2(Buffer.from('21'))).toBe(-973932308);
  });
});

describe('KeyHashPartitioner', () => {
  const ours = KeyHashPartitioner();
  const theirs = Partitioners.DefaultPartitioner();

  it("puts every keyed message on kafkajs's DefaultPartitioner's partition", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'grapheme', maxLength: 60 }), fc.base64String({ maxLength: 60 })), fc.integer({ min: 1, max: 64 }), (key, count) => {
        const args = { topic: 't', partitionMetadata: partitions(count), message: { key, value: null } };
        expect(ours(args)).toBe(theirs(args));
      }),
      { numRuns: 2_000 },
    );
  });

  it('hashes Buffer keys as their bytes, longer keys than its scratch space included', () => {
    const key = Buffer.from('ø'.repeat(400));
    const args = { topic: 't', partitionMetadata: partitions(6), message: { key, value: null } };
    expect(ours(args)).toBe(theirs(args));
    expect(ours({ ...args, message: { key: key.toString(), value: null } })).toBe(theirs(args));
  });

  it('keeps an explicit partition, and spreads unkeyed messages over the partitions', () => {
    expect(ours({ topic: 't', partitionMetadata: partitions(6), message: { key: 'k', partition: 4, value: null } })).toBe(4);
    const seen = new Set(Array.from({ length: 60 }, () => ours({ topic: 't', partitionMetadata: partitions(6), message: { value: null } })));
    expect(seen.size).toBeGreaterThan(1);
  });
});
