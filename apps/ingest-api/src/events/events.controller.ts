import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Principal } from '@backbone/auth';
import { APP_CONFIG } from '@backbone/config';
import { problem, ProblemException } from '@backbone/platform';
import { EventPublisher, PublishOutcome } from '@backbone/publisher';
import type { IngestApiConfig } from '../ingest-api.config';
import { PUBLISH_SCOPE } from '../ingest-api.config';
import { IngestMetrics } from './ingest.metrics';
import { AcceptedResponse, responseFor } from './publish-outcome';

const EVENT_BODY = {
  type: 'object',
  description:
    'One event as JSON, shaped by its Avro schema (docs/events/catalog.md): envelope.eventType names the type. ' +
    'Timestamps are ISO-8601 with a zone, decimals are strings, optional fields may be omitted. envelope.patientKey is set by the backbone.',
};

const PROBLEMS = {
  401: 'Missing or invalid bearer token (problem+json, reason names the failure)',
  403: 'The client lacks the publish scope, or may not publish this event type or custodian',
  409: 'An eventId was already used for a different event',
  413: 'Body too large',
  422: 'The event breaks its contract; errors[] names each field and rule',
  503: 'Too many events waiting for Kafka; retry after Retry-After seconds',
};

/** The publishing API for source systems. A 202 means durable: the event will reach Kafka. */
@ApiTags('publishing')
@ApiBearerAuth()
@Controller('events')
export class EventsController {
  constructor(
    private readonly publisher: EventPublisher,
    private readonly metrics: IngestMetrics,
    @Inject(APP_CONFIG) private readonly config: IngestApiConfig,
  ) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({ summary: 'Publish one event', description: 'Idempotent on envelope.eventId: a retry returns the first result (status "duplicate").' })
  @ApiBody({ schema: EVENT_BODY })
  @ApiResponse({ status: 202, description: 'Accepted and durable' })
  @ApiResponse({ status: 401, description: PROBLEMS[401] })
  @ApiResponse({ status: 403, description: PROBLEMS[403] })
  @ApiResponse({ status: 409, description: PROBLEMS[409] })
  @ApiResponse({ status: 413, description: PROBLEMS[413] })
  @ApiResponse({ status: 422, description: PROBLEMS[422] })
  @ApiResponse({ status: 503, description: PROBLEMS[503] })
  async publishOne(@Body() body: unknown, @CurrentPrincipal() principal: Principal): Promise<AcceptedResponse> {
    const [accepted] = await this.publish([body], principal, false);
    return accepted;
  }

  @Post('batch')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Publish a batch of events, all or nothing',
    description: 'Either every event is accepted (or recognised as a duplicate) or none is, with every problem listed.',
  })
  @ApiBody({ schema: { type: 'object', required: ['events'], properties: { events: { type: 'array', items: EVENT_BODY } } } })
  @ApiResponse({ status: 202, description: 'All accepted and durable' })
  @ApiResponse({ status: 422, description: PROBLEMS[422] })
  async publishBatch(@Body() body: unknown, @CurrentPrincipal() principal: Principal): Promise<{ items: AcceptedResponse[] }> {
    const events = (body as { events?: unknown } | null)?.events;
    const max = this.config.INGEST_MAX_BATCH;
    if (!Array.isArray(events) || events.length === 0 || events.length > max) {
      throw new ProblemException(
        problem(422, 'validation-failed', 'The batch is malformed', { errors: [{ field: 'events', rule: `expected an array of 1 to ${max} events` }] }),
      );
    }
    return { items: await this.publish(events, principal, true) };
  }

  private async publish(events: unknown[], principal: Principal, batch: boolean): Promise<AcceptedResponse[]> {
    const clientId = principal.clientId;
    if (!clientId || !principal.scopes.includes(PUBLISH_SCOPE)) {
      this.metrics.rejectedEvents(events.map(typeOf), 'forbidden');
      throw new ProblemException(
        problem(403, 'publication-not-allowed', 'This token may not publish', { detail: `publishing needs a client token with scope ${PUBLISH_SCOPE}` }),
      );
    }
    const outcome: PublishOutcome = await this.publisher.publish(events, clientId);
    if (outcome.ok) this.metrics.acceptedEvents(outcome.items.filter((i) => i.status === 'accepted').map((i) => i.eventType));
    else this.metrics.rejectedEvents(events.map(typeOf), outcome.kind);
    return responseFor(outcome, batch);
  }
}

function typeOf(event: unknown): string {
  const type = (event as { envelope?: { eventType?: unknown } } | null)?.envelope?.eventType;
  return typeof type === 'string' && /^[A-Za-z]{1,64}$/.test(type) ? type : 'unknown';
}
