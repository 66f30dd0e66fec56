import type { AvroSerde } from '@backbone/serde';
import { EventCodec, RegistryUnavailableError } from './event-codec';
import { exampleEvent } from './synthetic/synthetic-data';
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

describe('EventCodec reading only some fields', () => {
  const schemas = SchemaSet.load();
  const fullName = schemas.resolveEventType('DhoMeasurementRecorded')!;
  const event = exampleEvent(schemas, 'DhoMeasurementRecorded');
  const writer = schemas.bundle(fullName);
  // The record as a producer writes it: framed with schema id 4711, whose writer schema is this build's.
  const framed = Buffer.concat([record.subarray(0, 5), schemas.type(fullName).toBuffer(event)]);
  const keep = { [fullName]: ['envelope', 'observationId'], 'no.oslo.backbone.common.EventEnvelope': ['eventId', 'patientKey'] };

  it('reads the fields selected and skips the rest, whatever follows them', async () => {
    const codec = codecWhoseRegistry(() => Promise.resolve(writer));
    const whole = (await codec.decodeNamed(framed)).value as typeof event;
    const partial = await codec.decodeNamed(framed, keep);
    expect(partial.name).toBe(fullName);
    expect(partial.value).toEqual({ envelope: { eventId: whole.envelope.eventId, patientKey: whole.envelope.patientKey }, observationId: whole.observationId });
  });

  it('refuses a selection naming a field the record does not have, rather than reading it as missing', async () => {
    const codec = codecWhoseRegistry(() => Promise.resolve(writer));
    await expect(codec.decodeNamed(framed, { [fullName]: ['envelope', 'observationID'] })).rejects.toThrow(`${fullName} has no field observationID`);
  });
});
