/**
 * The SMS channel's work for one SNS event, its dependencies injected (index.ts wires the real ones).
 *
 * Each record is read strictly (common/sns-event.ts), rendered once, and texted to every recipient at most once
 * (deliver.ts). Failures follow the channels' vocabulary (common/failures.ts): every record and recipient is
 * tried, then the invocation fails with the message ids, kinds, codes and masked recipients of what was not sent,
 * so Lambda retries it (only the unsent recipients) and, in the end, the event is kept in the dead-letter queue.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { DeliveryFailedError, type FailedMessage, type Failure, kindOf, PAUSED_ALARM } from '../common/failures';
import type { Idempotency } from '../common/idempotency';
import { maskPhone, redact } from '../common/redact';
import type { Render } from '../common/render';
import { readSnsEvent } from '../common/sns-event';
import type { SmsConfig } from './config';
import { deliverToAll } from './deliver';
import { renderBody } from './render';
import type { SendSms } from './twilio';

export type SenderSource = { get(): Promise<SendSms>; invalidate(): void };

export type SmsDeps = {
  config: SmsConfig;
  render: Render;
  senders: SenderSource;
  idempotency: Idempotency;
  logger: Logger;
};

export type SmsResult = { messages: number; sent: number; refused: number; duplicates: number };

export function createSmsHandler(deps: SmsDeps): (event: unknown, context: Context) => Promise<SmsResult> {
  const { config, render, senders, idempotency, logger } = deps;
  return async (event, context) => {
    logger.addContext(context);
    idempotency.registerContext(context);
    let records: ReturnType<typeof readSnsEvent>;
    try {
      records = readSnsEvent(event);
    } catch (e) {
      logger.error('not an SNS event: nothing sent; the event goes to the dead-letter queue', { error: e as Error });
      throw e;
    }
    let send: SendSms;
    try {
      send = await senders.get();
    } catch (e) {
      logger.error('cannot use the Twilio secret: nothing can be sent', { alarm: PAUSED_ALARM, error: e as Error });
      throw e;
    }
    const result: SmsResult = { messages: 0, sent: 0, refused: 0, duplicates: 0 };
    const failed: FailedMessage[] = [];

    for (const templateContext of records) {
      const { messageId } = templateContext;
      logger.appendKeys({ snsMessageId: messageId });
      try {
        const body = renderBody(render, templateContext);
        if (body.truncated) {
          logger.warn('SMS body longer than Twilio allows; cut with an ellipsis', {
            originalLength: body.originalLength,
            length: body.body.length,
          });
        }
        logger.info('SMS body rendered', {
          length: body.body.length,
          encoding: body.encoding,
          expectedSegments: body.segments,
          recipients: config.recipients.length,
        });
        const summary = await deliverToAll(messageId, body.body, config.recipients, {
          send,
          once: idempotency.once,
          logger,
          maxAttempts: config.maxAttempts,
          timeoutMs: config.timeoutMs,
          remainingMs: () => context.getRemainingTimeInMillis(),
        });
        result.messages += 1;
        result.sent += summary.sent;
        result.refused += summary.refused;
        result.duplicates += summary.duplicates;
        if (summary.unsent.length > 0) {
          const failures: Failure[] = summary.unsent.map((u) => ({
            kind: u.failure.kind,
            code: u.failure.code ?? u.failure.status,
            reason: `recipient ${config.recipients.indexOf(u.recipient)} (${maskPhone(u.recipient)})`,
          }));
          failed.push({ messageId, failures });
          if (failures.some((f) => f.kind === 'paused')) {
            senders.invalidate();
            logger.error('Twilio refuses the credentials or the account: nothing can be sent', {
              alarm: PAUSED_ALARM,
              codes: failures.map((f) => f.code),
            });
          }
        }
      } catch (e) {
        const err = e as Error & { code?: string | number };
        const failure: Failure = { kind: kindOf(e), code: err.code ?? err.name, reason: redact(err.message) };
        failed.push({ messageId, failures: [failure] });
        logger.error('SMS not sent', failure);
      } finally {
        logger.removeKeys(['snsMessageId']);
      }
    }

    logger.info('SMS delivery finished', { ...result, failed: failed.length });
    if (failed.length > 0) throw new DeliveryFailedError('sms', failed);
    return result;
  };
}
