/**
 * What a failed Twilio request means for the SMS channel.
 *
 * - `recipient`: permanent for this one number (invalid, opted out, region not enabled, ...). Logged with its code,
 *   recorded as done so it is never retried, and the other recipients are unaffected.
 * - `retryable`: 429 / 20429, any 5xx, timeouts and connection failures. Retried with backoff within the invocation;
 *   if it still fails, the invocation fails so Lambda retries it (and, at the end, the event reaches the DLQ).
 * - `message`: Twilio refused the request for a reason that is not about the recipient (a sender that cannot send,
 *   an unknown 4xx code). Not retried within the invocation, but the invocation fails so the event is kept (Lambda
 *   retries, then the DLQ) until the setting is fixed.
 * - `paused`: Twilio refused the credentials (401, 20003) or the account: nothing can be sent until someone acts.
 *   Like `message`, plus the ChannelPaused alarm; the secret is read again on the next attempt.
 *
 * These are the channels' shared kinds (common/failures.ts).
 */
import { CloudCronError } from '../common/errors';
import type { FailureKind as ChannelFailureKind } from '../common/failures';

// Each class names itself: CloudCronError takes `new.target.name`, which minification mangles, and the name is
// what Lambda reports as the errorType.

export type FailureKind = Exclude<ChannelFailureKind, never>;

/** Twilio error codes that concern only the one recipient (https://www.twilio.com/docs/api/errors). */
export const RECIPIENT_ERROR_CODES: Readonly<Record<number, string>> = {
  21211: "invalid 'To' phone number",
  21214: "'To' phone number cannot be reached",
  21217: 'phone number does not appear to be valid',
  21219: "'To' phone number not verified (trial account)",
  21265: "'To' number cannot be a short code",
  21266: "'To' and 'From' number cannot be the same",
  21408: 'permission to send an SMS has not been enabled for the region',
  21610: 'recipient has opted out (replied STOP)',
  21612: "'To' phone number is not currently reachable via SMS",
  21614: "'To' number is not a valid mobile number",
};

/** Twilio's rate-limit error code (HTTP 429). */
export const RATE_LIMITED = 20429;

/** Connection-level failures from Node or axios (the Twilio client's transport). */
const NETWORK_CODES = new Set([
  'ECONNABORTED',
  'ETIMEDOUT',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ERR_NETWORK',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
]);

export type TwilioFailure = {
  kind: FailureKind;
  /** HTTP status, when Twilio answered. */
  status?: number;
  /** Twilio error code (21211, 20429, ...) or the network error code (ETIMEDOUT, ...). */
  code?: number | string;
  /** Twilio's (or the transport's) message, which may contain the phone number: log it at DEBUG only. */
  detail: string;
  /** The wait a 429 asked for (Retry-After), in milliseconds. */
  retryAfterMs?: number;
};

function numberOr(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/**
 * Classifies an error thrown by the twilio client: RestException / TwilioServiceException carry `status` and
 * `code`; axios errors carry a string `code` (ECONNABORTED on timeout) and no HTTP status.
 */
export function classifyTwilioError(error: unknown): TwilioFailure {
  const e = (error ?? {}) as { status?: unknown; code?: unknown; message?: unknown; retryAfterMs?: unknown };
  const detail = typeof e.message === 'string' ? e.message : String(error);
  const status = numberOr(e.status);
  const code = numberOr(e.code) ?? (typeof e.code === 'string' ? e.code : undefined);
  if (status !== undefined) {
    if (status === 429 || code === RATE_LIMITED) {
      const retryAfterMs = numberOr(e.retryAfterMs);
      return { kind: 'retryable', status, code, detail, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
    }
    if (status >= 500) return { kind: 'retryable', status, code, detail };
    if (typeof code === 'number' && code in RECIPIENT_ERROR_CODES) return { kind: 'recipient', status, code, detail };
    if (status === 401 || code === 20003 || code === 20005 || code === 10001)
      return { kind: 'paused', status, code, detail };
    return { kind: 'message', status, code, detail };
  }
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || /timeout/i.test(detail))) {
    return { kind: 'retryable', code, detail };
  }
  if (/timeout|socket hang up|network/i.test(detail)) return { kind: 'retryable', code, detail };
  return { kind: 'message', status, code, detail };
}

/** The Twilio secret is missing, unreadable or not in one of the two accepted shapes. Its values are never quoted. */
export class TwilioCredentialsError extends CloudCronError {
  name = 'TwilioCredentialsError';
  readonly kind = 'paused' as const;
}

/** The rendered message is empty: there is nothing to send. Permanent; the event ends in the dead-letter queue. */
export class EmptyMessageError extends CloudCronError {
  name = 'EmptyMessageError';
  readonly kind = 'message' as const;
}

export type UnsentRecipient = { recipient: string; failure: TwilioFailure };
