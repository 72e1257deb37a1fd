/**
 * Runs bus provider: creates and deletes the Runs app's EventBridge bus (the RunsBus custom resource). Wiring only;
 * the work is in bus.ts.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import {
  CreateEventBusCommand,
  DeleteEventBusCommand,
  DescribeEventBusCommand,
  EventBridgeClient,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-eventbridge';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { sendResponse } from '../common/cfn-response';
import { answerCustomResource } from '../common/custom-resource';
import { readResponseUrlPolicy } from '../common/response-url';
import { type Buses, createBusProvider } from './bus';

const logger = new Logger({ serviceName: 'cloud-cron-runs-bus' });
// Which ResponseURLs may be answered: CloudFormation's response bucket of this region only.
const policy = readResponseUrlPolicy();
const events = new EventBridgeClient({
  requestHandler: { connectionTimeout: 3000, requestTimeout: 10000 },
  maxAttempts: 5,
});
const notFound = (e: unknown) => (e as { name?: string })?.name === 'ResourceNotFoundException';

const buses: Buses = {
  async create(name, tags) {
    const r = await events.send(
      new CreateEventBusCommand({ Name: name, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }),
    );
    return r.EventBusArn ?? '';
  },
  async describe(name) {
    try {
      const bus = await events.send(new DescribeEventBusCommand({ Name: name }));
      const tags = await events.send(new ListTagsForResourceCommand({ ResourceARN: bus.Arn }));
      return {
        arn: bus.Arn ?? '',
        tags: Object.fromEntries((tags.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
      };
    } catch (e) {
      if (notFound(e)) return undefined;
      throw e;
    }
  },
  async delete(name) {
    try {
      await events.send(new DeleteEventBusCommand({ Name: name }));
    } catch (e) {
      if (!notFound(e)) throw e;
    }
  },
};

const provide = createBusProvider(buses);

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
    (error) => logger.error('bus request failed', { error: error as Error }),
  );
  logger.info('answered CloudFormation', { status: response.Status, reason: response.Reason });
  return response;
};
