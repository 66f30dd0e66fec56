import { Inject, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { EventCodec, EVENT_TYPES, SchemaSet } from '@backbone/contracts';
import { APP_CONFIG } from '@backbone/config';
import { retryUntilDone } from '@backbone/platform';
import { createLogger, METRICS_REGISTRY } from '@backbone/observability';
import { pgPoolOf } from '@backbone/persistence';
import { EventPublisher, loadPublisherRegistry, OutboxBacklog, OutboxBacklogMonitor } from '@backbone/publisher';
import { AvroSerde } from '@backbone/serde';
import type { IngestApiConfig } from '../ingest-api.config';
import { EventsController } from './events.controller';
import { IngestMetrics } from './ingest.metrics';


/**
 * Wires the publishing path: validation, authorisation, idempotency and the outbox. The relay that
 * drains the outbox to Kafka is its own app (apps/outbox-relay), so it never competes with
 * requests for this process's one thread.
 */
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
          pgPoolOf(dataSource),
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
      provide: OutboxBacklogMonitor,
      useFactory: (dataSource: DataSource, backlog: OutboxBacklog) => new OutboxBacklogMonitor(pgPoolOf(dataSource), backlog),
      inject: [DataSource, OutboxBacklog],
    },
  ],
})
export class PublishingModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private stopping = false;
  private readonly logger: Logger;

  constructor(
    private readonly publisher: EventPublisher,
    private readonly monitor: OutboxBacklogMonitor,
    @Inject(APP_CONFIG) config: IngestApiConfig,
  ) {
    this.logger = createLogger('publishing', config.LOG_LEVEL);
  }

  onApplicationBootstrap(): void {
    this.monitor.start();
    // Does not wait on the registry: the app starts (live, not ready) while it is down.
    void retryUntilDone('registering schemas', () => this.publisher.warmUp(), this.logger, () => this.stopping);
  }

  onApplicationShutdown(): void {
    this.stopping = true;
    this.monitor.stop();
  }
}
