/**
 * Jobs HTTP API: every route of the app's HttpApi. Wiring only; the work is in api.ts. See docs/jobs.md.
 */
import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { APIGatewayProxyEventV2WithIAMAuthorizer as APIGatewayProxyEventV2 } from 'aws-lambda';
import { listEnv, requiredEnv } from '../common/config';
import { ConfigurationError } from '../common/errors';
import { createJobsStore } from '../common/jobs/store';
import { compilePatterns, patternProblems } from '../common/jobs/targets';
import { createApi } from './api';

const patterns = listEnv('ALLOWED_TARGET_ARNS');
const problems = patternProblems(patterns);
if (problems.length) {
  throw new ConfigurationError(
    `environment variable ALLOWED_TARGET_ARNS (parameter AllowedTargetArns): ${problems.join('; ')}`,
  );
}
const dispatcherArn = requiredEnv('DISPATCHER_ARN');
const logger = new Logger({ serviceName: 'cloud-cron-jobs-api' });
const timeouts = { requestHandler: { connectionTimeout: 3000, requestTimeout: 5000 }, maxAttempts: 3 };
const lambda = new LambdaClient(timeouts);

const handle = createApi({
  store: createJobsStore(new DynamoDBClient(timeouts), requiredEnv('JOBS_TABLE_NAME')),
  allowed: compilePatterns(patterns),
  async runNow(input) {
    await lambda.send(
      new InvokeCommand({
        FunctionName: dispatcherArn,
        InvocationType: 'Event',
        Payload: Buffer.from(JSON.stringify(input)),
      }),
    );
  },
  newId: randomUUID,
  now: () => new Date(),
  log: { info: (m, e) => logger.info(m, e ?? {}), warn: (m, e) => logger.warn(m, e ?? {}) },
});

export const handler = async (event: APIGatewayProxyEventV2) => handle(event);
