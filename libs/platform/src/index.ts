export * from './http-app';
export * from './problem';
