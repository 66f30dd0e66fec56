import { httpEnv, patientKeyEnv, stackEnv } from '@backbone/config';
import { authEnvFor } from '@backbone/auth';
import { auditOperatorEnv } from '@backbone/audit';
import { z } from 'zod';

export const queryApiEnv = stackEnv
  .extend(httpEnv(3004).shape)
  .extend(patientKeyEnv.shape)
  .extend(auditOperatorEnv.shape)
  .extend({
    /** The versioned policy table (default: deploy/access-policy.yaml). */
    ACCESS_POLICY_FILE: z.string().min(1).optional(),
    /** Largest JSON body accepted. */
    QUERY_BODY_LIMIT_BYTES: z.coerce.number().int().min(1_024).default(16 * 1024),
  })
  .and(authEnvFor('backbone-query'));

export type QueryApiConfig = z.infer<typeof queryApiEnv>;
