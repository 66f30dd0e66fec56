import { collectDefaultMetrics, Registry } from 'prom-client';
import { offerMetricsToPrimary } from '@backbone/platform';

/** One Prometheus registry per process, with Node's default metrics labelled by app. */
export function createMetricsRegistry(app: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ app });
  collectDefaultMetrics({ register: registry });
  // In a worker of a clustered app, this is the registry the primary collects for /metrics.
  offerMetricsToPrimary(registry);
  return registry;
}
