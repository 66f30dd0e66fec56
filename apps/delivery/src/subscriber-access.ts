import type { Principal, SystemPrincipal } from '@backbone/auth';
import { authorizeSubscription, type ContentLevel, type SubscriberRegistry } from '@backbone/delivery';
import { problem, ProblemException } from '@backbone/platform';
import { SUBSCRIBE_SCOPE } from './delivery.config';

/**
 * The gate in front of every delivery route: a system (client-credentials) token with the subscribe
 * scope, registered for this recipient at this content level. Anything else is a 403 naming why.
 */
export function subscriberFor(principal: Principal, registry: SubscriberRegistry, recipientKey: string, content: ContentLevel): SystemPrincipal {
  const system = systemSubscriber(principal);
  const grant = authorizeSubscription(registry, system.clientId, recipientKey, content);
  if (!grant.ok) throw new ProblemException(problem(403, 'subscription-not-allowed', 'This client may not receive this', { detail: grant.rule }));
  return system;
}

/** Only the system token check (listing one's own subscriptions needs no recipient). */
export function systemSubscriber(principal: Principal): SystemPrincipal {
  if (principal.kind !== 'system' || !principal.scopes.includes(SUBSCRIBE_SCOPE)) {
    throw new ProblemException(
      problem(403, 'subscription-not-allowed', 'This token may not subscribe', { detail: `feeds and webhooks need a system (client-credentials) token with scope ${SUBSCRIBE_SCOPE}` }),
    );
  }
  return principal;
}

export function invalidParameters(errors: Array<{ field: string; rule: string }>): ProblemException {
  return new ProblemException(problem(400, 'invalid-parameters', 'Invalid parameters', { detail: errors.map((e) => `${e.field} ${e.rule}`).join('; '), errors }));
}

export const feedUnavailable = () =>
  new ProblemException(problem(503, 'feed-unavailable', 'The recipient read model is not built yet', { detail: 'No version of the recipient model is live; retry later.' }), { 'Retry-After': '30' });
