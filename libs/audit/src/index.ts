export * from './access-record';
export * from './audit-trail';
export * from './access-log-reader';
export * from './audit-operator-env';
