export * from './vocabulary';
export * from './facts';
export * from './request';
export * from './policy-table';
export * from './reasons';
export * from './decide';
export * from './explain';
