export * from './clinical-item';
export * from './recipient-projection';
export * from './recipient-model-tables';
export * from './recipient-model-reader';
export * from './stored-event';
