import { DynamicModule, Inject, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { AppConfigModule } from '@backbone/config';
import { loadTopicCatalog, provisionTopics } from '@backbone/contracts';
import { KAFKA, KafkaModule } from '@backbone/messaging';
import { createLogger, LoggingModule, METRICS_REGISTRY, ObservabilityModule } from '@backbone/observability';
import { PersistenceModule, pgPoolOf } from '@backbone/persistence';
import { retryUntilDone } from '@backbone/platform';
import { OutboxBacklog, OutboxRelay } from '@backbone/publisher';
import type { OutboxRelayConfig } from './outbox-relay.config';
import { OutboxRelayMetrics } from './relay.metrics';

const RELAY_CONFIG = Symbol('RELAY_CONFIG');

/**
 * The outbox relay as its own process: it drains what ingest accepted to Kafka. One instance
 * publishes at a time (a PostgreSQL advisory lock); others wait as hot standbys.
 */
@Module({})
export class OutboxRelayModule implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    private readonly relay: OutboxRelay,
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(RELAY_CONFIG) private readonly config: OutboxRelayConfig,
  ) {}

  static forRoot(config: OutboxRelayConfig): DynamicModule {
    return {
      module: OutboxRelayModule,
      imports: [
        AppConfigModule.forRoot(config),
        LoggingModule.forApp('outbox-relay', config.LOG_LEVEL),
        KafkaModule.forRoot(config, createLogger('outbox-relay', config.LOG_LEVEL)),
        PersistenceModule.forRoot(config),
        ObservabilityModule.forApp({ app: 'outbox-relay', kafkaToken: KAFKA, registryUrl: config.SCHEMA_REGISTRY_URL }),
      ],
      providers: [
        { provide: RELAY_CONFIG, useValue: config },
        OutboxBacklog,
        {
          provide: OutboxRelayMetrics,
          useFactory: (registry: Registry, backlog: OutboxBacklog) => new OutboxRelayMetrics(registry, backlog),
          inject: [METRICS_REGISTRY, OutboxBacklog],
        },
        {
          provide: OutboxRelay,
          useFactory: (dataSource: DataSource, kafka: Kafka, backlog: OutboxBacklog, metrics: OutboxRelayMetrics) =>
            new OutboxRelay(
              pgPoolOf(dataSource),
              kafka,
              backlog,
              createLogger('outbox-relay', config.LOG_LEVEL),
              { batchSize: config.RELAY_BATCH_SIZE, idlePollMs: config.RELAY_IDLE_POLL_MS, maxBackoffMs: config.RELAY_MAX_BACKOFF_MS },
              metrics,
            ),
          inject: [DataSource, KAFKA, OutboxBacklog, OutboxRelayMetrics],
        },
      ],
    };
  }

  private stopping = false;

  onApplicationBootstrap(): void {
    // Topics first (idempotent), retried while Kafka is down; then the relay starts.
    const logger = createLogger('outbox-relay', this.config.LOG_LEVEL);
    void retryUntilDone('provisioning topics', () => provisionTopics(this.kafka, loadTopicCatalog()), logger, () => this.stopping).then(
      (done) => done && this.relay.start(),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.relay.stop();
  }
}
