import { ProblemException } from '@backbone/platform';
import { accessLogCursor, categoryFromPath, parseAccessLogQuery, parseCategoriesQuery, parseInboxQuery, parsePatientQuery } from './query-request';

const SYNTHETIC = { allowSyntheticIdentifiers: true };
const FNR = '15868512218'; // the examples' Tenor synthetic patient

/** The problem a parser throws: status and the fields it names. */
function problemOf(parse: () => unknown): { status: number; errors: Array<{ field: string; rule: string }> } {
  try {
    parse();
  } catch (error) {
    if (error instanceof ProblemException) return { status: error.problem.status, errors: error.problem.errors ?? [] };
    throw error;
  }
  throw new Error('expected a problem');
}

describe('parsePatientQuery', () => {
  it('reads the patient and the categories (each once)', () => {
    expect(parsePatientQuery({ patient: { system: 'FNR', value: FNR }, categories: ['LAB', 'LAB', 'DHO'] }, SYNTHETIC)).toEqual({ patient: { system: 'FNR', value: FNR }, categories: ['LAB', 'DHO'] });
    expect(parsePatientQuery({ patient: { system: 'FNR', value: FNR } }, SYNTHETIC)).toEqual({ patient: { system: 'FNR', value: FNR } });
  });

  it('names every failing field and its rule, unknown fields included', () => {
    expect(problemOf(() => parsePatientQuery({ patient: { system: 'SSN', value: '123' }, categories: ['LAB', 'x'], orderBy: 'name' }, SYNTHETIC))).toEqual({
      status: 422,
      errors: expect.arrayContaining([
        { field: 'patient.system', rule: 'must be one of FNR, DNR, HNR, FHN' },
        { field: 'patient.value', rule: 'must be 11 digits' },
        { field: 'categories.1', rule: expect.stringContaining('must be one of DOCUMENTS') },
        { field: 'orderBy', rule: 'is not a field of this request' },
      ]),
    });
    expect(problemOf(() => parsePatientQuery([], SYNTHETIC)).errors).toEqual([{ field: '(body)', rule: 'must be a JSON object' }]);
    expect(problemOf(() => parsePatientQuery({}, SYNTHETIC)).errors).toEqual([{ field: 'patient', rule: 'required: { system, value }' }]);
  });

  it('refuses a wrong check digit and, unless allowed, a synthetic number', () => {
    expect(problemOf(() => parsePatientQuery({ patient: { system: 'FNR', value: '15868512219' } }, SYNTHETIC)).errors[0]).toMatchObject({ field: 'patient.value', rule: expect.stringMatching(/^FNR: /) });
    expect(problemOf(() => parsePatientQuery({ patient: { system: 'FNR', value: FNR } }, { allowSyntheticIdentifiers: false })).status).toBe(422);
  });
});

describe('the other request shapes', () => {
  it('maps category path segments and refuses anything else with 400', () => {
    expect(categoryFromPath('critical-info')).toBe('CRITICAL_INFO');
    expect(categoryFromPath('lab')).toBe('LAB');
    expect(problemOf(() => categoryFromPath("lab' OR 1=1"))).toEqual({ status: 400, errors: [{ field: 'category', rule: expect.stringContaining('must be one of documents') }] });
  });

  it('reads inbox and category queries with their limits', () => {
    expect(parseInboxQuery(undefined)).toEqual({ limit: 50 });
    expect(parseInboxQuery({ since: '2026-11-28T10:00:00+01:00', limit: 10 })).toEqual({ since: new Date('2026-11-28T09:00:00Z'), limit: 10 });
    expect(problemOf(() => parseInboxQuery({ since: 'yesterday', limit: 1.5 })).errors.map((e) => e.field).sort()).toEqual(['limit', 'since']);
    expect(parseCategoriesQuery({})).toBeUndefined();
  });

  it("round-trips the access log's cursor and refuses a forged one naming `before`", () => {
    const next = { accessedAt: '2026-11-28T10:00:00.000Z', accessId: '0b7c1c52-4a55-4d6c-9d0a-54b3f1c0a001' };
    expect(parseAccessLogQuery({ before: accessLogCursor(next), limit: 5 }, SYNTHETIC)).toEqual({ before: next, limit: 5 });
    for (const before of ['not-a-cursor', Buffer.from('{"t":"x","id":"y"}').toString('base64url'), Buffer.from("{\"t\":\"2026-11-28T10:00:00Z\",\"id\":\"1'; DROP TABLE access_log;--\"}").toString('base64url')]) {
      expect(problemOf(() => parseAccessLogQuery({ before }, SYNTHETIC))).toEqual({ status: 400, errors: [{ field: 'before', rule: 'must be the `next` cursor of a previous page' }] });
    }
  });
});
