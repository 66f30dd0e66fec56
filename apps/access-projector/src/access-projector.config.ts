import { httpEnv, stackEnv } from '@backbone/config';
import { z } from 'zod';

export const accessProjectorEnv = stackEnv.extend(httpEnv(3002).shape).extend({
  /** The versioned policy table (default: deploy/access-policy.yaml). */
  ACCESS_POLICY_FILE: z.string().min(1).optional(),
  /** Kafka consumer group of this projection. A new version of the projection gets a new group. */
  ACCESS_PROJECTOR_GROUP_ID: z.string().min(1).default('access-projector.access-model.v1'),
  /** Governance events applied per PostgreSQL transaction. */
  ACCESS_PROJECTOR_CHUNK_SIZE: z.coerce.number().int().min(1).max(10_000).default(500),
  /** How long a crashed instance holds its partitions before the group moves them (Kafka's minimum is 6 s). */
  ACCESS_PROJECTOR_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6_000).max(300_000).default(30_000),
  /** How often to publish time-driven changes (relationships reaching validTo, emergency accesses expiring). */
  ACCESS_SWEEP_INTERVAL_MS: z.coerce.number().int().min(100).max(3_600_000).default(5_000),
  /** Failures of one event before it is dead-lettered (bad data); an unreachable database is retried without limit. */
  ACCESS_PROJECTOR_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(3),
});

export type AccessProjectorConfig = z.infer<typeof accessProjectorEnv>;
