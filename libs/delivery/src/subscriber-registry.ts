import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { RECIPIENT_KEY_PATTERN, RECIPIENT_KEY_RULE } from '@backbone/access-control';

/*
 * Who may subscribe to which recipients' feeds (deploy/subscribers.yaml). Deny by default, like the
 * publisher registry: a client not listed, a recipient not listed for it, or a content level above
 * its maximum is refused with the reason. The recipient (an organisation unit or a practitioner) is
 * never a patient identifier.
 */

export const CONTENT_LEVELS = ['id-only', 'full'] as const;
/** As in FHIR Subscriptions: id-only (ids, type, dataRef) by default; full adds the event itself. */
export type ContentLevel = (typeof CONTENT_LEVELS)[number];


const registrySchema = z.object({
  clients: z
    .array(
      z.object({
        clientId: z.string().min(1),
        name: z.string().min(1),
        recipients: z.array(z.string().regex(RECIPIENT_KEY_PATTERN, RECIPIENT_KEY_RULE)).min(1),
        maxContent: z.enum(CONTENT_LEVELS),
      }),
    )
    .min(1),
});

export type SubscriberRegistry = z.infer<typeof registrySchema>;

export function parseSubscriberRegistry(text: string, source = 'subscriber registry'): SubscriberRegistry {
  const parsed = registrySchema.safeParse(parse(text));
  if (!parsed.success) {
    throw new Error(`${source}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const ids = parsed.data.clients.map((c) => c.clientId);
  const twice = ids.find((id, i) => ids.indexOf(id) !== i);
  if (twice) throw new Error(`${source}: client ${twice} is listed twice`);
  return parsed.data;
}

/** Reads and validates deploy/subscribers.yaml (or another file): a bad file stops the app at start. */
export function loadSubscriberRegistry(path: string): SubscriberRegistry {
  return parseSubscriberRegistry(readFileSync(path, 'utf8'), path);
}

export type SubscriptionGrant = { ok: true; content: ContentLevel } | { ok: false; rule: string };

/**
 * May this client receive this recipient's feed, at this content level (default id-only)? The
 * answer names the rule that refused it; the granted content level is what the caller gets.
 */
export function authorizeSubscription(registry: SubscriberRegistry, clientId: string, recipientKey: string, requested: ContentLevel = 'id-only'): SubscriptionGrant {
  const client = registry.clients.find((c) => c.clientId === clientId);
  if (!client) return { ok: false, rule: `client ${clientId} is not registered as a subscriber` };
  if (!client.recipients.includes(recipientKey)) return { ok: false, rule: `client ${clientId} may not receive for recipient ${recipientKey}` };
  if (requested === 'full' && client.maxContent !== 'full') return { ok: false, rule: `client ${clientId} may receive id-only content, not full` };
  return { ok: true, content: requested };
}
