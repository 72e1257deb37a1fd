/**
 * Runs registrar: answers the RunsRegistration custom resource of every job stack wired to the Runs app. Wiring
 * only; the work is in registrar.ts. See docs/runs.md.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  GetFunctionConfigurationCommand,
  GetFunctionEventInvokeConfigCommand,
  LambdaClient,
  ListTagsCommand,
} from '@aws-sdk/client-lambda';
import { GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { sendResponse } from '../common/cfn-response';
import { requiredEnv } from '../common/config';
import { answerCustomResource } from '../common/custom-resource';
import { readResponseUrlPolicy } from '../common/response-url';
import { createLedgerStore } from '../common/runs/store';
import { createRegistrar, type Facts } from './registrar';

const logger = new Logger({ serviceName: 'cloud-cron-runs-registrar' });
// Which ResponseURLs may be answered: CloudFormation's response bucket of this region only.
const policy = readResponseUrlPolicy();
const tableName = requiredEnv('RUNS_TABLE_NAME');
const busArn = requiredEnv('RUNS_BUS_ARN');
const timeouts = { requestHandler: { connectionTimeout: 3000, requestTimeout: 10000 }, maxAttempts: 5 };
const lambda = new LambdaClient(timeouts);
const scheduler = new SchedulerClient(timeouts);

const notFound = (e: unknown) => (e as { name?: string })?.name === 'ResourceNotFoundException';

const facts: Facts = {
  async fn(name) {
    try {
      const c = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
      const tags = await lambda.send(new ListTagsCommand({ Resource: c.FunctionArn }));
      return { functionArn: c.FunctionArn ?? '', timeoutSeconds: c.Timeout ?? 3, tags: tags.Tags ?? {} };
    } catch (e) {
      if (notFound(e)) return undefined;
      throw e;
    }
  },
  async invokeConfig(name) {
    try {
      const c = await lambda.send(
        new GetFunctionEventInvokeConfigCommand({ FunctionName: name, Qualifier: '$LATEST' }),
      );
      return {
        maximumRetryAttempts: c.MaximumRetryAttempts,
        onSuccess: c.DestinationConfig?.OnSuccess?.Destination,
        onFailure: c.DestinationConfig?.OnFailure?.Destination,
      };
    } catch (e) {
      if (notFound(e)) return undefined;
      throw e;
    }
  },
  async schedule(group, name) {
    try {
      const s = await scheduler.send(new GetScheduleCommand({ GroupName: group, Name: name }));
      return {
        targetArn: s.Target?.Arn ?? '',
        expression: s.ScheduleExpression ?? '',
        timezone: s.ScheduleExpressionTimezone,
        state: s.State,
        startDate: s.StartDate,
        endDate: s.EndDate,
        flexibleWindowMinutes:
          s.FlexibleTimeWindow?.Mode === 'FLEXIBLE' ? s.FlexibleTimeWindow.MaximumWindowInMinutes : 0,
        lastModified: s.LastModificationDate,
      };
    } catch (e) {
      if (notFound(e)) return undefined;
      throw e;
    }
  },
};

const registrar = createRegistrar({
  store: createLedgerStore(new DynamoDBClient(timeouts), tableName),
  facts,
  busArn,
  now: () => new Date(),
});

export const handler = async (event: CloudFormationCustomResourceEvent) => {
  logger.info(`CloudFormation ${event.RequestType}`, {
    logicalResourceId: event.LogicalResourceId,
    stackId: event.StackId,
    requestId: event.RequestId,
  });
  const response = await answerCustomResource(
    event,
    registrar,
    (url, body) => sendResponse(url, body, { policy }),
    policy,
    (error) => logger.warn('registration refused', { error: error as Error }),
  );
  logger.info('answered CloudFormation', { status: response.Status, reason: response.Reason });
  return response;
};
