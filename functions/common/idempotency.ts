/**
 * At-most-once side effects across SNS redelivery and Lambda retries: Powertools Idempotency with a
 * DynamoDB table (partition key `id`, TTL on `expiration`). Each key (message id + recipient batch, or +
 * recipient) is recorded when its work succeeds; a later call with the same key returns the stored result
 * instead of doing the work again.
 *
 * - While the work runs the record is INPROGRESS; a concurrent duplicate fails with
 *   IdempotencyAlreadyInProgressError (so Lambda retries it later) instead of doing the work twice.
 * - When the work throws, the record is deleted, so a retry does the work again.
 * - registerContext() bounds an INPROGRESS record by the invocation's remaining time, so a run that crashed
 *   (timeout, out of memory) does not block its retry until the TTL.
 * - An empty key is a programming error and throws; Powertools would otherwise skip idempotency silently.
 */
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';

export type Once = <T extends Record<string, unknown>>(key: string, work: () => Promise<T>) => Promise<T>;

export type Idempotency = {
  once: Once;
  /** Lets in-progress records expire with the invocation, so a crashed run does not block its retry forever. */
  registerContext(context: Context): void;
};

export type IdempotencyOptions = {
  /**
   * Prefix of every record id. Defaults to the function's name (AWS_LAMBDA_FUNCTION_NAME), Powertools' default;
   * set it when records must survive a function rename, or when several functions share one table.
   */
  keyPrefix?: string;
  /** A client to use instead of a default DynamoDBClient (tests, custom retry settings). */
  client?: DynamoDBClient;
};

type Input = { key: string; work: () => Promise<Record<string, unknown>> };

export function createIdempotency(
  tableName: string,
  expiresAfterSeconds = 7 * 24 * 3600,
  options: IdempotencyOptions = {},
): Idempotency {
  const persistenceStore = new DynamoDBPersistenceLayer({
    tableName,
    ...(options.client ? { awsSdkV3Client: options.client } : {}),
  });
  const config = new IdempotencyConfig({ eventKeyJmesPath: 'key', expiresAfterSeconds, throwOnNoIdempotencyKey: true });
  // Only `key` is hashed (eventKeyJmesPath); `work` is the function to run and is never serialised.
  const run = makeIdempotent(async (input: Input) => input.work(), {
    persistenceStore,
    config,
    ...(options.keyPrefix ? { keyPrefix: options.keyPrefix } : {}),
  });
  return {
    once: async <T extends Record<string, unknown>>(key: string, work: () => Promise<T>) => {
      if (!key) throw new TypeError('idempotency key must be a non-empty string');
      return (await run({ key, work })) as T;
    },
    registerContext: (context: Context) => config.registerLambdaContext(context),
  };
}
