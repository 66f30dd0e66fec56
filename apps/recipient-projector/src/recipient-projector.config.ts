import { httpEnv, stackEnv } from '@backbone/config';
import { z } from 'zod';

export const recipientProjectorEnv = stackEnv.extend(httpEnv(3003).shape).extend({
  /** The versioned policy table (default: deploy/access-policy.yaml). */
  ACCESS_POLICY_FILE: z.string().min(1).optional(),
  /**
   * Which version of the recipient model this instance builds and keeps (its tables, positions and
   * consumer group). A rebuild runs a second projector with the next version; see README, "Rebuilding".
   */
  RECIPIENT_MODEL_VERSION: z.coerce.number().int().min(1).default(1),
  /** Kafka consumer group (default: recipient-projector.recipient-model.v<version>). */
  RECIPIENT_PROJECTOR_GROUP_ID: z.string().min(1).optional(),
  /**
   * Chunks applied at the same time, each in its own transaction and connection, never two of one
   * partition (keep it below DATABASE_POOL_SIZE). A chunk takes whatever waits across partitions.
   */
  RECIPIENT_PROJECTOR_CONCURRENT_CHUNKS: z.coerce.number().int().min(1).max(16).default(4),
  /** Messages applied per PostgreSQL transaction at most. */
  RECIPIENT_PROJECTOR_CHUNK_SIZE: z.coerce.number().int().min(1).max(10_000).default(2_000),
  /** Failures of one event before it is dead-lettered (bad data); an unreachable database is retried without limit. */
  RECIPIENT_PROJECTOR_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(3),
  /** How long a crashed instance holds its partitions before the group moves them (Kafka's minimum is 6 s). */
  RECIPIENT_PROJECTOR_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6_000).max(300_000).default(30_000),
});

export type RecipientProjectorConfig = z.infer<typeof recipientProjectorEnv>;
