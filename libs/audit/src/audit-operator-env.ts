import { checkOrgNumber } from '@backbone/contracts';
import { z } from 'zod';
import type { AuditOperator } from './access-record';

/**
 * The organisation that operates the backbone, the custodian of every audit record, for every app
 * that audits. Default: Oslo kommune (958935420), which runs the backbone for the Oslo health community.
 */
export const auditOperatorEnv = z.object({
  AUDIT_OPERATOR_ORG_NUMBER: z
    .string()
    .default('958935420')
    .refine((value) => checkOrgNumber(value).ok, 'must be a 9-digit organisation number with a valid check digit'),
  AUDIT_OPERATOR_NAME: z.string().min(1).default('Oslo kommune'),
});

/** The operator from a parsed config, for the app (`systemId`) that serves the accesses. */
export function auditOperatorOf(config: z.infer<typeof auditOperatorEnv>, systemId: string): AuditOperator {
  return { organisation: { orgNumber: config.AUDIT_OPERATOR_ORG_NUMBER, reshId: null, herId: null, name: config.AUDIT_OPERATOR_NAME }, systemId };
}
