/**
 * Sends one batch with SES v2 SendEmail and turns SES's answers into the channel's error classes.
 */
import { type SESv2Client, SendEmailCommand, type SendEmailCommandInput } from '@aws-sdk/client-sesv2';
import { redact, redactedError } from '../common/redact';
import { formatMailbox, type Mailbox } from './addresses';
import type { Batch } from './batches';
import type { RenderedEmail } from './compose';
import { PermanentSendError, RetryableSendError, type SendError, SendingPausedError } from './errors';

export type SendSettings = { sender: Mailbox; replyTo: string[]; configurationSetName?: string };

const UTF8 = 'UTF-8';

export function sendEmailInput(settings: SendSettings, batch: Batch, email: RenderedEmail): SendEmailCommandInput {
  return {
    FromEmailAddress: formatMailbox(settings.sender),
    Destination: {
      ...(batch.to.length ? { ToAddresses: batch.to } : {}),
      ...(batch.cc.length ? { CcAddresses: batch.cc } : {}),
      ...(batch.bcc.length ? { BccAddresses: batch.bcc } : {}),
    },
    ...(settings.replyTo.length ? { ReplyToAddresses: settings.replyTo } : {}),
    Content: {
      Simple: {
        Subject: { Data: email.subject, Charset: UTF8 },
        Body: { Html: { Data: email.html, Charset: UTF8 }, Text: { Data: email.text, Charset: UTF8 } },
      },
    },
    ...(settings.configurationSetName ? { ConfigurationSetName: settings.configurationSetName } : {}),
  };
}

/** What to do about each SES error that retrying cannot fix. */
const PERMANENT_HINTS: Record<string, string> = {
  MessageRejected: 'SES rejected the message (in the SES sandbox, every recipient must be a verified identity)',
  MailFromDomainNotVerifiedException: "the sender identity's custom MAIL FROM domain is not verified",
  NotFoundException: 'a resource SES needs does not exist: check the sender identity and ConfigurationSetName',
  BadRequestException: 'SES refused the request as malformed: check the addresses and the rendered subject',
  AccessDeniedException: "the function's role may not send as this sender: check the Sender parameter",
};

const PAUSED: Record<string, string> = {
  SendingPausedException: 'sending is paused for this account or configuration set',
  AccountSuspendedException: 'the SES account is suspended (shut down) for sending',
};

const RETRYABLE = new Set(['TooManyRequestsException', 'LimitExceededException', 'ThrottlingException', 'Throttling']);

type AwsError = Error & { $metadata?: { httpStatusCode?: number }; $fault?: 'client' | 'server'; $retryable?: unknown };

/**
 * Classifies an error from SendEmail. Unknown client errors are permanent; server faults and network errors
 * retryable. SES's texts can list the addresses that failed (MessageRejected names unverified identities): the
 * message and the cause keep only a redacted copy.
 */
export function classifySendError(error: unknown): SendError {
  const e = (error instanceof Error ? error : new Error(String(error))) as AwsError;
  const code = e.name || 'Error';
  const detail = e.message ? `: ${redact(e.message)}` : '';
  error = redactedError(e);
  if (code in PAUSED) {
    return new SendingPausedError(
      `SES ${code}: ${PAUSED[code]}${detail}. No email can be sent until it is resolved in the SES console`,
      code,
      { cause: error },
    );
  }
  if (code in PERMANENT_HINTS) {
    return new PermanentSendError(`SES ${code}: ${PERMANENT_HINTS[code]}${detail}`, code, { cause: error });
  }
  const status = e.$metadata?.httpStatusCode;
  if (RETRYABLE.has(code) || status === 429) {
    return new RetryableSendError(`SES throttled the send (${code})${detail}; the event will be retried`, code, {
      cause: error,
    });
  }
  if (e.$fault === 'client' || (status !== undefined && status >= 400 && status < 500)) {
    return new PermanentSendError(`SES refused the send (${code})${detail}`, code, { cause: error });
  }
  return new RetryableSendError(`sending to SES failed (${code})${detail}; the event will be retried`, code, {
    cause: error,
  });
}

/** SES v2 refuses a message larger than 40 MB, counted after MIME encoding (base64 adds a third). */
export const SES_MAX_MESSAGE_BYTES = 40 * 1024 * 1024;

/**
 * Checks the email against SES's size limit before sending: the subject, both parts as base64 (4/3 of their
 * UTF-8 size, plus a line break every 76 characters) and room for the headers. Permanent when over.
 */
export function assertSesSize(email: RenderedEmail, limit = SES_MAX_MESSAGE_BYTES): void {
  const encoded = (text: string) => {
    const base64 = Math.ceil(Buffer.byteLength(text, 'utf8') / 3) * 4;
    return base64 + Math.ceil(base64 / 76) * 2;
  };
  const size = encoded(email.subject) + encoded(email.html) + encoded(email.text) + 8 * 1024;
  if (size > limit) {
    throw new PermanentSendError(
      `the email is about ${size} bytes once encoded, larger than SES accepts (${limit}): shorten the template or the message`,
      'MessageTooLarge',
    );
  }
}

/** Sends one batch; returns SES's message id. Throws a SendError. */
export async function sendBatch(ses: SESv2Client, input: SendEmailCommandInput): Promise<string> {
  try {
    const out = await ses.send(new SendEmailCommand(input));
    return out.MessageId ?? '';
  } catch (e) {
    throw classifySendError(e);
  }
}
