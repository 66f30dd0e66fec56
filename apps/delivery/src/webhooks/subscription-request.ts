import { isIP } from 'node:net';
import { RECIPIENT_KEY_PATTERN, RECIPIENT_KEY_RULE } from '@backbone/access-control';
import { CONTENT_LEVELS, type ContentLevel } from '@backbone/delivery';

/** A registration as the API accepts it, every field checked (a 422 names each bad one). */
export interface SubscriptionRequest {
  recipient: string;
  url: string;
  content: ContentLevel;
  /** Deliver entries from this feed number on (default: the whole feed). */
  fromSeq: bigint;
}

type Errors = Array<{ field: string; rule: string }>;
const SEQ = /^(0|[1-9]\d{0,18})$/;

export function seqFrom(value: unknown, field: string, errors: Errors): bigint | undefined {
  const text = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value;
  if (typeof text !== 'string' || !SEQ.test(text) || BigInt(text) < 1n || BigInt(text) > 2n ** 63n - 1n) {
    errors.push({ field, rule: 'must be a feed number (a whole number from 1, as a number or a decimal string)' });
    return undefined;
  }
  return BigInt(text);
}

export interface EndpointRules {
  /** Plain http:// (development and tests). */
  allowHttp: boolean;
  /** Loopback, private, link-local and similar addresses (development and tests). */
  allowPrivateHosts: boolean;
}

/**
 * Addresses a webhook must not point at in production: the backbone's own host, its network and
 * the cloud metadata endpoint (a registered URL is a request the backbone makes on the caller's
 * behalf). Names are checked as written; a name that resolves to such an address is the egress
 * proxy's or firewall's to stop.
 */
export function isPrivateHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local') || host.endsWith('.internal')) return true;
  if (isIP(host) === 4) {
    const [a, b] = host.split('.').map(Number);
    return a === 0 || a === 10 || a === 127 || (a === 100 && b >= 64 && b <= 127) || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || a >= 224;
  }
  if (isIP(host) === 6) {
    if (host === '::' || host === '::1') return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(host);
    if (mapped) return isPrivateHost(mapped[1]);
    if (host.startsWith('::ffff:')) return true;
    return /^(fc|fd|fe8|fe9|fea|feb|ff)/.test(host);
  }
  return false;
}

/** http(s) only (plain http only where allowed), no credentials in the URL, no fragment, no private host. */
export function checkEndpointUrl(value: unknown, rules: EndpointRules): string | undefined {
  const rule = `must be an absolute ${rules.allowHttp ? 'http(s)' : 'https'} URL without credentials or fragment, at most 2048 characters`;
  if (typeof value !== 'string' || value.length > 2048) return rule;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return rule;
  }
  if (!(url.protocol === 'https:' || (rules.allowHttp && url.protocol === 'http:'))) return rule;
  if (url.username || url.password || url.hash) return rule;
  if (!rules.allowPrivateHosts && isPrivateHost(url.hostname)) return 'must not point at a loopback, private, link-local or internal host';
  return undefined;
}

export function parseSubscriptionRequest(body: unknown, rules: EndpointRules): { ok: true; request: SubscriptionRequest } | { ok: false; errors: Errors } {
  const errors: Errors = [];
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { ok: false, errors: [{ field: '(body)', rule: 'must be a JSON object' }] };
  const b = body as Record<string, unknown>;
  for (const field of Object.keys(b)) {
    if (!['recipient', 'url', 'content', 'fromSeq'].includes(field)) errors.push({ field: field.slice(0, 64), rule: 'is not a field of a subscription (recipient, url, content, fromSeq)' });
  }
  if (typeof b.recipient !== 'string' || !RECIPIENT_KEY_PATTERN.test(b.recipient)) errors.push({ field: 'recipient', rule: RECIPIENT_KEY_RULE });
  const urlRule = checkEndpointUrl(b.url, rules);
  if (urlRule) errors.push({ field: 'url', rule: urlRule });
  if (b.content !== undefined && !(CONTENT_LEVELS as readonly unknown[]).includes(b.content)) errors.push({ field: 'content', rule: `must be one of ${CONTENT_LEVELS.join(', ')}` });
  const fromSeq = b.fromSeq === undefined ? 1n : seqFrom(b.fromSeq, 'fromSeq', errors);
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, request: { recipient: b.recipient as string, url: b.url as string, content: (b.content as ContentLevel | undefined) ?? 'id-only', fromSeq: fromSeq! } };
}
