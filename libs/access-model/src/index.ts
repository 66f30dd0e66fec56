export * from './access-projection';
export * from './access-model-reader';
