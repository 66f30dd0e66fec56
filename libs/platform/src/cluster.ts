import cluster, { type Worker } from 'node:cluster';
import pino from 'pino';
import { AggregatorRegistry } from 'prom-client';

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

const METRICS_REQUEST = 'backbone:cluster-metrics-request';
const METRICS_ANSWER = 'backbone:cluster-metrics-answer';

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

/** A worker that dies within this long of its start is taken as failing to start, not as crashing. */
const START_GRACE_MS = 60_000;
/** How long workers get to finish their requests and close their connections on shutdown. */
const STOP_TIMEOUT_MS = 30_000;

/** Whether this process is one of several workers serving an app (see superviseWorkers). */
export function isClusterWorker(): boolean {
  return cluster.isWorker;
}

/**
 * Runs in the primary: forks `count` workers (each runs the same main module and, seeing it is a
 * worker, builds and serves the app) and supervises them. A worker that exits before it listens
 * means the app cannot start (a migration or the registry failing, say): the primary stops the
 * others and exits with an error, as a single process would. One that dies later is replaced.
 */
export function superviseWorkers(name: string, count: number): void {
  const logger = pino({ name: `${name} (primary)`, level: process.env.LOG_LEVEL ?? 'info' });
  const aggregator = new AggregatorRegistry();
  const listening = new WeakSet<Worker>();
  let stopping = false;

  const fork = () => {
    const worker = cluster.fork();
    const startedAt = Date.now();
    worker.on('listening', () => listening.add(worker));
    worker.on('exit', (code, signal) => {
      if (stopping) return;
      if (!listening.has(worker) && Date.now() - startedAt < START_GRACE_MS) {
        logger.error({ pid: worker.process.pid, code, signal }, 'a worker exited before it could serve; stopping the app');
        stop(1);
        return;
      }
      logger.error({ pid: worker.process.pid, code, signal }, 'a worker died; starting another');
      setTimeout(fork, 1_000).unref();
    });
  };

  const stop = (exitCode: number) => {
    if (stopping) return;
    stopping = true;
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

  cluster.on('message', (worker: Worker, message: unknown) => {
    if ((message as MetricsRequest | null)?.type !== METRICS_REQUEST) return;
    const { id } = message as MetricsRequest;
    aggregator.clusterMetrics().then(
      (text) => worker.send({ type: METRICS_ANSWER, id, text } satisfies MetricsAnswer),
      (error: Error) => worker.send({ type: METRICS_ANSWER, id, error: error.message } satisfies MetricsAnswer),
    );
  });
  process.on('SIGTERM', () => stop(0));
  process.on('SIGINT', () => stop(0));

  logger.info({ workers: count }, 'starting workers');
  for (let n = 0; n < count; n += 1) fork();
}

let nextRequest = 0;
const waiting = new Map<number, (answer: MetricsAnswer) => void>();

/**
 * Runs in a worker: the Prometheus text of every worker's registry, aggregated by the primary
 * (counters and histograms summed; gauges by the aggregator each declares).
 */
export function metricsOfAllWorkers(timeoutMs = 6_000): Promise<string> {
  if (!process.listeners('message').includes(answerArrived)) process.on('message', answerArrived);
  const id = (nextRequest += 1);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      waiting.delete(id);
      reject(new Error('the primary did not answer the metrics request in time'));
    }, timeoutMs);
    waiting.set(id, (answer) => {
      clearTimeout(timer);
      if (answer.error !== undefined) reject(new Error(answer.error));
      else resolve(answer.text ?? '');
    });
    process.send?.({ type: METRICS_REQUEST, id } satisfies MetricsRequest);
  });
}

function answerArrived(message: unknown): void {
  const answer = message as MetricsAnswer | null;
  if (answer?.type !== METRICS_ANSWER) return;
  waiting.get(answer.id)?.(answer);
  waiting.delete(answer.id);
}
