import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Logger } from 'pino';
import { CurrentPrincipal, type Principal } from '@backbone/auth';
import { APP_CONFIG } from '@backbone/config';
import { FeedDelivery, newWebhookSecret, viewOf, WebhookStore, type SubscriberRegistry, type WebhookSubscription, type WebhookSubscriptionView } from '@backbone/delivery';
import { problem, ProblemException } from '@backbone/platform';
import type { DeliveryConfig } from '../delivery.config';
import { DELIVERY_LOGGER, SUBSCRIBER_REGISTRY } from '../delivery.tokens';
import { feedUnavailable, invalidParameters, subscriberFor, systemSubscriber } from '../subscriber-access';
import { parseSubscriptionRequest, seqFrom } from './subscription-request';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const notFound = () => new ProblemException(problem(404, 'subscription-not-found', 'No such subscription', { detail: 'There is no subscription with this id for this client.' }));

function validationFailed(errors: Array<{ field: string; rule: string }>): ProblemException {
  return new ProblemException(problem(422, 'validation-failed', 'The request breaks its rules', { detail: errors.map((e) => `${e.field} ${e.rule}`).join('; '), errors }));
}

/**
 * Webhook subscriptions, per recipient, owned by the client that made them: another client's
 * subscription answers 404 like one that does not exist. The signing secret is made here and shown
 * once, in the answer to the registration.
 */
@ApiTags('webhooks')
@ApiBearerAuth()
@Controller('subscriptions')
export class SubscriptionsController {
  constructor(
    private readonly store: WebhookStore,
    private readonly feed: FeedDelivery,
    @Inject(SUBSCRIBER_REGISTRY) private readonly registry: SubscriberRegistry,
    @Inject(APP_CONFIG) private readonly config: DeliveryConfig,
    @Inject(DELIVERY_LOGGER) private readonly logger: Logger,
  ) {}

  private async owned(id: string, principal: Principal): Promise<WebhookSubscription> {
    const client = systemSubscriber(principal);
    if (!UUID.test(id)) throw invalidParameters([{ field: 'id', rule: 'must be a subscription id (a UUID)' }]);
    const subscription = await this.store.get(id, client.clientId);
    if (!subscription) throw notFound();
    return subscription;
  }

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Register a webhook for a recipient', description: 'The answer carries the signing secret, once. Delivery starts at fromSeq (default: the start of the feed).' })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['recipient', 'url'],
      properties: {
        recipient: { type: 'string', example: 'org:958935420/poc:934567897' },
        url: { type: 'string', example: 'https://vendor.example/backbone-hooks' },
        content: { type: 'string', enum: ['id-only', 'full'] },
        fromSeq: { type: 'string', example: '1' },
      },
    },
  })
  @ApiResponse({ status: 201, description: 'Registered; `secret` is shown only here' })
  @ApiResponse({ status: 403, description: 'Not registered for this recipient or content level' })
  @ApiResponse({ status: 422, description: 'A field breaks its rule (errors[] names each)' })
  async create(@Body() body: unknown, @CurrentPrincipal() principal: Principal): Promise<WebhookSubscriptionView & { secret: string }> {
    const parsed = parseSubscriptionRequest(body, { allowHttp: this.config.WEBHOOK_ALLOW_HTTP, allowPrivateHosts: this.config.WEBHOOK_ALLOW_PRIVATE_HOSTS });
    if (!parsed.ok) throw validationFailed(parsed.errors);
    const { recipient, url, content, fromSeq } = parsed.request;
    const client = subscriberFor(principal, this.registry, recipient, content);
    const version = await this.feed.liveVersion();
    if (version === undefined) throw feedUnavailable();
    const secret = newWebhookSecret();
    const created = await this.store.create({ clientId: client.clientId, recipientKey: recipient, url, content, secret, start: { version, readSeq: fromSeq - 1n, deliveredSeq: null } }, new Date());
    this.logger.info({ subscription: created.id, client: client.clientId, recipient, content }, 'webhook subscription registered');
    return { ...viewOf(created), secret };
  }

  @Get()
  @ApiOperation({ summary: 'This client\'s webhook subscriptions' })
  async list(@CurrentPrincipal() principal: Principal): Promise<{ subscriptions: WebhookSubscriptionView[] }> {
    const client = systemSubscriber(principal);
    return { subscriptions: (await this.store.listOf(client.clientId)).map(viewOf) };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One subscription: where it stands, its failures and dead letters' })
  @ApiResponse({ status: 404, description: 'No such subscription for this client' })
  async get(@Param('id') id: string, @CurrentPrincipal() principal: Principal) {
    const subscription = await this.owned(id, principal);
    return { ...viewOf(subscription), deadLetters: await this.store.deadLettersOf(subscription.id, subscription.clientId) };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a subscription (nothing more is sent to it)' })
  async remove(@Param('id') id: string, @CurrentPrincipal() principal: Principal): Promise<void> {
    const subscription = await this.owned(id, principal);
    await this.store.delete(subscription.id, subscription.clientId);
  }

  @Post(':id/resend')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Deliver again from a feed number',
    description: 'The subscription starts again at fromSeq (and a dead-lettered one becomes active). The first entry then has previousSeq null: a new chain.',
  })
  @ApiBody({ schema: { type: 'object', required: ['fromSeq'], properties: { fromSeq: { type: 'string', example: '1' } } } })
  async resend(@Param('id') id: string, @Body() body: unknown, @CurrentPrincipal() principal: Principal): Promise<WebhookSubscriptionView> {
    const subscription = await this.owned(id, principal);
    const errors: Array<{ field: string; rule: string }> = [];
    const fromSeq = typeof body === 'object' && body !== null ? seqFrom((body as { fromSeq?: unknown }).fromSeq, 'fromSeq', errors) : seqFrom(undefined, 'fromSeq', errors);
    if (fromSeq === undefined) throw validationFailed(errors);
    // The client's rights may have changed since it registered.
    subscriberFor(principal, this.registry, subscription.recipientKey, subscription.content);
    const version = await this.feed.liveVersion();
    if (version === undefined) throw feedUnavailable();
    const updated = await this.store.resend(subscription.id, subscription.clientId, { version, readSeq: fromSeq - 1n, deliveredSeq: null }, new Date());
    if (!updated) throw notFound();
    this.logger.info({ subscription: subscription.id, fromSeq: fromSeq.toString() }, 'webhook resend requested');
    return viewOf(updated);
  }
}
