export * from './clinical-item';
export * from './recipient-projection';
