import { StoredEvents } from './stored-event';

/** A codec port that "decodes" a framed value by looking up its body (the real one is in the int tests). */
function codecOf(values: Map<string, unknown>) {
  const decoded: Buffer[] = [];
  return {
    decoded,
    decodeNamed: async (message: Buffer) => {
      decoded.push(message);
      return { name: 'no.oslo.backbone.clinical.DocumentPublished', value: values.get(message.subarray(5).toString()) };
    },
  };
}

const framed = (body: string) => Buffer.concat([Buffer.from([0, 0, 0, 0, 7]), Buffer.from(body)]);
const event = { envelope: { eventId: 'e1', occurredAt: new Date('2026-11-20T09:00:00.000Z'), patient: { system: 'FNR', value: '13116900216' } }, document: { title: 'Epikrise' } };

describe('StoredEvents', () => {
  it('renders an Avro event through the codec, timestamps as ISO-8601 text', async () => {
    const codec = codecOf(new Map([['doc', event]]));
    const events = new StoredEvents(codec);
    expect(JSON.parse(await events.json(framed('doc')))).toEqual({ ...event, envelope: { ...event.envelope, occurredAt: '2026-11-20T09:00:00.000Z' } });
    expect(((await events.value(framed('doc'))) as { document: { title: string } }).document.title).toBe('Epikrise');
    expect((await events.read(framed('doc'))).patient).toEqual({ system: 'FNR', value: '13116900216' });
    expect(codec.decoded).toHaveLength(3);
  });

  it('gives the event and whose it is from one decoding', async () => {
    const codec = codecOf(new Map([['doc', event]]));
    const { patient, event: read } = await new StoredEvents(codec).read(framed('doc'));
    expect(patient).toEqual({ system: 'FNR', value: '13116900216' });
    expect(JSON.stringify(read)).toBe(JSON.stringify(event));
    expect(codec.decoded).toHaveLength(1);
  });

  it('reads a row stored as JSON text before the migration without the codec', async () => {
    const codec = codecOf(new Map());
    const events = new StoredEvents(codec);
    const legacy = Buffer.from(JSON.stringify({ ...event, document: { title: 'Gammel «epikrise»' } }));
    expect(JSON.parse(await events.json(legacy)).document.title).toBe('Gammel «epikrise»');
    expect((await events.read(legacy)).patient).toEqual({ system: 'FNR', value: '13116900216' });
    expect(codec.decoded).toHaveLength(0);
  });

  it('gives only the identifier of the patient, nothing else of the envelope', async () => {
    const events = new StoredEvents(codecOf(new Map([['x', { envelope: { patient: { system: 'DNR', value: '53116900216', extra: 'not copied' } } }]])));
    expect((await events.read(framed('x'))).patient).toEqual({ system: 'DNR', value: '53116900216' });
  });
});
