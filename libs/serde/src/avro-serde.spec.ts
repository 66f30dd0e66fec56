import { AvroSerde } from './avro-serde';

describe('AvroSerde.schemaIdOf', () => {
  it('reads the big-endian schema id after the magic byte', () => {
    expect(AvroSerde.schemaIdOf(Buffer.from([0, 0, 0, 1, 2, 42]))).toBe(258);
  });

  it('rejects a message without the Confluent magic byte', () => {
    expect(() => AvroSerde.schemaIdOf(Buffer.from([1, 0, 0, 0, 1]))).toThrow(/magic byte/);
    expect(() => AvroSerde.schemaIdOf(Buffer.from([0, 0]))).toThrow(/magic byte/);
  });
});
