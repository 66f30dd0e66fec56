import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/*
 * Webhook signatures, Stripe / Standard Webhooks style: the header
 *
 *   Backbone-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 *
 * signs the timestamp with the body, so a captured request cannot be replayed later with a new
 * timestamp, and a receiver rejects one whose timestamp is too old. The key is the secret string
 * as given at registration (UTF-8), whole, including its whsec_ prefix.
 */

export const SIGNATURE_HEADER = 'backbone-signature';
/** Receivers should refuse signatures older (or newer) than this. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** A new subscription secret: 32 random bytes, shown to the subscriber once. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

export function signatureOf(secret: string, timestampSeconds: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestampSeconds}.${body}`, 'utf8').digest('hex');
}

export function signatureHeader(secret: string, at: Date, body: string): string {
  const t = Math.floor(at.getTime() / 1000);
  return `t=${t},v1=${signatureOf(secret, t, body)}`;
}

export type SignatureCheck = { ok: true } | { ok: false; reason: 'malformed' | 'too-old' | 'mismatch' };

/** The receiver's side (the README's recipe in code, tested): parse, check the age, compare in constant time. */
export function verifySignature(secret: string, header: string, body: string, now: Date, toleranceSeconds = DEFAULT_TOLERANCE_SECONDS): SignatureCheck {
  const parts = new Map(header.split(',').map((part) => part.trim().split('=', 2) as [string, string]));
  const t = Number(parts.get('t'));
  const v1 = parts.get('v1');
  if (!Number.isInteger(t) || !v1 || !/^[0-9a-f]{64}$/.test(v1)) return { ok: false, reason: 'malformed' };
  if (Math.abs(now.getTime() / 1000 - t) > toleranceSeconds) return { ok: false, reason: 'too-old' };
  const expected = Buffer.from(signatureOf(secret, t, body), 'hex');
  return timingSafeEqual(expected, Buffer.from(v1, 'hex')) ? { ok: true } : { ok: false, reason: 'mismatch' };
}
