import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** The headers every delivery carries. */
export const WEBHOOK_HEADERS = {
  id: 'orchard-webhook-id',
  timestamp: 'orchard-webhook-timestamp',
  signature: 'orchard-webhook-signature',
} as const;

/** A new signing secret: `whsec_` and 32 random bytes in base64url. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/**
 * `v1=<hex HMAC-SHA256 of "<timestamp>.<body>">`, keyed with the whole secret string
 * (prefix included), so a receiver uses the value it was shown as it is.
 */
export function signatureOf(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** The three headers of one attempt (the timestamp is the attempt's, so a retry is fresh). */
export function signedHeaders(secret: string, deliveryId: string, body: string, now = Date.now()): Record<string, string> {
  const timestamp = Math.floor(now / 1000);
  return {
    [WEBHOOK_HEADERS.id]: deliveryId,
    [WEBHOOK_HEADERS.timestamp]: String(timestamp),
    [WEBHOOK_HEADERS.signature]: signatureOf(secret, timestamp, body),
  };
}

/** What a receiver checks: a `v1=` signature that matches and a timestamp within `toleranceSeconds`. */
export function verifySignature(
  secret: string,
  headers: { timestamp: string | undefined; signature: string | undefined },
  body: string,
  options: { toleranceSeconds?: number; now?: number } = {},
): { ok: true } | { ok: false; reason: string } {
  const timestamp = Number(headers.timestamp);
  if (!headers.timestamp || !Number.isInteger(timestamp)) return { ok: false, reason: 'no timestamp' };
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  if (Math.abs(now - timestamp) > (options.toleranceSeconds ?? 300)) return { ok: false, reason: 'timestamp too old or in the future' };
  const expected = Buffer.from(signatureOf(secret, timestamp, body));
  // The header may carry several signatures (during a key change), space-separated.
  for (const candidate of (headers.signature ?? '').split(' ')) {
    const given = Buffer.from(candidate);
    if (given.length === expected.length && timingSafeEqual(given, expected)) return { ok: true };
  }
  return { ok: false, reason: 'signature mismatch' };
}
