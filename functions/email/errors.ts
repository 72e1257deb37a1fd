/**
 * The email channel's errors. Every one fails the invocation, so Lambda retries the event (async retries) and,
 * when retries run out, puts it in the function's dead-letter queue with the error message as its reason.
 *
 * - RetryableSendError: SES throttled us or had a transient failure; a later attempt can succeed.
 * - PermanentSendError: SES refused the email for a reason only a person can fix (MessageRejected,
 *   MailFromDomainNotVerified, NotFound, BadRequest, ...). Retries are harmless: batches already sent are
 *   skipped by the idempotency records.
 * - SendingPausedError: the account (or configuration set) may not send at all. It is logged with
 *   `alarm: "SendingPaused"`, which the template's metric filter turns into an alarm.
 */
import { CloudCronError } from '../common/errors';
import type { FailureKind } from '../common/failures';

// Each class names itself (see CloudCronError): the bundle is minified, which renames classes.

export abstract class SendError extends CloudCronError {
  abstract readonly retryable: boolean;
  /** The SES error name (e.g. MessageRejected), when SES answered. */
  readonly code: string;
  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export class RetryableSendError extends SendError {
  override name = 'RetryableSendError';
  readonly retryable = true;
  readonly kind: FailureKind = 'retryable';
}

export class PermanentSendError extends SendError {
  override name = 'PermanentSendError';
  readonly retryable = false;
  readonly kind: FailureKind = 'message';
}

export class SendingPausedError extends PermanentSendError {
  override name = 'SendingPausedError';
  override readonly kind: FailureKind = 'paused';
}

/** A template stored in S3 could not be listed or read. Retryable (the next attempt reads S3 again). */
export class TemplateStoreError extends CloudCronError {
  override name = 'TemplateStoreError';
  readonly kind: FailureKind = 'retryable';
}
