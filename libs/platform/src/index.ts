export * from './http-app';
export * from './logging.module';
