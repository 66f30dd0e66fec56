export * from './canary';
export * from './canary.entity';
