import cluster from 'node:cluster';
import { AggregatorRegistry, collectDefaultMetrics, Registry } from 'prom-client';

/** One Prometheus registry per process, with Node's default metrics labelled by app. */
export function createMetricsRegistry(app: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ app });
  collectDefaultMetrics({ register: registry });
  if (cluster.isWorker) {
    // In a worker of a clustered app, this is the registry the primary collects for /metrics.
    // prom-client starts answering the primary's requests when an AggregatorRegistry is made.
    AggregatorRegistry.setRegistries(registry);
    new AggregatorRegistry();
  }
  return registry;
}
