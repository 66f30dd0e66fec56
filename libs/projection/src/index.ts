export * from './projection-consumer';
