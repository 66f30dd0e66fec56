export * from './access-projection';
export * from './access-model-reader';
export * from './access-time-sweep';
