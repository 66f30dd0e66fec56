import { parseFeedQuery } from './feed-query';

const RECIPIENT = 'org:993467049/poc:974589095/dept:4001031';

describe('parseFeedQuery', () => {
  it('defaults to id-only, 100 per page, from the start', () => {
    expect(parseFeedQuery({ recipient: RECIPIENT })).toEqual({ ok: true, query: { recipient: RECIPIENT, limit: 100, content: 'id-only' } });
  });

  it('takes the cursor, a limit and full content', () => {
    expect(parseFeedQuery({ recipient: RECIPIENT, cursor: 'abc', limit: '500', content: 'full' })).toEqual({ ok: true, query: { recipient: RECIPIENT, cursor: 'abc', limit: 500, content: 'full' } });
  });

  it('lets Last-Event-ID take the place of the cursor parameter (an EventSource reconnecting to the same URL)', () => {
    expect(parseFeedQuery({ recipient: RECIPIENT, cursor: 'old' }, 'newer')).toMatchObject({ ok: true, query: { cursor: 'newer' } });
  });

  it('names every bad parameter with its rule', () => {
    const result = parseFeedQuery({ recipient: "org:993467049' OR 1=1--", limit: '0', content: 'everything', since: '1' });
    expect(result).toEqual({
      ok: false,
      errors: expect.arrayContaining([
        { field: 'recipient', rule: expect.stringContaining('must be a recipient key') },
        { field: 'limit', rule: 'must be a whole number from 1 to 1000' },
        { field: 'content', rule: 'must be one of id-only, full' },
        { field: 'since', rule: expect.stringContaining('is not a parameter of this feed') },
      ]),
    });
  });

  it.each([
    ['missing', {}],
    ['an FNR where a recipient belongs', { recipient: '15868512218' }],
    ['repeated', { recipient: [RECIPIENT, RECIPIENT] }],
    ['a path traversal', { recipient: 'org:993467049/../../etc' }],
  ])('refuses a recipient that is %s', (_what, query) => {
    expect(parseFeedQuery(query as Record<string, unknown>)).toMatchObject({ ok: false, errors: [expect.objectContaining({ field: 'recipient' })] });
  });

  it.each(['-1', '1e3', '1001', 'ten', '10.5'])('refuses limit %s', (limit) => {
    expect(parseFeedQuery({ recipient: RECIPIENT, limit })).toMatchObject({ ok: false, errors: [{ field: 'limit' }] });
  });
});
