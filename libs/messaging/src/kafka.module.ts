import { DynamicModule, Global, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { createKafka, KafkaClientConfig } from './kafka-client';

/** Injection token for the app's kafkajs client. Producers and consumers belong to the features that create them. */
export const KAFKA = Symbol('KAFKA');

@Global()
@Module({})
export class KafkaModule {
  static forRoot(config: KafkaClientConfig, logger: Logger): DynamicModule {
    return {
      module: KafkaModule,
      providers: [{ provide: KAFKA, useValue: createKafka(config, logger) }],
      exports: [KAFKA],
    };
  }
}
