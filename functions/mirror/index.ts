/**
 * Image mirror function: answers the mirror custom resource (AWS::CloudFormation::CustomResource) and the
 * `CodeBuild Build State Change` events of its copy project. See docs/mirror.md.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { CodeBuildClient } from '@aws-sdk/client-codebuild';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECRClient } from '@aws-sdk/client-ecr';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { sendResponse } from '../common/cfn-response';
import { clientConfig } from './clients';
import { readConfig } from './config';
import { budgetFor } from './deadline';
import { UnsupportedEventError } from './errors';
import {
  type Deps,
  handleBuildStateChange,
  handleCloudFormation,
  isBuildStateEvent,
  isCloudFormationEvent,
  type Outcome,
} from './mirror';
import { dynamoPendingStore } from './pending';

const config = readConfig();
const logger = new Logger({ serviceName: 'cloud-cron-mirror' });
const codebuild = new CodeBuildClient(clientConfig());
const dynamodb = new DynamoDBClient(clientConfig());
const sqs = new SQSClient(clientConfig());
const ecrClients = new Map<string, ECRClient>();

const deps: Deps = {
  ecr(region) {
    let client = ecrClients.get(region);
    if (!client) {
      client = new ECRClient({ region, ...clientConfig() });
      ecrClients.set(region, client);
    }
    return client;
  },
  codebuild,
  pending: dynamoPendingStore(dynamodb, config.pendingTable),
  projectName: config.projectName,
  repository: config.repository,
  responseUrlPolicy: config.responseUrlPolicy,
  send: (url, response, until) =>
    sendResponse(url, response, { policy: config.responseUrlPolicy, attempts: 4, timeoutMs: 5000, until }),
  async deadLetter(record) {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: config.deadLetterQueueUrl,
        MessageBody: JSON.stringify({ source: 'cloud-cron-mirror', ...record }),
      }),
    );
  },
  log: {
    info: (message, extra) => logger.info(message, extra ?? {}),
    warn: (message, extra) => logger.warn(message, extra ?? {}),
    error: (message, extra) => logger.error(message, extra ?? {}),
  },
};

export const handler = async (event: unknown, context: Context): Promise<Outcome> => {
  logger.addContext(context);
  const budget = budgetFor(context.getRemainingTimeInMillis());
  if (isBuildStateEvent(event)) return handleBuildStateChange(event, deps, budget);
  if (isCloudFormationEvent(event)) return handleCloudFormation(event, deps, budget);
  throw new UnsupportedEventError(
    'event is neither a CloudFormation custom resource request nor a CodeBuild Build State Change event',
  );
};
