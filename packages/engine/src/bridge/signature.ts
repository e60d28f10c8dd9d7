import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The signature of a webhook: HMAC-SHA256 over `${timestamp}.${body}` with the bridge secret,
 * hex, prefixed `sha256=`. The timestamp (ms since epoch, sent as `x-mwse-timestamp`) is signed
 * so a captured request cannot be replayed later with a new one.
 */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Check a webhook signature in constant time (what an app server does on receipt). */
export function verifyWebhook(secret: string, timestamp: string, body: string, signature: string): boolean {
  const expected = Buffer.from(signWebhook(secret, timestamp, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
