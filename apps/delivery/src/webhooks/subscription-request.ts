import { CONTENT_LEVELS, RECIPIENT_KEY_PATTERN, RECIPIENT_KEY_RULE, type ContentLevel } from '@backbone/delivery';

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

/** http(s) only (plain http only where allowed), no credentials in the URL, no fragment. */
export function checkEndpointUrl(value: unknown, allowHttp: boolean): string | undefined {
  const rule = `must be an absolute ${allowHttp ? 'http(s)' : 'https'} URL without credentials or fragment, at most 2048 characters`;
  if (typeof value !== 'string' || value.length > 2048) return rule;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return rule;
  }
  if (!(url.protocol === 'https:' || (allowHttp && url.protocol === 'http:'))) return rule;
  if (url.username || url.password || url.hash) return rule;
  return undefined;
}

export function parseSubscriptionRequest(body: unknown, allowHttp: boolean): { ok: true; request: SubscriptionRequest } | { ok: false; errors: Errors } {
  const errors: Errors = [];
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { ok: false, errors: [{ field: '(body)', rule: 'must be a JSON object' }] };
  const b = body as Record<string, unknown>;
  for (const field of Object.keys(b)) {
    if (!['recipient', 'url', 'content', 'fromSeq'].includes(field)) errors.push({ field: field.slice(0, 64), rule: 'is not a field of a subscription (recipient, url, content, fromSeq)' });
  }
  if (typeof b.recipient !== 'string' || !RECIPIENT_KEY_PATTERN.test(b.recipient)) errors.push({ field: 'recipient', rule: RECIPIENT_KEY_RULE });
  const urlRule = checkEndpointUrl(b.url, allowHttp);
  if (urlRule) errors.push({ field: 'url', rule: urlRule });
  if (b.content !== undefined && !(CONTENT_LEVELS as readonly unknown[]).includes(b.content)) errors.push({ field: 'content', rule: `must be one of ${CONTENT_LEVELS.join(', ')}` });
  const fromSeq = b.fromSeq === undefined ? 1n : seqFrom(b.fromSeq, 'fromSeq', errors);
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, request: { recipient: b.recipient as string, url: b.url as string, content: (b.content as ContentLevel | undefined) ?? 'id-only', fromSeq: fromSeq! } };
}
