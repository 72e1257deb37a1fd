/**
 * The task monitor's settings, read and validated once at init from the environment the template sets. Every
 * failure names the variable and the template parameter behind it.
 */
import { intEnv, optionalEnv, requiredEnv } from '../common/config';
import { ConfigurationError } from '../common/errors';

type Env = Record<string, string | undefined>;

export type MonitorConfig = {
  /** The task definition family: the job's name in notices and in the runs ledger. */
  family: string;
  clusterArn: string;
  /** The container that runs the job (its exit code is the run's result). */
  containerName: string;
  /** TaskTimeoutMinutes: a task still running this long after it was created is stopped as timed out. */
  timeoutMinutes: number;
  preventOverlap: boolean;
  failureTopicArn?: string;
  runsEventBusArn?: string;
  logGroupName: string;
  logStreamPrefix: string;
  idempotencyTable: string;
};

export const MAX_TIMEOUT_MINUTES = 43_200;

const CLUSTER_ARN = /^arn:aws(-cn|-us-gov)?:ecs:[a-z]{2}(-[a-z]+)+-\d{1,2}:\d{12}:cluster\/[A-Za-z0-9_-]{1,255}$/;
const TOPIC_ARN = /^arn:aws(-cn|-us-gov)?:sns:[a-z]{2}(-[a-z]+)+-\d{1,2}:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;
const BUS_ARN = /^arn:aws(-cn|-us-gov)?:events:[a-z]{2}(-[a-z]+)+-\d{1,2}:\d{12}:event-bus\/[A-Za-z0-9._-]{1,256}$/;

function matching(name: string, parameter: string, pattern: RegExp, value: string, example: string): string {
  if (!pattern.test(value)) {
    throw new ConfigurationError(
      `environment variable ${name} (template parameter ${parameter}) must look like ${example}, got "${value}"`,
    );
  }
  return value;
}

export function readConfig(env: Env = process.env): MonitorConfig {
  const timeoutMinutes = intEnv('TASK_TIMEOUT_MINUTES', 0, env);
  if (timeoutMinutes < 1 || timeoutMinutes > MAX_TIMEOUT_MINUTES) {
    throw new ConfigurationError(
      `environment variable TASK_TIMEOUT_MINUTES (template parameter TaskTimeoutMinutes) must be 1-${MAX_TIMEOUT_MINUTES} minutes, got "${env.TASK_TIMEOUT_MINUTES ?? ''}"`,
    );
  }
  const overlap = optionalEnv('PREVENT_OVERLAP', env) ?? 'false';
  if (overlap !== 'true' && overlap !== 'false') {
    throw new ConfigurationError(
      `environment variable PREVENT_OVERLAP (template parameter PreventOverlap) must be true or false, got "${overlap}"`,
    );
  }
  const family = requiredEnv('TASK_FAMILY', env);
  if (!/^[A-Za-z0-9_-]{1,255}$/.test(family)) {
    throw new ConfigurationError(`environment variable TASK_FAMILY must be a task definition family, got "${family}"`);
  }
  const topic = optionalEnv('FAILURE_TOPIC_ARN', env);
  const bus = optionalEnv('RUNS_EVENT_BUS_ARN', env);
  return {
    family,
    clusterArn: matching(
      'CLUSTER_ARN',
      'ClusterArn',
      CLUSTER_ARN,
      requiredEnv('CLUSTER_ARN', env),
      'arn:aws:ecs:<region>:<account>:cluster/<name>',
    ),
    containerName: requiredEnv('CONTAINER_NAME', env),
    timeoutMinutes,
    preventOverlap: overlap === 'true',
    ...(topic
      ? {
          failureTopicArn: matching(
            'FAILURE_TOPIC_ARN',
            'FailureTopicArn',
            TOPIC_ARN,
            topic,
            'arn:aws:sns:<region>:<account>:<topic>',
          ),
        }
      : {}),
    ...(bus
      ? {
          runsEventBusArn: matching(
            'RUNS_EVENT_BUS_ARN',
            'RunsEventBusArn',
            BUS_ARN,
            bus,
            'arn:aws:events:<region>:<account>:event-bus/<name>',
          ),
        }
      : {}),
    logGroupName: requiredEnv('LOG_GROUP_NAME', env),
    logStreamPrefix: requiredEnv('LOG_STREAM_PREFIX', env),
    idempotencyTable: requiredEnv('IDEMPOTENCY_TABLE', env),
  };
}
