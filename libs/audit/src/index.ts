export * from './access-record';
export * from './audit-trail';
export * from './access-log-reader';
export * from './group-commit';
export * from './audit-operator-env';
