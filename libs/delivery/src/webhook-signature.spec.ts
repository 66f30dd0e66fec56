import { createHmac } from 'node:crypto';
import { newWebhookSecret, signatureHeader, verifySignature } from './webhook-signature';

describe('webhook signatures', () => {
  const secret = newWebhookSecret();
  const at = new Date('2026-11-28T12:00:00.000Z');
  const body = JSON.stringify({ entries: [{ seq: '1' }] });

  it('makes distinct secrets with 256 bits of randomness', () => {
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(newWebhookSecret()).not.toBe(secret);
  });

  it('signs "<t>.<body>" with HMAC-SHA256 under the whole secret (the README recipe, recomputed independently)', () => {
    const header = signatureHeader(secret, at, body);
    const t = at.getTime() / 1000;
    expect(header).toBe(`t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`);
  });

  it('verifies its own signature and refuses a changed body, another secret, an old timestamp, a malformed header', () => {
    const header = signatureHeader(secret, at, body);
    expect(verifySignature(secret, header, body, at)).toEqual({ ok: true });
    expect(verifySignature(secret, header, body.replace('1', '2'), at)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifySignature(newWebhookSecret(), header, body, at)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifySignature(secret, header, body, new Date(at.getTime() + 301_000))).toEqual({ ok: false, reason: 'too-old' });
    expect(verifySignature(secret, 'v1=abc', body, at)).toEqual({ ok: false, reason: 'malformed' });
  });
});
