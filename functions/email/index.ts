/**
 * Email notification channel: SNS -> Handlebars -> SES v2. Thin handler: configuration, clients and the
 * idempotency store are created once per container; the work is in app.ts.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { S3Client } from '@aws-sdk/client-s3';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { createIdempotency } from '../common/idempotency';
import { createEmailHandler } from './app';
import { loadConfig } from './config';
import { createTemplateProvider } from './templates';

const logger = new Logger({ serviceName: 'cloud-cron-email' });
const config = loadConfig();
// Throttling (TooManyRequests) is retried by the SDK with backoff first, then by Lambda's async retries.
const ses = new SESv2Client({ maxAttempts: 5 });
const templates = createTemplateProvider({
  inline: config.templates,
  ...(config.templatesLocation
    ? {
        s3: {
          client: new S3Client({}),
          location: config.templatesLocation,
          cacheSeconds: config.templatesCacheSeconds,
        },
      }
    : {}),
  onStaleTemplates: (error) =>
    logger.warn('cannot refresh the S3 templates: using the cached ones', { error: error as Error }),
});
const idempotency = createIdempotency(config.idempotencyTable, config.idempotencyTtlSeconds, { keyPrefix: 'email' });

export const handler = createEmailHandler({ config, ses, templates, idempotency, logger });
