/**
 * Image mirror function: answers the mirror custom resource (AWS::CloudFormation::CustomResource) and the
 * `CodeBuild Build State Change` events of its copy project. See docs/mirror.md.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { CodeBuildClient } from '@aws-sdk/client-codebuild';
import { ECRClient } from '@aws-sdk/client-ecr';
import type { Context } from 'aws-lambda';
import { sendResponse } from './cfn-response';
import { readConfig } from './config';
import { UnsupportedEventError } from './errors';
import {
  type Deps,
  handleBuildStateChange,
  handleCloudFormation,
  isBuildStateEvent,
  isCloudFormationEvent,
  type Outcome,
} from './mirror';

const config = readConfig();
const logger = new Logger({ serviceName: 'cloud-cron-mirror' });
const codebuild = new CodeBuildClient({ maxAttempts: 4 });
const ecrClients = new Map<string, ECRClient>();

const deps: Deps = {
  ecr(region) {
    let client = ecrClients.get(region);
    if (!client) {
      client = new ECRClient({ region, maxAttempts: 4 });
      ecrClients.set(region, client);
    }
    return client;
  },
  codebuild,
  projectName: config.projectName,
  send: (url, response) => sendResponse(url, response),
  log: {
    info: (message, extra) => logger.info(message, extra ?? {}),
    warn: (message, extra) => logger.warn(message, extra ?? {}),
    error: (message, extra) => logger.error(message, extra ?? {}),
  },
};

export const handler = async (event: unknown, context: Context): Promise<Outcome> => {
  logger.addContext(context);
  if (isCloudFormationEvent(event)) return handleCloudFormation(event, deps);
  if (isBuildStateEvent(event)) return handleBuildStateChange(event, deps);
  throw new UnsupportedEventError(
    'event is neither a CloudFormation custom resource request nor a CodeBuild Build State Change event',
  );
};
