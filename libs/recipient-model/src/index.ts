export * from './clinical-item';
