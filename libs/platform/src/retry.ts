import type { Logger } from 'pino';

/**
 * Runs a start-up step that depends on another service (Kafka, the registry) until it succeeds,
 * with exponential backoff, so an app starts (live, not ready) while that service is down instead
 * of crashing. Stops trying when `stopped()` turns true.
 */
export async function retryUntilDone(what: string, step: () => Promise<unknown>, logger: Logger, stopped: () => boolean): Promise<boolean> {
  for (let delay = 500; !stopped(); delay = Math.min(delay * 2, 10_000)) {
    try {
      await step();
      return true;
    } catch (error) {
      logger.warn({ err: (error as Error).message, retryInMs: delay }, `${what} failed; retrying`);
      await new Promise((resolve) => setTimeout(resolve, delay).unref());
    }
  }
  return false;
}
