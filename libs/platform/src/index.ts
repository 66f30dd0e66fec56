export * from './http-app';
export * from './problem';
export * from './retry';
export * from './deterministic-uuid';
export * from './json-text';
export * from './cluster';
