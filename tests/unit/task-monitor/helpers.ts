/** Shared set-up of the task monitor's unit tests: the sample events' job, and fakes for its dependencies. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MonitorConfig } from '../../../functions/task-monitor/config';
import type { TaskStateChangeEvent } from '../../../functions/task-monitor/events';
import { EVENTS } from '../../../tooling/paths';

/** The job the samples in events/task-*.json belong to. */
export const CONFIG: MonitorConfig = {
  family: 'cloud-cron-nightly-export',
  clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/cloud-cron-nightly-export',
  containerName: 'job',
  timeoutMinutes: 90,
  preventOverlap: true,
  failureTopicArn: 'arn:aws:sns:us-east-1:123456789012:ops',
  logGroupName: '/aws/ecs/cloud-cron/nightly-export',
  logStreamPrefix: 'task',
  idempotencyTable: 'idempotency',
};

export function sample(name: string): TaskStateChangeEvent {
  return JSON.parse(readFileSync(join(EVENTS, `task-state-${name}.json`), 'utf8')) as TaskStateChangeEvent;
}

export const TASK = (id: string) => `arn:aws:ecs:us-east-1:123456789012:task/cloud-cron-nightly-export/${id}`;
