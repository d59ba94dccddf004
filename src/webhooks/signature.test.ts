import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { newWebhookSecret, signatureOf, signedHeaders, verifySignature } from './signature.js';
import { retrySchedule, takesEvent } from './webhook-service.js';

describe('webhook signatures', () => {
  const secret = 'whsec_test';
  const body = '{"id":"whd-1","event":"ping"}';

  it('is v1= and the hex HMAC-SHA256 of "<timestamp>.<body>" under the secret', () => {
    const expected = createHmac('sha256', secret).update(`1700000000.${body}`).digest('hex');
    expect(signatureOf(secret, 1700000000, body)).toBe(`v1=${expected}`);
  });

  it('signs each attempt with its own timestamp and the delivery id', () => {
    const headers = signedHeaders(secret, 'whd-1', body, 1_700_000_000_500);
    expect(headers).toEqual({ 'orchard-webhook-id': 'whd-1', 'orchard-webhook-timestamp': '1700000000', 'orchard-webhook-signature': signatureOf(secret, 1700000000, body) });
  });

  it('verifies, and refuses another body, another secret, and old or future timestamps', () => {
    const now = 1_700_000_000_000;
    const h = signedHeaders(secret, 'whd-1', body, now);
    const given = { timestamp: h['orchard-webhook-timestamp'], signature: h['orchard-webhook-signature'] };
    expect(verifySignature(secret, given, body, { now })).toEqual({ ok: true });
    expect(verifySignature(secret, given, `${body} `, { now })).toEqual({ ok: false, reason: 'signature mismatch' });
    expect(verifySignature('whsec_other', given, body, { now })).toEqual({ ok: false, reason: 'signature mismatch' });
    expect(verifySignature(secret, given, body, { now: now + 301_000 })).toMatchObject({ ok: false, reason: expect.stringContaining('too old') });
    expect(verifySignature(secret, given, body, { now: now - 301_000 })).toMatchObject({ ok: false });
    expect(verifySignature(secret, { timestamp: undefined, signature: given.signature }, body, { now })).toMatchObject({ ok: false, reason: 'no timestamp' });
  });

  it('makes distinct whsec_ secrets of 32 random bytes', () => {
    const a = newWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(newWebhookSecret()).not.toBe(a);
  });
});

describe('retries and events', () => {
  it('waits 1 s, 2 s, 4 s … between 8 attempts by default, doubling from any base', () => {
    expect(retrySchedule(8, 1000)).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 64000]);
    expect(retrySchedule(3, 50)).toEqual([50, 100]);
    expect(retrySchedule(1, 1000)).toEqual([]);
  });

  it('takes every event without a list, ping always, and a trailing * as a prefix', () => {
    expect(takesEvent(null, 'anything')).toBe(true);
    expect(takesEvent(['pipeline.*'], 'pipeline.notify')).toBe(true);
    expect(takesEvent(['pipeline.*'], 'alarm.fired')).toBe(false);
    expect(takesEvent(['alarm.fired'], 'ping')).toBe(true);
  });
});
