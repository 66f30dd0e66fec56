import { join } from 'node:path';
import { httpEnv, patientKeyEnv, repoRoot, stackEnv, workersEnv } from '@backbone/config';
import { authEnvFor } from '@backbone/auth';
import { z } from 'zod';

export const ingestApiEnv = stackEnv
  .extend(httpEnv(3000).shape)
  // Two workers: parsing, validating and encoding events is JavaScript on one core per process,
  // and one process was the bottleneck of batch ingest with the machine's other core half idle.
  .extend(workersEnv(2).shape)
  .extend(patientKeyEnv.shape)
  .extend({
    /** The declarative registry of publishing clients. */
    PUBLISHERS_FILE: z.string().default(join(repoRoot(), 'deploy', 'publishers.yaml')),
    /** Events waiting for Kafka above which ingest answers 503 with Retry-After. */
    OUTBOX_MAX_BACKLOG: z.coerce.number().int().min(1).default(500_000),
    INGEST_MAX_BATCH: z.coerce.number().int().min(1).max(10_000).default(1_000),
    INGEST_BODY_LIMIT_BYTES: z.coerce.number().int().min(1_024).default(4 * 1024 * 1024),
  })
  .and(authEnvFor('backbone-ingest'));

export type IngestApiConfig = z.infer<typeof ingestApiEnv>;

/** The OAuth scope a token needs to publish at all; the publisher registry decides what. */
export const PUBLISH_SCOPE = 'backbone:publish';
