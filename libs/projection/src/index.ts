export * from './projection-consumer';
export * from './projection-counters';
