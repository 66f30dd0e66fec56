import { join } from 'node:path';
import { booleanFlag, httpEnv, repoRoot, stackEnv } from '@backbone/config';
import { authEnvFor } from '@backbone/auth';
import { auditOperatorEnv } from '@backbone/audit';
import { z } from 'zod';

const ms = (min: number, max: number, fallback: number) => z.coerce.number().int('must be a whole number of milliseconds').min(min).max(max).default(fallback);

export const deliveryEnv = stackEnv
  .extend(httpEnv(3005).shape)
  .extend(auditOperatorEnv.shape)
  .extend({
    /** The declarative registry of subscribing clients: who may receive which recipients' feeds, at which content level. */
    SUBSCRIBERS_FILE: z.string().default(join(repoRoot(), 'deploy', 'subscribers.yaml')),
    /** The versioned policy table (default: deploy/access-policy.yaml). */
    ACCESS_POLICY_FILE: z.string().min(1).optional(),
    /** An SSE stream with nothing to send writes a comment this often, so proxies and clients know it is alive. */
    DELIVERY_SSE_HEARTBEAT_MS: ms(100, 300_000, 15_000),
    /** How often an SSE stream that has caught up looks for new entries. */
    DELIVERY_SSE_POLL_MS: ms(20, 60_000, 1_000),
    /** Run the webhook dispatcher in this instance (one instance leads at a time, by an advisory lock). */
    WEBHOOK_DISPATCHER: booleanFlag(true),
    /** Plain http:// webhook endpoints (development and tests only; production endpoints are https). */
    WEBHOOK_ALLOW_HTTP: booleanFlag(false),
    /** Webhook endpoints on loopback, private or link-local addresses (development and tests only). */
    WEBHOOK_ALLOW_PRIVATE_HOSTS: booleanFlag(false),
    WEBHOOK_BATCH_SIZE: z.coerce.number().int().min(1).max(1_000).default(100),
    /** An endpoint that has not answered by then has failed this attempt (and holds nothing else up). */
    WEBHOOK_REQUEST_TIMEOUT_MS: ms(100, 120_000, 10_000),
    /** Subscriptions delivered to at the same time. */
    WEBHOOK_MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(1_000).default(32),
    WEBHOOK_POLL_MS: ms(10, 60_000, 250),
    /** A subscription that has caught up is read again after this long. */
    WEBHOOK_IDLE_RECHECK_MS: ms(10, 600_000, 1_000),
    WEBHOOK_RETRY_BASE_MS: ms(10, 3_600_000, 1_000),
    WEBHOOK_RETRY_MAX_MS: ms(100, 86_400_000, 600_000),
    /** A subscription failing for this long is dead-lettered (stops until a resend). Default 24 h. */
    WEBHOOK_DEAD_LETTER_AFTER_MS: ms(1_000, 30 * 86_400_000, 86_400_000),
    /** ...or after this many failed attempts in a row. */
    WEBHOOK_DEAD_LETTER_AFTER_ATTEMPTS: z.coerce.number().int().min(1).max(100_000).default(500),
  })
  .and(authEnvFor('backbone-delivery'));

export type DeliveryConfig = z.infer<typeof deliveryEnv>;

/** The OAuth scope a system token needs to receive anything; the subscriber registry decides what. */
export const SUBSCRIBE_SCOPE = 'backbone:subscribe';

/** Any fixed 64-bit number, the same in every instance: the webhook dispatcher's leader lock. */
export const WEBHOOK_LEADER_LOCK = 7_101_990;
