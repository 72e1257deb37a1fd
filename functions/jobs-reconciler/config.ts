/**
 * The reconciler's settings, read once at init from the environment template-jobs.yaml sets. Every failure names
 * the variable.
 */
import { requiredEnv } from '../common/config';
import { ConfigurationError } from '../common/errors';
import type { ScheduleSettings } from './schedules';

type Env = Record<string, string | undefined>;

export type ReconcilerConfig = ScheduleSettings & { tableName: string };

const GROUP = /^[0-9A-Za-z_.-]{1,64}$/;
const ARN = (service: string) => new RegExp(`^arn:aws(-cn|-us-gov)?:${service}:`);

function matching(name: string, value: string, pattern: RegExp, what: string): string {
  if (!pattern.test(value))
    throw new ConfigurationError(`environment variable ${name} must be ${what}, got "${value}"`);
  return value;
}

export function loadConfig(env: Env = process.env): ReconcilerConfig {
  return {
    tableName: requiredEnv('JOBS_TABLE_NAME', env),
    groupName: matching(
      'SCHEDULE_GROUP_NAME (parameter ScheduleGroupName)',
      requiredEnv('SCHEDULE_GROUP_NAME', env),
      GROUP,
      'a schedule group name',
    ),
    dispatcherArn: matching(
      'DISPATCHER_ARN',
      requiredEnv('DISPATCHER_ARN', env),
      ARN('lambda'),
      'a Lambda function ARN',
    ),
    roleArn: matching('SCHEDULER_ROLE_ARN', requiredEnv('SCHEDULER_ROLE_ARN', env), ARN('iam'), 'an IAM role ARN'),
    deadLetterArn: matching(
      'DISPATCH_DEAD_LETTER_ARN',
      requiredEnv('DISPATCH_DEAD_LETTER_ARN', env),
      ARN('sqs'),
      'an SQS queue ARN',
    ),
  };
}
