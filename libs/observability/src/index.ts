export * from './logger';
export * from './metrics';
export * from './metrics.controller';
export * from './health-indicators';
export * from './health.controller';
export * from './observability.module';
export * from './logging.module';
export * from './http-metrics';
