export * from './generate-types';
export * from './generate-docs';
export * from './generated-files';
