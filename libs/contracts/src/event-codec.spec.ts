import type { AvroSerde } from '@backbone/serde';
import { EventCodec, RegistryUnavailableError } from './event-codec';
import { SchemaSet } from './schema-set';

// A record framed with schema id 4711; the registry's answer for that id is what each test varies.
const record = Buffer.from([0, 0, 0, 0x12, 0x67, 1, 2, 3]);
const codecWhoseRegistry = (getSchema: () => Promise<unknown>) => new EventCodec(SchemaSet.load(), { registry: { getSchema } } as unknown as AvroSerde);

describe('EventCodec reading a record whose writer schema it must look up', () => {
  it('says the record is bad when the registry does not know the id (404)', async () => {
    const codec = codecWhoseRegistry(() => Promise.reject(Object.assign(new Error('Schema not found'), { status: 404 })));
    const failure = await codec.decodeNamed(record).catch((error: Error) => error);
    expect(failure).not.toBeInstanceOf(RegistryUnavailableError);
    expect((failure as Error).message).toBe('schema id 4711 is not in the registry');
  });

  it.each([
    ['a network failure', { status: 400, message: 'connect ECONNREFUSED 127.0.0.1:8081' }],
    ['a server error', { status: 503, message: 'Service Unavailable' }],
    ['no status at all', { message: 'socket hang up' }],
  ])('says the registry is unavailable (transient, to be retried) on %s, and asks again next time', async (_case, error) => {
    let calls = 0;
    const codec = codecWhoseRegistry(() => {
      calls += 1;
      return Promise.reject(Object.assign(new Error(error.message), error));
    });
    const failure = await codec.decodeNamed(record).catch((e: Error) => e);
    expect(failure).toBeInstanceOf(RegistryUnavailableError);
    expect(failure).toMatchObject({ transient: true });
    await codec.decodeNamed(record).catch(() => undefined);
    expect(calls).toBe(2);
  });
});
