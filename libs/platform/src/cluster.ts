import cluster, { type Worker } from 'node:cluster';
import pino from 'pino';
import { AggregatorRegistry, type Registry } from 'prom-client';

/** One worker's registry as prom-client's getMetricsAsJSON gives it, what AggregatorRegistry.aggregate takes. */
type RegistryJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

/*
 * An HTTP app on several cores: the primary process forks HTTP_WORKERS workers that share the
 * app's port (node:cluster hands each accepted connection to the next worker), restarts one that
 * dies, stops them all on SIGTERM or SIGINT, and answers a worker's request for the metrics of
 * all workers, so /metrics shows the app as a whole whichever worker serves the scrape.
 *
 * Why: a Node process computes on one core. Ingest parses, validates and encodes every event in
 * JavaScript, and a single process was busy ~90% of its core while the machine had a good part of
 * the other core left.
 */

/** A worker asks the primary for the whole app's metrics; the primary answers with ANSWER. */
const METRICS_REQUEST = 'backbone:cluster-metrics-request';
const METRICS_ANSWER = 'backbone:cluster-metrics-answer';
/** The primary asks each serving worker for its own registry; the worker answers with PART. */
const METRICS_COLLECT = 'backbone:cluster-metrics-collect';
const METRICS_PART = 'backbone:cluster-metrics-part';

interface MetricsRequest {
  type: typeof METRICS_REQUEST;
  id: number;
}

interface MetricsAnswer {
  type: typeof METRICS_ANSWER;
  id: number;
  text?: string;
  error?: string;
}

interface MetricsCollect {
  type: typeof METRICS_COLLECT;
  id: number;
}

interface MetricsPart {
  type: typeof METRICS_PART;
  id: number;
  metrics: RegistryJson;
}

/** How long the primary waits for the workers' registries; a scrape gets what arrived by then. */
const COLLECT_TIMEOUT_MS = 3_000;
/** How long workers get to finish their requests and close their connections on shutdown. */
const STOP_TIMEOUT_MS = 30_000;
/** A replacement worker waits this long after a death, doubling per death up to the maximum. */
const RESTART_DELAY_MS = 1_000;
const MAX_RESTART_DELAY_MS = 30_000;
/** A worker that served this long resets the restart delay: its death was not a crash loop. */
const HEALTHY_AFTER_MS = 60_000;

/** Whether this process is one of several workers serving an app (see superviseWorkers). */
export function isClusterWorker(): boolean {
  return cluster.isWorker;
}

/**
 * Runs in the primary: forks `count` workers (each runs the same main module and, seeing it is a
 * worker, builds and serves the app) and supervises them. A worker of the first set that exits
 * before it listens means the app cannot start (a bad migration, a missing secret): the primary
 * stops the others and exits with an error, as a single process would. A worker that dies later
 * is replaced, after a delay that doubles while replacements keep dying (up to 30 s), so a
 * dependency that is down for a while does not turn into a fork loop.
 */
export function superviseWorkers(name: string, count: number): void {
  const logger = pino({ name: `${name} (primary)`, level: process.env.LOG_LEVEL ?? 'info' });
  const serving = new Set<Worker>();
  const collecting = new Map<number, { parts: RegistryJson[]; left: number; done: () => void }>();
  let stopping = false;
  let started = false;
  let restartDelay = RESTART_DELAY_MS;
  let restartTimer: NodeJS.Timeout | undefined;
  let nextCollect = 0;

  const fork = (firstSet: boolean) => {
    if (stopping) return;
    const worker = cluster.fork();
    let servedSince: number | undefined;
    // A send to a worker that just died fails with an 'error' event; unhandled, it would end the primary.
    worker.on('error', (error) => logger.warn({ pid: worker.process.pid, err: error.message }, 'a worker could not be reached'));
    worker.on('listening', () => {
      serving.add(worker);
      servedSince = Date.now();
      if (serving.size === count) started = true;
    });
    worker.on('message', (message: unknown) => onMessage(worker, message));
    worker.on('exit', (code, signal) => {
      serving.delete(worker);
      if (stopping) return;
      if (firstSet && servedSince === undefined && !started) {
        logger.error({ pid: worker.process.pid, code, signal }, 'a worker exited before it could serve; stopping the app');
        stop(1);
        return;
      }
      if (servedSince !== undefined && Date.now() - servedSince > HEALTHY_AFTER_MS) restartDelay = RESTART_DELAY_MS;
      logger.error({ pid: worker.process.pid, code, signal, restartInMs: restartDelay }, 'a worker died; starting another');
      restartTimer = setTimeout(() => fork(false), restartDelay);
      restartDelay = Math.min(restartDelay * 2, MAX_RESTART_DELAY_MS);
    });
  };

  const onMessage = (worker: Worker, message: unknown) => {
    const kind = (message as { type?: unknown } | null)?.type;
    if (kind === METRICS_PART) {
      const part = message as MetricsPart;
      const collection = collecting.get(part.id);
      if (!collection) return; // answered after its scrape timed out
      collection.parts.push(part.metrics);
      collection.left -= 1;
      if (collection.left === 0) collection.done();
    } else if (kind === METRICS_REQUEST) {
      const { id } = message as MetricsRequest;
      void collect().then(
        (text) => reply(worker, { type: METRICS_ANSWER, id, text }),
        (error: Error) => reply(worker, { type: METRICS_ANSWER, id, error: error.message }),
      );
    }
  };

  const reply = (worker: Worker, answer: MetricsAnswer) => {
    if (worker.isConnected()) worker.send(answer, (error: Error | null) => error && logger.warn({ err: error.message }, 'a metrics answer was not delivered'));
  };

  /** Every serving worker's registry, aggregated; a worker that does not answer in time is left out. */
  const collect = async (): Promise<string> => {
    const workers = [...serving].filter((w) => w.isConnected());
    const id = (nextCollect += 1);
    const parts: RegistryJson[] = [];
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        logger.warn({ answered: parts.length, asked: workers.length }, 'not every worker sent its metrics in time');
        resolve();
      }, COLLECT_TIMEOUT_MS);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      collecting.set(id, { parts, left: workers.length, done });
      if (workers.length === 0) done();
      for (const worker of workers) worker.send({ type: METRICS_COLLECT, id } satisfies MetricsCollect, (error: Error | null) => error && logger.warn({ err: error.message }, 'a worker was not asked for its metrics'));
    }).finally(() => collecting.delete(id));
    return AggregatorRegistry.aggregate(parts).metrics();
  };

  const stop = (exitCode: number) => {
    if (stopping) return;
    stopping = true;
    clearTimeout(restartTimer);
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w && !w.isDead());
    if (workers.length === 0) process.exit(exitCode);
    let left = workers.length;
    for (const worker of workers) {
      worker.once('exit', () => {
        left -= 1;
        if (left === 0) process.exit(exitCode);
      });
      worker.process.kill('SIGTERM');
    }
    setTimeout(() => {
      logger.warn('workers did not stop in time; killing them');
      for (const worker of workers) if (!worker.isDead()) worker.process.kill('SIGKILL');
      process.exit(exitCode);
    }, STOP_TIMEOUT_MS).unref();
  };

  process.on('SIGTERM', () => stop(0));
  process.on('SIGINT', () => stop(0));

  logger.info({ workers: count }, 'starting workers');
  for (let n = 0; n < count; n += 1) fork(true);
}

/**
 * Runs in a worker: answers the primary's requests for this worker's registry (see
 * metricsOfAllWorkers). Call once, with the process's registry.
 */
export function offerMetricsToPrimary(registry: Registry): void {
  if (!cluster.isWorker) return;
  process.on('message', (message: unknown) => {
    if ((message as MetricsCollect | null)?.type !== METRICS_COLLECT) return;
    const { id } = message as MetricsCollect;
    void registry.getMetricsAsJSON().then((metrics) => process.send?.({ type: METRICS_PART, id, metrics } satisfies MetricsPart, undefined, {}, () => undefined));
  });
}

let nextRequest = 0;
const waiting = new Map<number, (answer: MetricsAnswer) => void>();

/**
 * Runs in a worker: the Prometheus text of every serving worker's registry, aggregated by the
 * primary (counters and histograms summed; gauges by the aggregator each declares).
 */
export function metricsOfAllWorkers(timeoutMs = 6_000): Promise<string> {
  const send = process.send?.bind(process);
  if (!send) return Promise.reject(new Error('this process is not a worker of a clustered app'));
  if (!process.listeners('message').includes(answerArrived)) process.on('message', answerArrived);
  const id = (nextRequest += 1);
  return new Promise((resolve, reject) => {
    const settle = (answer: MetricsAnswer) => {
      clearTimeout(timer);
      waiting.delete(id);
      if (answer.error !== undefined) reject(new Error(answer.error));
      else resolve(answer.text ?? '');
    };
    const timer = setTimeout(() => settle({ type: METRICS_ANSWER, id, error: 'the primary did not answer the metrics request in time' }), timeoutMs);
    waiting.set(id, settle);
    send({ type: METRICS_REQUEST, id } satisfies MetricsRequest, undefined, {}, (error: Error | null) => {
      if (error) settle({ type: METRICS_ANSWER, id, error: `the primary could not be asked: ${error.message}` });
    });
  });
}

function answerArrived(message: unknown): void {
  const answer = message as MetricsAnswer | null;
  if (answer?.type !== METRICS_ANSWER) return;
  waiting.get(answer.id)?.(answer);
}
