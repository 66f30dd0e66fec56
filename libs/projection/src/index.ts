export * from './projection-consumer';
export * from './projection-counters';
export * from './projection-versions';
