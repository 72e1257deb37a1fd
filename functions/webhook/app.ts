/**
 * The webhook channel's work for one SNS event, its dependencies injected (index.ts wires the real ones).
 *
 * Each record is read strictly (common/sns-event.ts), rendered by the preset, and POSTed at most once per SNS
 * message id (Powertools Idempotency: a redelivered or retried message that was delivered is skipped). Failures
 * follow the channels' vocabulary (common/failures.ts): the other records still go out, then the invocation fails
 * with every undelivered message id, kind and redacted reason, so Lambda retries it and, in the end, the event is
 * kept in the dead-letter queue.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { DeliveryFailedError, type FailedMessage, kindOf, PAUSED_ALARM } from '../common/failures';
import type { Idempotency } from '../common/idempotency';
import { redact } from '../common/redact';
import { readSnsEvent } from '../common/sns-event';
import type { WebhookConfig } from './config';
import { type Delivered, type PostOptions, postWebhook } from './deliver';
import type { Renderer } from './presets';
import type { WebhookTarget } from './secret';

export type TargetSource = { get(): Promise<WebhookTarget>; invalidate(): void };

export type WebhookDeps = {
  config: WebhookConfig;
  target: TargetSource;
  render: Renderer;
  idempotency: Idempotency;
  logger: Logger;
  /** Overrides for tests (sleep, random). */
  post?: Partial<PostOptions>;
};

export type WebhookResult = { messages: number; delivered: number; duplicates: number };

export function createWebhookHandler(deps: WebhookDeps): (event: unknown, context: Context) => Promise<WebhookResult> {
  const { config, target, render, idempotency, logger } = deps;
  return async (event, context) => {
    idempotency.registerContext(context);
    logger.addContext(context);
    let records: ReturnType<typeof readSnsEvent>;
    try {
      records = readSnsEvent(event);
    } catch (e) {
      logger.error('not an SNS event: nothing sent; the event goes to the dead-letter queue', { error: e as Error });
      throw e;
    }
    const result: WebhookResult = { messages: records.length, delivered: 0, duplicates: 0 };
    const failed: FailedMessage[] = [];
    let secret: WebhookTarget;
    try {
      secret = await target.get();
    } catch (e) {
      logger.error('cannot use the webhook secret: nothing can be sent', { alarm: PAUSED_ALARM, error: e as Error });
      throw e;
    }
    for (const ctx of records) {
      logger.appendKeys({ snsMessageId: ctx.messageId });
      try {
        const request = render(ctx, secret);
        let duplicate = true;
        const stored = await idempotency.once(`${config.preset}:${ctx.messageId}`, async (): Promise<Delivered> => {
          duplicate = false;
          return postWebhook(
            secret,
            { ...request, messageId: ctx.messageId },
            {
              preset: config.preset,
              timeoutMs: config.timeoutMs,
              maxAttempts: config.maxAttempts,
              maxRetryAfterMs: config.maxRetryAfterMs,
              remainingMs: () => context.getRemainingTimeInMillis(),
              onRetry: (info) => logger.warn('webhook busy or failing: retrying', info),
              ...deps.post,
            },
          );
        });
        if (duplicate) {
          result.duplicates += 1;
          logger.info('message already delivered: skipped', { status: stored.status });
        } else {
          result.delivered += 1;
          logger.info('webhook delivered', {
            status: stored.status,
            attempts: stored.attempts,
            bytes: request.body.length,
          });
        }
      } catch (e) {
        const kind = kindOf(e);
        const err = e as Error & { code?: string | number; status?: number };
        const failure = { kind, code: err.code ?? err.status ?? err.name, reason: redact(err.message) };
        failed.push({ messageId: ctx.messageId, failures: [failure] });
        if (kind === 'paused') {
          target.invalidate();
          logger.error('the webhook refuses every message: fix the secret or the webhook', {
            alarm: PAUSED_ALARM,
            ...failure,
          });
        } else {
          logger.error(
            kind === 'retryable' ? 'not delivered; the event will be retried' : 'not delivered: permanent',
            failure,
          );
        }
      } finally {
        logger.removeKeys(['snsMessageId']);
      }
    }
    logger.info('webhook delivery finished', { ...result, failed: failed.length });
    if (failed.length > 0) throw new DeliveryFailedError('webhook', failed);
    return result;
  };
}
