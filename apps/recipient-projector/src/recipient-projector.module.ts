import { DynamicModule, Inject, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { loadPolicyTable } from '@backbone/access-control';
import { AccessModelReader } from '@backbone/access-model';
import { AppConfigModule } from '@backbone/config';
import { EventCodec, loadTopicCatalog, provisionTopics, SchemaSet } from '@backbone/contracts';
import { KAFKA, KafkaModule } from '@backbone/messaging';
import { createLogger, LoggingModule, METRICS_REGISTRY, ObservabilityModule } from '@backbone/observability';
import { PersistenceModule, pgPoolOf } from '@backbone/persistence';
import { retryUntilDone } from '@backbone/platform';
import { ProjectionConsumer, ProjectionCounters, registerProjectionVersion } from '@backbone/projection';
import { createRecipientModelTables, RECIPIENT_MODEL, RECIPIENT_TOPICS, RecipientProjection, recipientModelTables } from '@backbone/recipient-model';
import { AvroSerde, SerdeModule } from '@backbone/serde';
import type { RecipientProjectorConfig } from './recipient-projector.config';

const PROJECTOR_CONFIG = Symbol('PROJECTOR_CONFIG');

/**
 * The recipient projector: clinical topics and access changes → the patient store and the
 * per-recipient read models in PostgreSQL, positions committed with the rows.
 */
@Module({})
export class RecipientProjectorModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private stopping = false;

  constructor(
    private readonly consumer: ProjectionConsumer,
    @Inject(KAFKA) private readonly kafka: Kafka,
    private readonly dataSource: DataSource,
    @Inject(PROJECTOR_CONFIG) private readonly config: RecipientProjectorConfig,
  ) {}

  static forRoot(config: RecipientProjectorConfig): DynamicModule {
    const logger = createLogger('recipient-projector', config.LOG_LEVEL);
    return {
      module: RecipientProjectorModule,
      imports: [
        AppConfigModule.forRoot(config),
        LoggingModule.forApp('recipient-projector', config.LOG_LEVEL),
        KafkaModule.forRoot(config, logger),
        SerdeModule.forRoot(config.SCHEMA_REGISTRY_URL),
        PersistenceModule.forRoot(config),
        ObservabilityModule.forApp({ app: 'recipient-projector', kafkaToken: KAFKA, registryUrl: config.SCHEMA_REGISTRY_URL }),
      ],
      providers: [
        { provide: PROJECTOR_CONFIG, useValue: config },
        { provide: EventCodec, useFactory: (serde: AvroSerde) => new EventCodec(SchemaSet.load(), serde), inject: [AvroSerde] },
        { provide: ProjectionCounters, useFactory: (registry: Registry) => new ProjectionCounters(registry), inject: [METRICS_REGISTRY] },
        {
          provide: ProjectionConsumer,
          useFactory: (dataSource: DataSource, kafka: Kafka, codec: EventCodec, counters: ProjectionCounters) =>
            new ProjectionConsumer(
              pgPoolOf(dataSource),
              kafka,
              new RecipientProjection(codec, new AccessModelReader(pgPoolOf(dataSource), loadPolicyTable(config.ACCESS_POLICY_FILE)), recipientModelTables(config.RECIPIENT_MODEL_VERSION)),
              codec,
              logger,
              {
                projection: recipientModelTables(config.RECIPIENT_MODEL_VERSION).projection,
                groupId: config.RECIPIENT_PROJECTOR_GROUP_ID ?? `recipient-projector.${recipientModelTables(config.RECIPIENT_MODEL_VERSION).projection}`,
                topics: RECIPIENT_TOPICS,
                chunkSize: config.RECIPIENT_PROJECTOR_CHUNK_SIZE,
                maxAttempts: config.RECIPIENT_PROJECTOR_MAX_ATTEMPTS,
                maxBackoffMs: 5_000,
                sessionTimeoutMs: config.RECIPIENT_PROJECTOR_SESSION_TIMEOUT_MS,
                concurrentChunks: config.RECIPIENT_PROJECTOR_CONCURRENT_CHUNKS,
              },
              counters,
            ),
          inject: [DataSource, KAFKA, EventCodec, ProjectionCounters],
        },
      ],
    };
  }

  onApplicationBootstrap(): void {
    const logger = createLogger('recipient-projector', this.config.LOG_LEVEL);
    void retryUntilDone(
      'starting the recipient projection',
      async () => {
        await provisionTopics(this.kafka, loadTopicCatalog());
        const pool = pgPoolOf(this.dataSource);
        const tables = await createRecipientModelTables(pool, this.config.RECIPIENT_MODEL_VERSION);
        const version = await registerProjectionVersion(pool, RECIPIENT_MODEL, tables.version);
        if (version.state === 'retired') {
          // Its tables may be dropped at any moment: building them again would only race the drop.
          logger.error(`${tables.projection} is retired; not projecting into it (run the live version, or build a new one)`);
          return;
        }
        logger.info(`projecting into ${tables.projection} (${version.state})`);
        await this.consumer.start();
      },
      logger,
      () => this.stopping,
    );
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.consumer.stop();
  }
}
