/**
 * The generic preset's request signature, so the receiver can check that a request comes from this function and
 * is fresh (not a replay):
 *
 *   X-Cloud-Cron-Timestamp: <unix seconds>
 *   X-Cloud-Cron-Signature: v1=<hex HMAC-SHA256 of "<timestamp>.<body>" with the secret's signingSecret>
 *
 * The receiver recomputes the HMAC over the exact bytes received, compares in constant time, and refuses a
 * timestamp more than 5 minutes away from its clock (docs/webhook.md shows a verifier). A retry is signed anew.
 */
import { createHmac } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-Cloud-Cron-Signature';
export const TIMESTAMP_HEADER = 'X-Cloud-Cron-Timestamp';

export function signature(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex')}`;
}

export function signatureHeaders(secret: string, body: string, now = Date.now()): Record<string, string> {
  const timestamp = Math.floor(now / 1000);
  return { [TIMESTAMP_HEADER]: String(timestamp), [SIGNATURE_HEADER]: signature(secret, timestamp, body) };
}
