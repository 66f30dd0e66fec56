import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';

const registrySchema = z.object({
  clients: z
    .array(
      z.object({
        clientId: z.string().min(1),
        name: z.string().min(1),
        custodians: z.array(z.string().regex(/^\d{9}$/, 'custodians are 9-digit organisation numbers')).min(1),
        eventTypes: z.array(z.string().min(1)).min(1),
      }),
    )
    .min(1),
});

export type PublisherRegistry = z.infer<typeof registrySchema>;

/** Reads and validates the declarative registry of publishing clients (deploy/publishers.yaml). */
export function loadPublisherRegistry(path: string, knownEventTypes: readonly string[]): PublisherRegistry {
  const registry = registrySchema.parse(parse(readFileSync(path, 'utf8')));
  for (const client of registry.clients) {
    const unknown = client.eventTypes.filter((t) => !knownEventTypes.includes(t));
    if (unknown.length) throw new Error(`${path}: client ${client.clientId} names unknown event types ${unknown.join(', ')}`);
  }
  const ids = registry.clients.map((c) => c.clientId);
  const twice = ids.filter((id, i) => ids.indexOf(id) !== i);
  if (twice.length) throw new Error(`${path}: client ${twice[0]} is listed twice`);
  return registry;
}

export type Authorization = { ok: true } | { ok: false; rule: string };

/**
 * May this client publish this event type as this custodian? Deny by default: unknown clients,
 * unlisted event types and custodians the client does not own are refused, each with its reason.
 */
export function authorizePublication(registry: PublisherRegistry, clientId: string, eventType: string, custodian: string): Authorization {
  const client = registry.clients.find((c) => c.clientId === clientId);
  if (!client) return { ok: false, rule: `client ${clientId} is not registered as a publisher` };
  if (!client.eventTypes.includes(eventType)) return { ok: false, rule: `client ${clientId} may not publish ${eventType}` };
  if (!client.custodians.includes(custodian)) {
    return { ok: false, rule: `client ${clientId} may not publish as custodian ${custodian} (it publishes for ${client.custodians.join(', ')})` };
  }
  return { ok: true };
}
