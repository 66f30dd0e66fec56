import { loadConfig, stackEnv, StackConfig } from '@backbone/config';
import { CanaryEntity } from '@backbone/canary';
import { createKafka } from '@backbone/messaging';
import { createLogger } from '@backbone/observability';
import { createDataSource } from '@backbone/persistence';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';

export interface StackClients {
  config: StackConfig;
  logger: Logger;
  kafka: Kafka;
  dataSource: DataSource;
}

/** The clients every command may need, from the same environment variables as the apps. */
export function stackClients(): StackClients {
  const config = loadConfig(stackEnv);
  const logger = createLogger('ops-cli', config.LOG_LEVEL);
  return { config, logger, kafka: createKafka(config, logger), dataSource: createDataSource(config, [CanaryEntity]) };
}
