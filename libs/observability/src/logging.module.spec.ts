import { requestForLog } from './logging.module';

describe('requestForLog', () => {
  it('keeps the id, method and path, never the query string or an 11-digit run', () => {
    expect(requestForLog({ id: 7, method: 'GET', url: '/feed?recipient=02839602599&limit=5' })).toEqual({ id: 7, method: 'GET', url: '/feed' });
    expect(requestForLog({ id: 8, method: 'GET', url: '/patients/02839602599/summary' })).toEqual({ id: 8, method: 'GET', url: '/patients/[redacted]/summary' });
    expect(requestForLog({ method: 'POST', url: '/patients/summary' })).toEqual({ id: undefined, method: 'POST', url: '/patients/summary' });
  });
});
