import { DynamicModule, Inject, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { loadPolicyTable } from '@backbone/access-control';
import { ACCESS_PROJECTION, AccessProjection, AccessTimeSweep, GOVERNANCE_TOPIC } from '@backbone/access-model';
import { AppConfigModule } from '@backbone/config';
import { EventCodec, loadTopicCatalog, provisionTopics, SchemaSet } from '@backbone/contracts';
import { KAFKA, KafkaModule } from '@backbone/messaging';
import { createLogger, LoggingModule, METRICS_REGISTRY, ObservabilityModule } from '@backbone/observability';
import { PersistenceModule, pgPoolOf } from '@backbone/persistence';
import { retryUntilDone } from '@backbone/platform';
import { ProjectionConsumer, ProjectionCounters } from '@backbone/projection';
import { AvroSerde, SerdeModule } from '@backbone/serde';
import type { AccessProjectorConfig } from './access-projector.config';

const PROJECTOR_CONFIG = Symbol('PROJECTOR_CONFIG');

/**
 * The access-control projector: governance topic → access model in PostgreSQL (facts per patient,
 * audience per patient and recipient), AccessChanged events through the outbox. Positions commit
 * with the rows (see ProjectionConsumer).
 */
@Module({})
export class AccessProjectorModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private stopping = false;

  private sweepTimer?: NodeJS.Timeout;
  private sweeping?: Promise<void>;

  constructor(
    private readonly consumer: ProjectionConsumer,
    private readonly sweep: AccessTimeSweep,
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(PROJECTOR_CONFIG) private readonly config: AccessProjectorConfig,
  ) {}

  static forRoot(config: AccessProjectorConfig): DynamicModule {
    const logger = createLogger('access-projector', config.LOG_LEVEL);
    return {
      module: AccessProjectorModule,
      imports: [
        AppConfigModule.forRoot(config),
        LoggingModule.forApp('access-projector', config.LOG_LEVEL),
        KafkaModule.forRoot(config, logger),
        SerdeModule.forRoot(config.SCHEMA_REGISTRY_URL),
        PersistenceModule.forRoot(config),
        ObservabilityModule.forApp({ app: 'access-projector', kafkaToken: KAFKA, registryUrl: config.SCHEMA_REGISTRY_URL }),
      ],
      providers: [
        { provide: PROJECTOR_CONFIG, useValue: config },
        { provide: EventCodec, useFactory: (serde: AvroSerde) => new EventCodec(SchemaSet.load(), serde), inject: [AvroSerde] },
        {
          provide: ProjectionCounters,
          useFactory: (registry: Registry) => new ProjectionCounters(registry),
          inject: [METRICS_REGISTRY],
        },
        {
          provide: AccessTimeSweep,
          useFactory: (dataSource: DataSource, codec: EventCodec) => new AccessTimeSweep(pgPoolOf(dataSource), codec, loadPolicyTable(config.ACCESS_POLICY_FILE)),
          inject: [DataSource, EventCodec],
        },
        {
          provide: ProjectionConsumer,
          useFactory: (dataSource: DataSource, kafka: Kafka, codec: EventCodec, counters: ProjectionCounters) =>
            new ProjectionConsumer(
              pgPoolOf(dataSource),
              kafka,
              new AccessProjection(codec, loadPolicyTable(config.ACCESS_POLICY_FILE)),
              codec,
              logger,
              {
                projection: ACCESS_PROJECTION,
                groupId: config.ACCESS_PROJECTOR_GROUP_ID,
                topics: [GOVERNANCE_TOPIC],
                chunkSize: config.ACCESS_PROJECTOR_CHUNK_SIZE,
                maxAttempts: config.ACCESS_PROJECTOR_MAX_ATTEMPTS,
                maxBackoffMs: 5_000,
                sessionTimeoutMs: config.ACCESS_PROJECTOR_SESSION_TIMEOUT_MS,
              },
              counters,
            ),
          inject: [DataSource, KAFKA, EventCodec, ProjectionCounters],
        },
      ],
    };
  }

  onApplicationBootstrap(): void {
    const logger = createLogger('access-projector', this.config.LOG_LEVEL);
    void retryUntilDone(
      'starting the access projection',
      async () => {
        await provisionTopics(this.kafka, loadTopicCatalog());
        await this.consumer.start();
      },
      logger,
      () => this.stopping,
    );
    const sweepAll = async () => {
      try {
        while (!this.stopping && (await this.sweep.sweepOnce()) > 0);
      } catch (error) {
        logger.warn({ err: (error as Error).message }, 'time sweep failed; next round retries');
      }
    };
    this.sweepTimer = setInterval(() => {
      this.sweeping ??= sweepAll().finally(() => (this.sweeping = undefined));
    }, this.config.ACCESS_SWEEP_INTERVAL_MS);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.sweepTimer);
    await this.sweeping;
    await this.consumer.stop();
  }
}
