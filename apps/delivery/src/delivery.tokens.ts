export const SUBSCRIBER_REGISTRY = Symbol('SUBSCRIBER_REGISTRY');
export const DELIVERY_LOGGER = Symbol('DELIVERY_LOGGER');
export const POOL = Symbol('POOL');
