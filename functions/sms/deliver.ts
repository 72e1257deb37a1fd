/**
 * Sends one body to every recipient, each at most once per SNS message.
 *
 * Per recipient, the send runs inside `once(messageId + recipient)` (Powertools Idempotency on DynamoDB):
 * - sent, or refused permanently for that number (21211, 21610, 21408, ...): recorded, never tried again;
 * - a retryable error (429/20429, 5xx, timeout) is retried here with exponential backoff and jitter while the
 *   invocation has time; if it persists, nothing is recorded, the other recipients still go out, and the caller
 *   fails the invocation so Lambda retries, when only the recipients without a record are tried again.
 * - a request Twilio refuses for another reason (credentials, sender) is not retried here, and also fails the
 *   invocation, so the event is kept (retries, then the dead-letter queue) until the setting is fixed.
 */

import { backoffDelay } from '../common/http';
import type { Once } from '../common/idempotency';
import { maskPhone } from '../common/redact';
import { classifyTwilioError, RECIPIENT_ERROR_CODES, type TwilioFailure, type UnsentRecipient } from './errors';
import { type SendSms, UNCONFIRMED } from './twilio';

export type Outcome =
  | { status: 'sent'; sid: string; twilioStatus: string; numSegments: number }
  | { status: 'refused'; code: number | string | null; httpStatus: number | null };

export type RecipientResult = { recipient: string; outcome: Outcome; duplicate: boolean };

export type DeliverySummary = {
  sent: number;
  refused: number;
  /** Recipients already handled by an earlier delivery of the same SNS message (skipped now). */
  duplicates: number;
  unsent: UnsentRecipient[];
  results: RecipientResult[];
};

/** The Powertools Logger methods used (method syntax, so the Logger's narrower attribute type is accepted). */
export type DeliveryLogger = {
  debug(message: string, extra: Record<string, unknown>): void;
  info(message: string, extra: Record<string, unknown>): void;
  warn(message: string, extra: Record<string, unknown>): void;
  error(message: string, extra: Record<string, unknown>): void;
};

export type DeliveryOptions = {
  send: SendSms;
  once: Once;
  logger: DeliveryLogger;
  maxAttempts: number;
  /** The Twilio client's timeout: a retry is only started if the invocation has time left for it. */
  timeoutMs: number;
  /** Milliseconds the invocation has left (context.getRemainingTimeInMillis). */
  remainingMs?: () => number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
};

/** A send that did not succeed and must not be recorded, so it is tried again on the next delivery. */
class SendFailure extends Error {
  constructor(readonly failure: TwilioFailure) {
    super(failure.detail);
  }
}

/** "+447700900123" -> "+44*******23" (common/redact.ts). */
export const maskNumber = maskPhone;
export { backoffDelay } from '../common/http';

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Time kept, beyond one request's timeout, to record the outcome before Lambda's timeout. */
const START_MARGIN_MS = 1000;

export async function deliverToAll(
  messageId: string,
  body: string,
  recipients: string[],
  options: DeliveryOptions,
): Promise<DeliverySummary> {
  const { send, once, logger, maxAttempts, timeoutMs } = options;
  const remainingMs = options.remainingMs ?? (() => Number.POSITIVE_INFINITY);
  const sleep = options.sleep ?? realSleep;
  const random = options.random ?? Math.random;
  const baseDelayMs = options.baseDelayMs ?? 500;
  const maxDelayMs = options.maxDelayMs ?? 4000;

  async function attemptSend(recipient: string, who: Record<string, unknown>): Promise<Outcome> {
    for (let attempt = 1; ; attempt++) {
      try {
        const sent = await send(recipient, body);
        return { status: 'sent', sid: sent.sid, twilioStatus: sent.status, numSegments: sent.numSegments };
      } catch (e) {
        const failure = classifyTwilioError(e);
        logger.debug('Twilio error detail', { ...who, detail: failure.detail });
        if (failure.kind === 'recipient') {
          return { status: 'refused', code: failure.code ?? null, httpStatus: failure.status ?? null };
        }
        if (failure.kind !== 'retryable' || attempt >= maxAttempts) throw new SendFailure(failure);
        // Twilio's Retry-After when it sent one (at most 30 s), else exponential backoff with jitter.
        const delay = Math.min(failure.retryAfterMs ?? backoffDelay(attempt, baseDelayMs, maxDelayMs, random), 30_000);
        // Leave room for the retry itself plus a margin to record the outcome before Lambda's timeout.
        if (remainingMs() < delay + timeoutMs + 1000) {
          logger.warn('No time left to retry this recipient within the invocation', {
            ...who,
            attempt,
            code: failure.code,
            httpStatus: failure.status,
          });
          throw new SendFailure(failure);
        }
        logger.warn('Retryable Twilio error, retrying', {
          ...who,
          attempt,
          maxAttempts,
          delayMs: delay,
          code: failure.code,
          httpStatus: failure.status,
        });
        await sleep(delay);
      }
    }
  }

  const summary: DeliverySummary = { sent: 0, refused: 0, duplicates: 0, unsent: [], results: [] };
  for (const [index, recipient] of recipients.entries()) {
    // Masked, plus the position in the Recipients list, which tells apart numbers that mask alike.
    const who = { recipient: maskNumber(recipient), recipientIndex: index };
    // Never start a first attempt that Lambda's timeout could cut off: Twilio may accept a message whose answer
    // never arrives, and the retry would send it again. The recipients left are retried by Lambda's retry.
    if (remainingMs() < timeoutMs + START_MARGIN_MS) {
      summary.unsent.push({
        recipient,
        failure: {
          kind: 'retryable',
          code: 'NoTimeLeft',
          detail: 'not tried: the invocation had too little time left',
        },
      });
      logger.warn('No time left in this invocation for this recipient: left for the retry', who);
      continue;
    }
    let ran = false;
    try {
      const outcome = await once<Outcome>(`${messageId}:${recipient}`, async () => {
        ran = true;
        return attemptSend(recipient, who);
      });
      const duplicate = !ran;
      summary.results.push({ recipient, outcome, duplicate });
      if (duplicate) {
        summary.duplicates += 1;
        logger.info('Recipient already handled for this message, skipped', {
          ...who,
          previous: outcome.status,
        });
      } else if (outcome.status === 'sent') {
        summary.sent += 1;
        if (outcome.twilioStatus === UNCONFIRMED) {
          logger.warn(
            'Twilio accepted the message but its answer could not be read: recorded as sent, never resent',
            who,
          );
        } else {
          logger.info('SMS sent', {
            ...who,
            sid: outcome.sid,
            twilioStatus: outcome.twilioStatus,
            numSegments: outcome.numSegments,
          });
        }
      } else {
        summary.refused += 1;
        const code = typeof outcome.code === 'number' ? outcome.code : undefined;
        logger.error('Twilio refused this recipient permanently; not retried', {
          ...who,
          code: outcome.code,
          httpStatus: outcome.httpStatus,
          reason: code !== undefined ? RECIPIENT_ERROR_CODES[code] : undefined,
          moreInfo: code !== undefined ? `https://www.twilio.com/docs/errors/${code}` : undefined,
        });
      }
    } catch (e) {
      const failure: TwilioFailure =
        e instanceof SendFailure
          ? e.failure
          : // The idempotency store failed or another invocation is sending to this recipient right now:
            // do not risk a duplicate; the retry will find the record.
            { kind: 'retryable', code: (e as Error).name, detail: (e as Error).message };
      summary.unsent.push({ recipient, failure });
      logger.error('SMS not sent; the event will be retried', {
        ...who,
        kind: failure.kind,
        code: failure.code,
        httpStatus: failure.status,
        ...(e instanceof SendFailure ? {} : { error: (e as Error).name }),
      });
    }
  }
  return summary;
}
