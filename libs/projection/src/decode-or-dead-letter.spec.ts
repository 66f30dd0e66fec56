import { decodeOrDeadLetter, type IncomingMessage } from './projection-consumer';

const message: IncomingMessage = { topic: 't', partition: 0, offset: '7', key: null, value: Buffer.from('x'), headers: { eventId: 'e-1' } };

describe('decodeOrDeadLetter', () => {
  it('dead-letters a record the decoder refuses, with the reason', async () => {
    const read = await decodeOrDeadLetter(message, () => Promise.reject(new Error('bad magic byte')));
    expect(read).toEqual({ deadLetter: { message, reason: 'UNDECODABLE', detail: 'bad magic byte', eventId: 'e-1' } });
  });

  it('dead-letters a record without a value', async () => {
    const read = await decodeOrDeadLetter({ ...message, value: null }, () => Promise.resolve('never called'));
    expect(read).toMatchObject({ deadLetter: { reason: 'EMPTY_VALUE' } });
  });

  it('throws, and so retries the chunk, when a dependency of the decoder is down (never a dead letter)', async () => {
    const down = Object.assign(new Error('the schema registry could not be asked'), { transient: true });
    await expect(decodeOrDeadLetter(message, () => Promise.reject(down))).rejects.toBe(down);
  });
});
