import { httpEnv, patientKeyEnv, stackEnv } from '@backbone/config';
import { authEnvFor } from '@backbone/auth';
import { checkOrgNumber } from '@backbone/contracts';
import { z } from 'zod';

export const queryApiEnv = stackEnv
  .extend(httpEnv(3004).shape)
  .extend(patientKeyEnv.shape)
  .extend({
    /** The versioned policy table (default: deploy/access-policy.yaml). */
    ACCESS_POLICY_FILE: z.string().min(1).optional(),
    /**
     * The organisation that operates the backbone: the custodian of every audit record. Default:
     * Oslo kommune (958935420), which runs the backbone for the Oslo health community.
     */
    AUDIT_OPERATOR_ORG_NUMBER: z
      .string()
      .default('958935420')
      .refine((value) => checkOrgNumber(value).ok, 'must be a 9-digit organisation number with a valid check digit'),
    AUDIT_OPERATOR_NAME: z.string().min(1).default('Oslo kommune'),
    /** Largest JSON body accepted. */
    QUERY_BODY_LIMIT_BYTES: z.coerce.number().int().min(1_024).default(16 * 1024),
  })
  .and(authEnvFor('backbone-query'));

export type QueryApiConfig = z.infer<typeof queryApiEnv>;
