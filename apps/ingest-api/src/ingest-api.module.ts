import { DynamicModule, Module } from '@nestjs/common';
import { AuthModule, authModuleOptions } from '@backbone/auth';
import { AppConfigModule } from '@backbone/config';
import { KAFKA, KafkaModule } from '@backbone/messaging';
import { createLogger, LoggingModule, ObservabilityModule } from '@backbone/observability';
import { PersistenceModule } from '@backbone/persistence';
import { SerdeModule } from '@backbone/serde';
import { PublishingModule } from './events/publishing.module';
import type { IngestApiConfig } from './ingest-api.config';

/** The way in for source systems: authenticated, validated, idempotent, durable publishing. */
@Module({})
export class IngestApiModule {
  static forRoot(config: IngestApiConfig): DynamicModule {
    return {
      module: IngestApiModule,
      imports: [
        AppConfigModule.forRoot(config),
        LoggingModule.forApp('ingest-api', config.LOG_LEVEL),
        KafkaModule.forRoot(config, createLogger('ingest-api', config.LOG_LEVEL)),
        SerdeModule.forRoot(config.SCHEMA_REGISTRY_URL),
        PersistenceModule.forRoot(config),
        AuthModule.forRoot(authModuleOptions(config)),
        ObservabilityModule.forApp({ app: 'ingest-api', kafkaToken: KAFKA, registryUrl: config.SCHEMA_REGISTRY_URL }),
        PublishingModule,
      ],
    };
  }
}
