/**
 * SMS channel: an SNS-subscribed function that renders each message and texts it, through Twilio, to every
 * recipient exactly once. Wiring only: configuration and the template are read and checked once at init; the
 * Twilio credentials come from Secrets Manager at first use (cached, never logged); the work is in app.ts.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { createIdempotency } from '../common/idempotency';
import { createSmsHandler } from './app';
import { loadSmsConfig } from './config';
import { createRenderer } from './render';
import { createSenderSource } from './twilio';

export type { SmsResult } from './app';

/** How long a (message, recipient) record is kept: longer than SNS redelivery and Lambda retries can take. */
const IDEMPOTENCY_DAYS = 7;
/** Seconds Powertools keeps the secret before reading it again (a rotated secret is also re-read after a 401). */
const SECRET_MAX_AGE = 300;

const logger = new Logger({ serviceName: 'cloud-cron-sms' });
const config = loadSmsConfig();
const render = createRenderer(config.template);
// A fixed prefix (not the generated function name) keeps the records valid if the function is ever replaced.
const idempotency = createIdempotency(config.idempotencyTable, IDEMPOTENCY_DAYS * 24 * 3600, {
  keyPrefix: 'cloud-cron-sms',
});
const senders = createSenderSource(
  config.secretArn,
  { sender: config.sender, timeoutMs: config.timeoutMs, baseUrl: config.apiBaseUrl },
  async (arn, { forceFetch }) => {
    const value = await getSecret(arn, { maxAge: SECRET_MAX_AGE, forceFetch });
    return typeof value === 'string' ? value : undefined;
  },
);

export const handler = createSmsHandler({ config, render, senders, idempotency, logger });
