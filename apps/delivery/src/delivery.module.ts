import { DynamicModule, Inject, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Pool } from 'pg';
import type { Registry } from 'prom-client';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { loadPolicyTable, type PolicyTable } from '@backbone/access-control';
import { AccessModelReader } from '@backbone/access-model';
import { AuditTrail, auditOperatorOf } from '@backbone/audit';
import { AuthModule, authModuleOptions } from '@backbone/auth';
import { AppConfigModule } from '@backbone/config';
import { EventCodec, SchemaSet } from '@backbone/contracts';
import { FeedDelivery, fetchSender, loadSubscriberRegistry, WebhookDispatcher, WebhookStore, type SubscriberRegistry } from '@backbone/delivery';
import { KAFKA, KafkaModule } from '@backbone/messaging';
import { createLogger, LoggingModule, METRICS_REGISTRY, ObservabilityModule } from '@backbone/observability';
import { PersistenceModule, pgPoolOf } from '@backbone/persistence';
import { StoredEvents } from '@backbone/recipient-model';
import { retryUntilDone } from '@backbone/platform';
import { AvroSerde, SerdeModule } from '@backbone/serde';
import { WEBHOOK_LEADER_LOCK, type DeliveryConfig } from './delivery.config';
import { DeliveryMetrics } from './delivery.metrics';
import { DELIVERY_LOGGER, POOL, SUBSCRIBER_REGISTRY } from './delivery.tokens';
import { FeedController } from './feed/feed.controller';
import { SubscriptionsController } from './webhooks/subscriptions.controller';

const DELIVERY_CONFIG = Symbol('DELIVERY_CONFIG');
const POLICY_TABLE = Symbol('POLICY_TABLE');

/** Delivery to downstream systems: the per-recipient feed (pull, SSE) and webhooks, each re-checked and audited. */
@Module({})
export class DeliveryModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private stopping = false;

  constructor(
    private readonly access: AccessModelReader,
    private readonly audit: AuditTrail,
    private readonly dispatcher: WebhookDispatcher,
    @Inject(DELIVERY_CONFIG) private readonly config: DeliveryConfig,
    @Inject(DELIVERY_LOGGER) private readonly logger: Logger,
  ) {}

  static forRoot(config: DeliveryConfig): DynamicModule {
    const logger = createLogger('delivery', config.LOG_LEVEL);
    return {
      module: DeliveryModule,
      imports: [
        AppConfigModule.forRoot(config),
        LoggingModule.forApp('delivery', config.LOG_LEVEL),
        // Kafka only for the readiness check: audit records reach Kafka through the outbox relay.
        KafkaModule.forRoot(config, logger),
        SerdeModule.forRoot(config.SCHEMA_REGISTRY_URL),
        PersistenceModule.forRoot(config),
        AuthModule.forRoot(authModuleOptions(config)),
        ObservabilityModule.forApp({ app: 'delivery', kafkaToken: KAFKA, registryUrl: config.SCHEMA_REGISTRY_URL }),
      ],
      controllers: [FeedController, SubscriptionsController],
      providers: [
        { provide: DELIVERY_CONFIG, useValue: config },
        { provide: DELIVERY_LOGGER, useValue: logger },
        { provide: SUBSCRIBER_REGISTRY, useFactory: () => loadSubscriberRegistry(config.SUBSCRIBERS_FILE) },
        { provide: POLICY_TABLE, useFactory: () => loadPolicyTable(config.ACCESS_POLICY_FILE) },
        { provide: POOL, useFactory: (dataSource: DataSource) => pgPoolOf(dataSource), inject: [DataSource] },
        { provide: AccessModelReader, useFactory: (pool: Pool, table: PolicyTable) => new AccessModelReader(pool, table), inject: [POOL, POLICY_TABLE] },
        { provide: EventCodec, useFactory: (serde: AvroSerde) => new EventCodec(SchemaSet.load(), serde), inject: [AvroSerde] },
        {
          provide: AuditTrail,
          useFactory: (pool: Pool, codec: EventCodec, registry: Registry) =>
            new AuditTrail(pool, codec, auditOperatorOf(config, 'oslo-backbone-delivery'), { metrics: registry }),
          inject: [POOL, EventCodec, METRICS_REGISTRY],
        },
        { provide: DeliveryMetrics, useFactory: (registry: Registry) => new DeliveryMetrics(registry), inject: [METRICS_REGISTRY] },
        {
          provide: FeedDelivery,
          useFactory: (pool: Pool, access: AccessModelReader, table: PolicyTable, audit: AuditTrail, codec: EventCodec, metrics: DeliveryMetrics) =>
            new FeedDelivery(pool, access, table, audit, new StoredEvents(codec), undefined, undefined, metrics),
          inject: [POOL, AccessModelReader, POLICY_TABLE, AuditTrail, EventCodec, DeliveryMetrics],
        },
        { provide: WebhookStore, useFactory: (pool: Pool) => new WebhookStore(pool), inject: [POOL] },
        {
          provide: WebhookDispatcher,
          useFactory: (pool: Pool, store: WebhookStore, feed: FeedDelivery, registry: SubscriberRegistry, metrics: DeliveryMetrics) =>
            new WebhookDispatcher(pool, store, feed, registry, fetchSender, logger, {
              batchSize: config.WEBHOOK_BATCH_SIZE,
              requestTimeoutMs: config.WEBHOOK_REQUEST_TIMEOUT_MS,
              maxInFlight: config.WEBHOOK_MAX_IN_FLIGHT,
              pollMs: config.WEBHOOK_POLL_MS,
              idleRecheckMs: config.WEBHOOK_IDLE_RECHECK_MS,
              retry: {
                baseDelayMs: config.WEBHOOK_RETRY_BASE_MS,
                maxDelayMs: config.WEBHOOK_RETRY_MAX_MS,
                deadLetterAfterMs: config.WEBHOOK_DEAD_LETTER_AFTER_MS,
                deadLetterAfterAttempts: config.WEBHOOK_DEAD_LETTER_AFTER_ATTEMPTS,
              },
              leaderLockKey: WEBHOOK_LEADER_LOCK,
            }, undefined, undefined, metrics),
          inject: [POOL, WebhookStore, FeedDelivery, SUBSCRIBER_REGISTRY, DeliveryMetrics],
        },
      ],
    };
  }

  onApplicationBootstrap(): void {
    // The access model is read whole once at start (later pages read only what changed), and the
    // audit schema registered, so the first deliveries do not pay for either.
    void retryUntilDone(
      'warming up the access model and the audit schema',
      async () => {
        await this.access.refresh();
        await this.audit.warmUp();
        if (this.config.WEBHOOK_DISPATCHER && !this.stopping) this.dispatcher.start();
      },
      this.logger,
      () => this.stopping,
    );
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.dispatcher.stop();
  }
}
