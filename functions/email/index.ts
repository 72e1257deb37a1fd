/**
 * Email notification channel: SNS -> Handlebars -> SES v2. Thin handler: configuration, clients and the
 * idempotency store are created once per container; the work is in app.ts.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { S3Client } from '@aws-sdk/client-s3';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { createIdempotency } from '../common/idempotency';
import { createEmailHandler } from './app';
import { loadConfig } from './config';
import { createTemplateProvider } from './templates';

const logger = new Logger({ serviceName: 'cloud-cron-email' });
const config = loadConfig();
/**
 * Throttling (TooManyRequests) is retried by the SDK with backoff first, then by Lambda's async retries.
 * Timeouts: connecting is bounded at 3 s (nothing has been sent yet, so its retry can never send twice); a request
 * at 15 s. A request timeout can come after SES accepted the email, and SendEmail has no idempotency token, so its
 * retry may send that email a second time. Without a timeout the same lost answer would hang until Lambda's timeout,
 * and the event's retry would send it again all the same (its in-progress record expires with the invocation): the
 * timeout adds no duplicate, it bounds the wait. 5 attempts of at most 18 s plus their backoff fit the 120 s Timeout.
 */
const ses = new SESv2Client({
  maxAttempts: 5,
  requestHandler: { connectionTimeout: 3000, requestTimeout: 15000, throwOnRequestTimeout: true },
});
/**
 * The S3 client is loaded only when templates come from S3 (TemplatesS3Uri): most deployments never use it, and
 * loading it would lengthen every cold start (measured in docs/benchmarks.md).
 */
function s3Client(): S3Client {
  const s3 = require('@aws-sdk/client-s3') as typeof import('@aws-sdk/client-s3');
  return new s3.S3Client({});
}

const templates = createTemplateProvider({
  inline: config.templates,
  ...(config.templatesLocation
    ? {
        s3: {
          client: s3Client(),
          location: config.templatesLocation,
          cacheSeconds: config.templatesCacheSeconds,
        },
      }
    : {}),
  onStaleTemplates: (error) =>
    logger.warn('cannot refresh the S3 templates: using the cached ones', { error: error as Error }),
});
// A fixed prefix (not the generated function name), as every channel has: records stay valid if the function is
// replaced.
const idempotency = createIdempotency(config.idempotencyTable, config.idempotencyTtlSeconds, {
  keyPrefix: 'cloud-cron-email',
});

export const handler = createEmailHandler({ config, ses, templates, idempotency, logger });
