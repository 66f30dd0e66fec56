import { isPrivateHost, parseSubscriptionRequest } from './subscription-request';

const PRODUCTION = { allowHttp: false, allowPrivateHosts: false };
const DEVELOPMENT = { allowHttp: true, allowPrivateHosts: true };

const RECIPIENT = 'org:958935420/poc:934567897';

describe('parseSubscriptionRequest', () => {
  it('defaults to id-only from the start of the feed', () => {
    expect(parseSubscriptionRequest({ recipient: RECIPIENT, url: 'https://vendor.example/hooks' }, PRODUCTION)).toEqual({
      ok: true,
      request: { recipient: RECIPIENT, url: 'https://vendor.example/hooks', content: 'id-only', fromSeq: 1n },
    });
  });

  it('takes full content and a feed number to start from', () => {
    expect(parseSubscriptionRequest({ recipient: RECIPIENT, url: 'https://v.example/h', content: 'full', fromSeq: '42' }, PRODUCTION)).toMatchObject({ ok: true, request: { content: 'full', fromSeq: 42n } });
  });

  it('names every bad field', () => {
    const result = parseSubscriptionRequest({ recipient: '15868512218', url: 'http://vendor.example/hooks', content: 'all', fromSeq: -1, secret: 'mine' }, PRODUCTION);
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
    expect(parseSubscriptionRequest({ recipient: RECIPIENT, url }, DEVELOPMENT)).toMatchObject({ ok: false, errors: [{ field: 'url' }] });
  });

  it('allows plain http only where configured (development)', () => {
    expect(parseSubscriptionRequest({ recipient: RECIPIENT, url: 'http://127.0.0.1:9999/h' }, DEVELOPMENT)).toMatchObject({ ok: true });
  });

  it('refuses a body that is not an object', () => {
    expect(parseSubscriptionRequest([1], PRODUCTION)).toEqual({ ok: false, errors: [{ field: '(body)', rule: 'must be a JSON object' }] });
  });

  it.each(['https://127.0.0.1/h', 'https://localhost/h', 'https://169.254.169.254/latest/meta-data', 'https://10.1.2.3/h', 'https://192.168.0.5/h', 'https://[::1]/h', 'https://[::ffff:127.0.0.1]/h', 'https://[fd00::1]/h', 'https://db.internal/h'])(
    'refuses the internal endpoint %s in production',
    (url) => {
      expect(parseSubscriptionRequest({ recipient: RECIPIENT, url }, PRODUCTION)).toEqual({ ok: false, errors: [{ field: 'url', rule: 'must not point at a loopback, private, link-local or internal host' }] });
    },
  );

  it('treats public hosts as public', () => {
    expect(['vendor.example', '8.8.8.8', '172.32.0.1', '2001:db8::1'].map(isPrivateHost)).toEqual([false, false, false, false]);
  });
});
