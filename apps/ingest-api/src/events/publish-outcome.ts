import { problem, ProblemException } from '@backbone/platform';
import type { AcceptedItem, PublishOutcome } from '@backbone/publisher';

export interface AcceptedResponse {
  eventId: string;
  eventType: string;
  topic: string;
  status: 'accepted' | 'duplicate';
  acceptedAt: string;
}

const toResponse = ({ eventId, eventType, topic, status, acceptedAt }: AcceptedItem): AcceptedResponse => ({
  eventId,
  eventType,
  topic,
  status,
  acceptedAt,
});

/**
 * The HTTP answer to a publishing outcome: the accepted items, or the problem+json that names
 * what was wrong. `fieldPrefix` locates batch items (events.3.envelope...) or nothing for one event.
 */
export function responseFor(outcome: PublishOutcome, batch: boolean): AcceptedResponse[] {
  if (outcome.ok) return outcome.items.map(toResponse);
  const where = (index: number, field: string) => (batch ? `events.${index}.${field}` : field);
  switch (outcome.kind) {
    case 'invalid':
      throw new ProblemException(
        problem(422, 'validation-failed', 'The event does not satisfy its contract', {
          detail: `${outcome.errors.length} problem(s); nothing was accepted.`,
          errors: outcome.errors.map((e) => ({ field: where(e.index, e.field), rule: e.rule })),
        }),
      );
    case 'forbidden':
      throw new ProblemException(
        problem(403, 'publication-not-allowed', 'This client may not publish this', {
          detail: outcome.errors[0].rule,
          errors: outcome.errors.map((e) => ({ field: where(e.index, e.field), rule: e.rule })),
        }),
      );
    case 'conflict':
      throw new ProblemException(
        problem(409, 'event-id-conflict', 'An eventId was already used for a different event', {
          detail: 'eventId is the idempotency key: a retry must send the same event. Nothing was accepted.',
          eventIds: outcome.eventIds,
        }),
      );
    case 'backlog-full':
      throw new ProblemException(
        problem(503, 'backlog-full', 'Too many events are waiting for Kafka', {
          detail: `${outcome.backlog} events are waiting; nothing was accepted. Retry after ${outcome.retryAfterSeconds} s.`,
        }),
        { 'Retry-After': String(outcome.retryAfterSeconds) },
      );
  }
}
