import { parseSubscriptionRequest } from './subscription-request';

const RECIPIENT = 'org:958935420/poc:934567897';

describe('parseSubscriptionRequest', () => {
  it('defaults to id-only from the start of the feed', () => {
    expect(parseSubscriptionRequest({ recipient: RECIPIENT, url: 'https://vendor.example/hooks' }, false)).toEqual({
      ok: true,
      request: { recipient: RECIPIENT, url: 'https://vendor.example/hooks', content: 'id-only', fromSeq: 1n },
    });
  });

  it('takes full content and a feed number to start from', () => {
    expect(parseSubscriptionRequest({ recipient: RECIPIENT, url: 'https://v.example/h', content: 'full', fromSeq: '42' }, false)).toMatchObject({ ok: true, request: { content: 'full', fromSeq: 42n } });
  });

  it('names every bad field', () => {
    const result = parseSubscriptionRequest({ recipient: '15868512218', url: 'http://vendor.example/hooks', content: 'all', fromSeq: -1, secret: 'mine' }, false);
    expect(result).toEqual({
      ok: false,
      errors: expect.arrayContaining([
        { field: 'recipient', rule: expect.stringContaining('must be a recipient key') },
        { field: 'url', rule: expect.stringContaining('https URL') },
        { field: 'content', rule: 'must be one of id-only, full' },
        { field: 'fromSeq', rule: expect.stringContaining('feed number') },
        { field: 'secret', rule: expect.stringContaining('is not a field') },
      ]),
    });
  });

  it.each(['https://user:pw@vendor.example/h', 'https://vendor.example/h#x', 'ftp://vendor.example/h', 'javascript:alert(1)', 'not a url'])('refuses the endpoint %s', (url) => {
    expect(parseSubscriptionRequest({ recipient: RECIPIENT, url }, true)).toMatchObject({ ok: false, errors: [{ field: 'url' }] });
  });

  it('allows plain http only where configured (development)', () => {
    expect(parseSubscriptionRequest({ recipient: RECIPIENT, url: 'http://127.0.0.1:9999/h' }, true)).toMatchObject({ ok: true });
  });

  it('refuses a body that is not an object', () => {
    expect(parseSubscriptionRequest([1], false)).toEqual({ ok: false, errors: [{ field: '(body)', rule: 'must be a JSON object' }] });
  });
});
