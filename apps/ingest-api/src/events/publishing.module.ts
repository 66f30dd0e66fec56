import { Inject, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { EventCodec, EVENT_TYPES, loadTopicCatalog, provisionTopics, SchemaSet } from '@backbone/contracts';
import { APP_CONFIG } from '@backbone/config';
import { KAFKA } from '@backbone/messaging';
import { createLogger, METRICS_REGISTRY } from '@backbone/observability';
import { EventPublisher, loadPublisherRegistry, OutboxBacklog, OutboxRelay } from '@backbone/publisher';
import { AvroSerde } from '@backbone/serde';
import type { IngestApiConfig } from '../ingest-api.config';
import { EventsController } from './events.controller';
import { IngestMetrics } from './ingest.metrics';

const pgPool = (dataSource: DataSource) => (dataSource.driver as unknown as { master: Pool }).master;

/** Wires the publishing path: validation, authorisation, idempotency, the outbox and its relay. */
@Module({
  controllers: [EventsController],
  providers: [
    { provide: SchemaSet, useFactory: () => SchemaSet.load() },
    OutboxBacklog,
    {
      provide: IngestMetrics,
      useFactory: (registry: Registry, backlog: OutboxBacklog) => new IngestMetrics(registry, backlog),
      inject: [METRICS_REGISTRY, OutboxBacklog],
    },
    {
      provide: EventPublisher,
      useFactory: (config: IngestApiConfig, dataSource: DataSource, schemas: SchemaSet, serde: AvroSerde, backlog: OutboxBacklog) =>
        new EventPublisher(
          pgPool(dataSource),
          schemas,
          new EventCodec(schemas, serde),
          loadPublisherRegistry(config.PUBLISHERS_FILE, Object.keys(EVENT_TYPES)),
          backlog,
          {
            patientKeySecret: config.PATIENT_KEY_SECRET,
            allowSyntheticIdentifiers: config.ALLOW_SYNTHETIC_IDENTIFIERS,
            maxBacklog: config.OUTBOX_MAX_BACKLOG,
          },
        ),
      inject: [APP_CONFIG, DataSource, SchemaSet, AvroSerde, OutboxBacklog],
    },
    {
      provide: OutboxRelay,
      useFactory: (config: IngestApiConfig, dataSource: DataSource, kafka: Kafka, backlog: OutboxBacklog, metrics: IngestMetrics) =>
        new OutboxRelay(pgPool(dataSource), kafka, backlog, createLogger('outbox-relay', config.LOG_LEVEL), {
          batchSize: config.RELAY_BATCH_SIZE,
          idlePollMs: 250,
          maxBackoffMs: 5_000,
        }, metrics),
      inject: [APP_CONFIG, DataSource, KAFKA, OutboxBacklog, IngestMetrics],
    },
  ],
})
export class PublishingModule implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    private readonly publisher: EventPublisher,
    private readonly relay: OutboxRelay,
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(APP_CONFIG) private readonly config: IngestApiConfig,
  ) {
    this.logger = createLogger('publishing', config.LOG_LEVEL);
  }

  private readonly logger: Logger;

  private stopping = false;

  onApplicationBootstrap(): void {
    // Neither waits on the registry or Kafka: the app starts (live, not ready) while they are
    // down, and both steps retry until they succeed. Both are idempotent.
    void this.retry('registering schemas', () => this.publisher.warmUp());
    if (this.config.RELAY_ENABLED) {
      void this.retry('provisioning topics', () => provisionTopics(this.kafka, loadTopicCatalog())).then(() => {
        if (!this.stopping) this.relay.start();
      });
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.relay.stop();
  }

  private async retry(what: string, step: () => Promise<unknown>): Promise<void> {
    for (let delay = 500; !this.stopping; delay = Math.min(delay * 2, 10_000)) {
      try {
        await step();
        return;
      } catch (error) {
        this.logger.warn({ err: (error as Error).message, retryInMs: delay }, `${what} failed; retrying`);
        await new Promise((resolve) => setTimeout(resolve, delay).unref());
      }
    }
  }
}
