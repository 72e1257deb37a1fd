/**
 * Everything third-party the webhook function runs at init: the webhook baseline (the HTTPS client with a keep-alive
 * agent and the Secrets Manager client), the Powertools Logger, and Powertools Idempotency with its DynamoDB
 * persistence layer (which brings the DynamoDB client), created as functions/webhook/index.ts and
 * functions/common/idempotency.ts create them. Shows how much of the function's cold start its required
 * dependencies take.
 */
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';

export { bench, secrets } from './webhook';

export const logger = new Logger({ serviceName: 'cloud-cron-webhook' });
const persistenceStore = new DynamoDBPersistenceLayer({ tableName: process.env.IDEMPOTENCY_TABLE ?? 'table' });
const config = new IdempotencyConfig({
  eventKeyJmesPath: 'key',
  expiresAfterSeconds: 604800,
  throwOnNoIdempotencyKey: true,
});
export const once = makeIdempotent(async (input: { key: string }) => ({ key: input.key }), {
  persistenceStore,
  config,
});
