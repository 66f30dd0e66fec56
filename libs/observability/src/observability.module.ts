import { DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import type { Kafka } from 'kafkajs';
import { HealthController } from './health.controller';
import { HEALTH_KAFKA, HEALTH_REGISTRY_URL, KafkaHealthIndicator, SchemaRegistryHealthIndicator } from './health-indicators';
import { HTTP_DURATION, httpDurationHistogram, HttpMetrics } from './http-metrics';
import type { Registry } from 'prom-client';
import { createMetricsRegistry } from './metrics';
import { METRICS_REGISTRY, MetricsController } from './metrics.controller';

export interface ObservabilityOptions {
  app: string;
  /** Token of the app's Kafka client, so health checks reuse its connection settings. */
  kafkaToken: string | symbol;
  registryUrl: string;
}

/** Liveness, readiness (Kafka, registry, PostgreSQL) and Prometheus /metrics for one app. */
@Module({})
export class ObservabilityModule {
  static forApp(options: ObservabilityOptions): DynamicModule {
    return {
      module: ObservabilityModule,
      global: true,
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: METRICS_REGISTRY, useValue: createMetricsRegistry(options.app) },
        { provide: HEALTH_KAFKA, useFactory: (kafka: Kafka) => kafka, inject: [options.kafkaToken] },
        { provide: HEALTH_REGISTRY_URL, useValue: options.registryUrl },
        KafkaHealthIndicator,
        SchemaRegistryHealthIndicator,
        HttpMetrics,
        { provide: HTTP_DURATION, useFactory: httpDurationHistogram, inject: [METRICS_REGISTRY] },
      ],
      exports: [METRICS_REGISTRY],
    };
  }
}
