/**
 * Everything third-party the email function runs at init in its default configuration (no templates): the SES v2
 * client, the Powertools Logger, and Powertools Idempotency with its DynamoDB persistence layer (which brings the
 * DynamoDB client), created as functions/email/index.ts and functions/common/idempotency.ts create them. Not the
 * target's baseline (that is the SES v2 client alone): it shows how much of the email function's cold start its
 * required dependencies take, and how much is left to its own code.
 */
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { SESv2Client } from '@aws-sdk/client-sesv2';

export const logger = new Logger({ serviceName: 'cloud-cron-email' });
export const ses = new SESv2Client({ maxAttempts: 5 });
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
