/**
 * The email channel's work for one SNS event, with its dependencies injected (index.ts wires the real ones).
 *
 * For each record (read strictly, common/sns-event.ts): render subject/HTML/text (a broken template fails here,
 * before anything is sent), split the recipients into batches of at most 50, and send each batch at most once per
 * SNS MessageId (an idempotency record per message and batch). Every record and batch is tried; then, if any
 * failed, the invocation fails with a DeliveryFailedError naming each message id, kind, code and redacted reason
 * (common/failures.ts), so Lambda retries it and the event finally lands in the dead-letter queue with the reason.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import type { Context, SNSEvent } from 'aws-lambda';
import { DeliveryFailedError, type FailedMessage, type Failure, kindOf, PAUSED_ALARM } from '../common/failures';
import type { Idempotency } from '../common/idempotency';
import { redact } from '../common/redact';
import { TemplateError } from '../common/render';
import { readSnsEvent } from '../common/sns-event';
import { batchKey, batchSize, splitRecipients } from './batches';
import { renderEmail } from './compose';
import type { EmailConfig } from './config';
import { SendError, SendingPausedError } from './errors';
import { assertSesSize, sendBatch, sendEmailInput } from './send';
import type { TemplateProvider } from './templates';

export type EmailDeps = {
  config: EmailConfig;
  ses: SESv2Client;
  templates: TemplateProvider;
  idempotency: Idempotency;
  logger: Logger;
};

export type EmailResult = {
  /** One entry per batch: SES's message id, and whether this invocation sent it or found it already sent. */
  sends: { messageId: string; batch: number; recipients: number; sesMessageId: string; duplicate: boolean }[];
};

export function createEmailHandler(
  deps: EmailDeps,
): (event: SNSEvent | unknown, context: Context) => Promise<EmailResult> {
  const { config, ses, templates, idempotency, logger } = deps;
  const batches = splitRecipients({ to: config.to, cc: config.cc, bcc: config.bcc });

  return async (event, context) => {
    idempotency.registerContext(context);
    logger.addContext(context);
    const result: EmailResult = { sends: [] };
    let records: ReturnType<typeof readSnsEvent>;
    try {
      records = readSnsEvent(event);
    } catch (e) {
      logger.error('not an SNS event: nothing sent; the event goes to the dead-letter queue', { error: e as Error });
      throw e;
    }
    const failed: FailedMessage[] = [];
    let firstError: unknown;
    for (const ctx of records) {
      logger.appendKeys({ snsMessageId: ctx.messageId });
      const failures: Failure[] = [];
      const fail = (e: unknown, batch?: number) => {
        firstError ??= e;
        logFailure(logger, e, batch);
        const err = e as Error & { code?: string };
        failures.push({
          kind: kindOf(e),
          code: err.code ?? err.name,
          reason: `${batch !== undefined ? `batch ${batch}: ` : ''}${redact(err.message)}`,
        });
      };
      try {
        const email = renderEmail(await templates.get(), ctx);
        assertSesSize(email);
        logger.debug('rendered email', { subjectLength: email.subject.length, htmlLength: email.html.length });
        // Every batch is tried: one refused or throttled batch does not hold back the others.
        for (const [index, batch] of batches.entries()) {
          try {
            let duplicate = true;
            const stored = await idempotency.once(batchKey(ctx.messageId, batch), async () => {
              duplicate = false;
              const sesMessageId = await sendBatch(ses, sendEmailInput(config, batch, email));
              return { sesMessageId };
            });
            const sent = { messageId: ctx.messageId, batch: index + 1, recipients: batchSize(batch), duplicate };
            result.sends.push({ ...sent, sesMessageId: String(stored.sesMessageId ?? '') });
            logger.info(duplicate ? 'batch already sent for this message: skipped' : 'email sent', {
              ...sent,
              batches: batches.length,
              sesMessageId: stored.sesMessageId,
            });
          } catch (e) {
            fail(e, index + 1);
          }
        }
      } catch (e) {
        fail(e);
      } finally {
        if (failures.length > 0) failed.push({ messageId: ctx.messageId, failures });
        logger.removeKeys(['snsMessageId']);
      }
    }
    if (failed.length > 0) throw new DeliveryFailedError('email', failed, { cause: firstError });
    return result;
  };
}

/** One structured ERROR line per failure; `alarm: ChannelPaused` feeds the template's metric filter. */
function logFailure(logger: Logger, e: unknown, batch?: number): void {
  if (e instanceof SendingPausedError) {
    logger.error('SES sending is paused: no email can be sent', { alarm: PAUSED_ALARM, code: e.code, batch, error: e });
  } else if (e instanceof SendError) {
    logger.error(e.retryable ? 'send failed, will be retried' : 'send failed permanently', {
      code: e.code,
      retryable: e.retryable,
      batch,
      error: e,
    });
  } else if (e instanceof TemplateError) {
    logger.error('template error: fix the template; the event goes to the dead-letter queue', {
      template: e.templateName,
      error: e,
    });
  } else {
    logger.error('email failed', { error: e as Error });
  }
}
