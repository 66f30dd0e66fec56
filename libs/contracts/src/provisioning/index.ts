export * from './schema-registry-admin';
export * from './schema-registration';
export * from './provision-topics';
