/**
 * Webhook notification channel: SNS -> preset (Slack, Teams, PagerDuty, Discord, or a JSON template) -> HTTPS
 * POST, at most once per message. Wiring only: configuration and the renderer are checked at init, the secret
 * (the URL, a credential) is read at first use through Powertools Parameters and cached; the work is in app.ts.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { createIdempotency } from '../common/idempotency';
import { createWebhookHandler, type TargetSource } from './app';
import { loadWebhookConfig } from './config';
import { createRenderer } from './presets';
import { parseWebhookSecret, WebhookSecretError, type WebhookTarget } from './secret';

const logger = new Logger({ serviceName: 'cloud-cron-webhook' });
const config = loadWebhookConfig();
const render = createRenderer(config);
const idempotency = createIdempotency(config.idempotencyTable, 7 * 24 * 3600, { keyPrefix: 'cloud-cron-webhook' });

/** Seconds Powertools keeps the secret before reading it again (also re-read after the webhook refused it). */
const SECRET_MAX_AGE = 300;
let forceFetch = false;
const target: TargetSource = {
  async get(): Promise<WebhookTarget> {
    let text: unknown;
    try {
      text = await getSecret(config.secretArn, { maxAge: SECRET_MAX_AGE, forceFetch });
    } catch (e) {
      const err = e as Error;
      throw new WebhookSecretError(`cannot read webhook secret ${config.secretArn}: ${err.name}`, { cause: e });
    }
    forceFetch = false;
    return parseWebhookSecret(typeof text === 'string' ? text : undefined, config.secretArn, config.preset);
  },
  invalidate() {
    forceFetch = true;
  },
};

export const handler = createWebhookHandler({ config, target, render, idempotency, logger });
