export * from './schema-set';
export * from './topic-catalog';
export * from './code-systems';
export * from './identifiers';
export * from './patient-key';
export * from './validation/validate-event';
export * from './provisioning';
export * from './codegen';
