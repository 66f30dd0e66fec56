export * from './http-app';
export * from './logging.module';
export * from './problem';
