export * from './avro-serde';
export * from './serde.module';
export * from './logical-types';
export * from './schema-files';
