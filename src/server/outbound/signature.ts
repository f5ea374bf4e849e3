// Webhook signatures: HMAC-SHA256 over "<timestamp>.<raw body>" with the endpoint's secret, so a receiver can check
// both who sent it and that it is not an old request replayed (it rejects timestamps far from its own clock).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-Facestream-Signature';
export const TIMESTAMP_HEADER = 'X-Facestream-Timestamp';
export const EVENT_ID_HEADER = 'X-Facestream-Event-Id';
export const EVENT_TYPE_HEADER = 'X-Facestream-Event';

/** `sha256=<hex>` for the body sent at `timestamp` (seconds since epoch). */
export function sign(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** What a receiver does: true when `signature` is this body's at this timestamp (compared in constant time). */
export function verify(secret: string, timestamp: number, body: string, signature: string): boolean {
  const want = Buffer.from(sign(secret, timestamp, body));
  const got = Buffer.from(signature);
  return want.length === got.length && timingSafeEqual(want, got);
}

/** A new endpoint's secret when the operator gives none: 32 random bytes, base64url. */
export const newSecret = (): string => `whsec_${randomBytes(32).toString('base64url')}`;

/** A secret as shown after creation: its last four characters only. */
export const maskSecret = (secret: string): string => `…${secret.slice(-4)}`;
