/**
 * Jobs setup provider: the app's schedule group and configuration record (the JobsSetup custom resource). Wiring
 * only; the work is in setup.ts.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateScheduleGroupCommand,
  DeleteScheduleGroupCommand,
  GetScheduleGroupCommand,
  ListTagsForResourceCommand,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { sendResponse } from '../common/cfn-response';
import { requiredEnv } from '../common/config';
import { answerCustomResource } from '../common/custom-resource';
import { documentClient } from '../common/jobs/store';
import { CONFIG_KEY } from '../common/jobs/table';
import { readResponseUrlPolicy } from '../common/response-url';
import { createSetup, type Groups } from './setup';

const logger = new Logger({ serviceName: 'cloud-cron-jobs-setup' });
// Which ResponseURLs may be answered: CloudFormation's response bucket of this region only.
const policy = readResponseUrlPolicy();
const timeouts = { requestHandler: { connectionTimeout: 3000, requestTimeout: 10000 }, maxAttempts: 5 };
const scheduler = new SchedulerClient(timeouts);
const doc = documentClient(new DynamoDBClient(timeouts));
const TableName = requiredEnv('JOBS_TABLE_NAME');
const notFound = (e: unknown) => (e as { name?: string })?.name === 'ResourceNotFoundException';

const groups: Groups = {
  async create(name, tags) {
    const r = await scheduler.send(
      new CreateScheduleGroupCommand({
        Name: name,
        Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
      }),
    );
    return r.ScheduleGroupArn ?? '';
  },
  async describe(name) {
    try {
      const g = await scheduler.send(new GetScheduleGroupCommand({ Name: name }));
      const tags = await scheduler.send(new ListTagsForResourceCommand({ ResourceArn: g.Arn }));
      return { arn: g.Arn ?? '', tags: Object.fromEntries((tags.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])) };
    } catch (e) {
      if (notFound(e)) return undefined;
      throw e;
    }
  },
  async delete(name) {
    try {
      await scheduler.send(new DeleteScheduleGroupCommand({ Name: name }));
    } catch (e) {
      if (!notFound(e)) throw e;
    }
  },
};

const provide = createSetup(
  groups,
  {
    async put(item) {
      await doc.send(new PutCommand({ TableName, Item: item }));
    },
    async delete(groupName) {
      await doc
        .send(
          new DeleteCommand({
            TableName,
            Key: { ...CONFIG_KEY },
            ConditionExpression: 'groupName = :g',
            ExpressionAttributeValues: { ':g': groupName },
          }),
        )
        .catch((e) => {
          if (
            (e as { name?: string }).name !== 'ConditionalCheckFailedException' &&
            (e as { name?: string }).name !== 'ResourceNotFoundException'
          )
            throw e;
        });
    },
  },
  () => new Date(),
);

export const handler = async (event: CloudFormationCustomResourceEvent) => {
  logger.info(`CloudFormation ${event.RequestType}`, {
    logicalResourceId: event.LogicalResourceId,
    requestId: event.RequestId,
  });
  const response = await answerCustomResource(
    event,
    provide,
    (url, body) => sendResponse(url, body, { policy }),
    policy,
    (error) => logger.error('setup request failed', { error: error as Error }),
  );
  logger.info('answered CloudFormation', { status: response.Status, reason: response.Reason });
  return response;
};
