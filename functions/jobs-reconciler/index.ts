/**
 * Jobs reconciler: the jobs table's stream -> EventBridge Scheduler schedules in the app's group; and, on its own
 * hourly rule (or invoked with {"action": "sweep"}), the sweep that removes orphan schedules and repairs missing
 * ones. Wiring only; the work is in reconciler.ts. See docs/jobs.md.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { createScheduleCalls } from '../common/jobs/scheduler';
import { createJobsStore } from '../common/jobs/store';
import { loadConfig } from './config';
import { createReconciler } from './reconciler';
import type { ScheduleRequest } from './schedules';
import { reconcilerStore } from './store';

const config = loadConfig();
const logger = new Logger({ serviceName: 'cloud-cron-jobs-reconciler' });
const timeouts = { requestHandler: { connectionTimeout: 3000, requestTimeout: 10000 }, maxAttempts: 6 };
const store = createJobsStore(new DynamoDBClient(timeouts), config.tableName);

const reconciler = createReconciler({
  schedules: createScheduleCalls<ScheduleRequest>(new SchedulerClient(timeouts), config.groupName),
  store: reconcilerStore(store),
  settings: config,
  now: () => new Date(),
  log: { info: (m, e) => logger.info(m, e ?? {}), warn: (m, e) => logger.warn(m, e ?? {}) },
});

const isStream = (e: unknown): e is DynamoDBStreamEvent =>
  Array.isArray((e as DynamoDBStreamEvent)?.Records) &&
  (e as DynamoDBStreamEvent).Records.every((r) => r.eventSource === 'aws:dynamodb');

export const handler = async (event: unknown) => {
  if (isStream(event)) {
    const { batchItemFailures } = await reconciler.onStream(event);
    return { batchItemFailures };
  }
  // The hourly rule's Scheduled Event, or {"action": "sweep"}.
  return reconciler.sweep();
};
