import { httpEnv, stackEnv } from '@backbone/config';
import { z } from 'zod';

export const outboxRelayEnv = stackEnv.extend(httpEnv(3001).shape).extend({
  /** Events read from the outbox and sent to Kafka per round (whole requests; a larger one still goes alone). */
  RELAY_BATCH_SIZE: z.coerce.number().int().min(1).max(20_000).default(5_000),
  /** Wait after draining the outbox (a round that was not full): bounds how long an accepted event waits to be read. */
  RELAY_IDLE_POLL_MS: z.coerce.number().int().min(1).max(10_000).default(10),
  /** Upper bound of the backoff while Kafka is unreachable. */
  RELAY_MAX_BACKOFF_MS: z.coerce.number().int().min(100).default(5_000),
});

export type OutboxRelayConfig = z.infer<typeof outboxRelayEnv>;
