/**
 * The failure vocabulary every channel shares. Each failure is one of:
 *
 * - `retryable`: the service throttled us (429, TooManyRequests), failed (5xx), or did not answer in time. Retried
 *   within the invocation while time allows; then the invocation fails, Lambda retries it, and finally the event
 *   lands in the function's dead-letter queue. Whatever was already delivered is skipped on every retry.
 * - `recipient`: permanent for one recipient only (an invalid or opted-out number). Logged (masked), recorded as
 *   done so it is never tried again; the other recipients are unaffected.
 * - `message`: permanent for this message (a template error, a body the service refuses, a malformed event).
 *   The invocation fails and, after Lambda's retries (which send nothing new), the event reaches the DLQ with the
 *   reason. Nothing is recorded, so a redrive once the cause is fixed delivers it.
 * - `paused`: nothing can be delivered by this channel at all until a person acts (SES sending paused, credentials
 *   refused, a webhook that was deleted). Like `message`, plus a log line `alarm: "ChannelPaused"` that the
 *   template's metric filter turns into an alarm.
 */
import { CloudCronError } from './errors';

export type FailureKind = 'retryable' | 'recipient' | 'message' | 'paused';

/** Marker of the log line the templates' ChannelPaused metric filter counts. */
export const PAUSED_ALARM = 'ChannelPaused';

/** A failure of one delivery, as the channel reports it: never a recipient in clear, never a message body. */
export type Failure = {
  kind: FailureKind;
  /** The service's error code or HTTP status (21211, TooManyRequestsException, 429, ...). */
  code?: string | number;
  /** A short, redacted reason. */
  reason: string;
};

export abstract class ChannelError extends CloudCronError {
  abstract readonly kind: FailureKind;
}

/** Is this error worth retrying later? Unknown errors (bugs, SDK failures) are treated as retryable. */
export function kindOf(error: unknown): FailureKind {
  if (error instanceof ChannelError) return error.kind;
  const kind = (error as { kind?: unknown } | null)?.kind;
  if (kind === 'retryable' || kind === 'recipient' || kind === 'message' || kind === 'paused') return kind;
  return 'retryable';
}

export type FailedMessage = { messageId: string; failures: Failure[] };

/**
 * Thrown at the end of an invocation in which some messages (or recipients) were not delivered, after every other
 * one was tried. Its message is the dead-letter queue's ErrorMessage: message ids, kinds, codes and redacted
 * reasons only. The details are kept in a non-enumerable property: the Lambda runtime prints an error's
 * enumerable properties in its "Invoke Error" line.
 */
export class DeliveryFailedError extends CloudCronError {
  override name = 'DeliveryFailedError';
  declare readonly failed: FailedMessage[];
  /** The most severe kind among the failures: paused > retryable > message. */
  declare readonly kind: FailureKind;

  constructor(channel: string, failed: FailedMessage[], options?: { cause?: unknown }) {
    const parts = failed.map(
      (f) =>
        `message ${f.messageId}: ${f.failures.map((x) => `${x.kind}${x.code !== undefined ? ` ${x.code}` : ''} (${x.reason})`).join('; ')}`,
    );
    const kinds = new Set(failed.flatMap((f) => f.failures.map((x) => x.kind)));
    const kind: FailureKind = kinds.has('paused') ? 'paused' : kinds.has('retryable') ? 'retryable' : 'message';
    const next =
      kind === 'retryable'
        ? 'Lambda retries the event; what was delivered is skipped'
        : 'it is kept in the dead-letter queue after the retries';
    super(
      `${channel}: ${failed.length} message(s) not delivered: ${parts.join(' | ').slice(0, 3000)}. ${next}`,
      options,
    );
    Object.defineProperty(this, 'failed', { value: failed, enumerable: false });
    Object.defineProperty(this, 'kind', { value: kind, enumerable: false });
  }
}
