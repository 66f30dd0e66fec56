export * from './event-publisher';
export * from './outbox-backlog';
export * from './outbox-relay';
export * from './publisher-registry';
export * from './outbox-backlog-monitor';
export * from './outbox-metrics';
export * from './outbox-writer';
