export type { Check } from './check';
export * from './person';
export * from './organisation';
export * from './codes';
export * from './vital-signs';
