import { ProblemException } from '@backbone/platform';
import type { PublishOutcome } from '@backbone/publisher';
import { responseFor } from './publish-outcome';

const problemOf = (outcome: PublishOutcome, batch: boolean) => {
  try {
    responseFor(outcome, batch);
  } catch (error) {
    return error as ProblemException;
  }
  throw new Error('expected a problem');
};

describe('responseFor: publishing outcomes as HTTP answers', () => {
  it('answers a full backlog with 503 and Retry-After', () => {
    const error = problemOf({ ok: false, kind: 'backlog-full', backlog: 500_000, retryAfterSeconds: 12 }, false);
    expect(error.problem).toMatchObject({ status: 503, type: '/problems/backlog-full' });
    expect(error.headers).toEqual({ 'Retry-After': '12' });
  });

  it('answers a reused eventId with 409 naming the ids', () => {
    const error = problemOf({ ok: false, kind: 'conflict', eventIds: ['a', 'b'] }, false);
    expect(error.problem).toMatchObject({ status: 409, type: '/problems/event-id-conflict', eventIds: ['a', 'b'] });
  });

  it('locates validation errors inside a batch, and not for a single event', () => {
    const outcome: PublishOutcome = { ok: false, kind: 'invalid', errors: [{ index: 3, field: 'envelope.eventId', rule: 'expected a UUID' }] };
    expect(problemOf(outcome, true).problem.errors).toEqual([{ field: 'events.3.envelope.eventId', rule: 'expected a UUID' }]);
    expect(problemOf(outcome, false).problem.errors).toEqual([{ field: 'envelope.eventId', rule: 'expected a UUID' }]);
  });

  it('answers a forbidden publication with 403 and its reason', () => {
    const error = problemOf({ ok: false, kind: 'forbidden', errors: [{ index: 0, field: 'envelope.custodian.orgNumber', rule: 'not yours' }] }, false);
    expect(error.problem).toMatchObject({ status: 403, detail: 'not yours' });
  });

  it('returns the accepted items without internal fields', () => {
    const items = responseFor(
      { ok: true, items: [{ index: 0, eventId: 'e', eventType: 'DataBlocked', topic: 't', status: 'accepted', acceptedAt: 'x' }] },
      false,
    );
    expect(items).toEqual([{ eventId: 'e', eventType: 'DataBlocked', topic: 't', status: 'accepted', acceptedAt: 'x' }]);
  });
});
