export * from './data-source';
export * from './migrations';
export * from './persistence.module';
export * from './transaction';
export * from './binary-copy';
export * from './round-trip-batcher';
