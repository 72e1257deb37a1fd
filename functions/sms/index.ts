/**
 * SMS channel: an SNS-subscribed function that renders each message and texts it, through Twilio, to every
 * recipient exactly once. Configuration and the template are read and checked once at init; the Twilio credentials
 * come from Secrets Manager at first use (cached, never logged).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import type { Context, SNSEvent } from 'aws-lambda';
import { contextFromRecord } from '../common/context';
import { createIdempotency } from '../common/idempotency';
import { loadSmsConfig } from './config';
import { deliverToAll } from './deliver';
import { SmsDeliveryError, type UnsentRecipient } from './errors';
import { createRenderer, renderBody } from './render';
import { createSenderSource } from './twilio';

/** How long a (message, recipient) record is kept: longer than SNS redelivery and Lambda retries can take. */
const IDEMPOTENCY_DAYS = 7;
const logger = new Logger({ serviceName: 'cloud-cron-sms' });
const config = loadSmsConfig();
const render = createRenderer(config.template);
// A fixed prefix (not the generated function name) keeps the records valid if the function is ever replaced.
const idempotency = createIdempotency(config.idempotencyTable, IDEMPOTENCY_DAYS * 24 * 3600, {
  keyPrefix: 'cloud-cron-sms',
});
/** Seconds Powertools keeps the secret before reading it again (a rotated secret is also re-read after a 401). */
const SECRET_MAX_AGE = 300;
const senders = createSenderSource(
  config.secretArn,
  { sender: config.sender, timeoutMs: config.timeoutMs, baseUrl: config.apiBaseUrl },
  async (arn, { forceFetch }) => {
    const value = await getSecret(arn, { maxAge: SECRET_MAX_AGE, forceFetch });
    return typeof value === 'string' ? value : undefined;
  },
);

export type SmsResult = { messages: number; sent: number; refused: number; duplicates: number };

export const handler = async (event: SNSEvent, context: Context): Promise<SmsResult> => {
  logger.addContext(context);
  idempotency.registerContext(context);
  const send = await senders.get();
  const result: SmsResult = { messages: 0, sent: 0, refused: 0, duplicates: 0 };
  const unsent: { messageId: string; unsent: UnsentRecipient[] }[] = [];

  for (const record of event.Records ?? []) {
    const templateContext = contextFromRecord(record);
    const { messageId } = templateContext;
    logger.appendKeys({ snsMessageId: messageId });
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
    if (summary.unsent.length > 0) unsent.push({ messageId, unsent: summary.unsent });
    if (summary.unsent.some((u) => u.failure.status === 401)) senders.invalidate();
    logger.removeKeys(['snsMessageId']);
  }

  logger.info('SMS delivery finished', result);
  if (unsent.length > 0) {
    const all = unsent.flatMap((u) => u.unsent);
    throw new SmsDeliveryError(unsent.map((u) => u.messageId).join(', '), all);
  }
  return result;
};
