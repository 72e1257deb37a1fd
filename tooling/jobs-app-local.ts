/**
 * The Jobs app running on a local emulator for the CLI, `npm start -- --jobs` and the benchmarks: the app as
 * tooling/jobs-local.ts sets it up from template-jobs.yaml, plus what its setup custom resource writes (the CONFIG
 * record the CLI reads: group, dispatcher, AllowedTargetArns, bucket, prefix) and the reconciler of
 * functions/jobs-reconciler in this process, fed the table's real stream through its event source mapping's filter
 * (`reconcile()`: what Lambda's mapping would hand it next, with its partial-batch retry).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBRecord } from 'aws-lambda';
import { createScheduleCalls } from '../functions/common/jobs/scheduler';
import { createJobsStore, type JobsStore } from '../functions/common/jobs/store';
import { CONFIG_KEY, type ConfigItem } from '../functions/common/jobs/table';
import { createReconciler, type Outcome } from '../functions/jobs-reconciler/reconciler';
import type { ScheduleRequest } from '../functions/jobs-reconciler/schedules';
import { reconcilerStore } from '../functions/jobs-reconciler/store';
import { deployJobsLocally, type LocalJobs } from './jobs-local';

export type JobsAppClients = {
  ddb: DynamoDBClient;
  streams: DynamoDBStreamsClient;
  scheduler: SchedulerClient;
  s3: S3Client;
  sqs: SQSClient;
};

export type LocalJobsApp = {
  jobs: LocalJobs;
  store: JobsStore;
  config: ConfigItem;
  /** Hands the reconciler every stream record written since the last call that its FilterCriteria let through. */
  reconcile(): Promise<Outcome[]>;
  sweep(): ReturnType<ReturnType<typeof createReconciler>['sweep']>;
  /** The reconciler itself (the benchmark times `onStream` on records it read beforehand). */
  reconciler: ReturnType<typeof createReconciler>;
};

export async function startJobsApp(
  clients: JobsAppClients,
  options: { prefix: string; allowedTargetArns: string[]; now?: () => Date; region?: string; accountId?: string },
): Promise<LocalJobsApp> {
  const now = options.now ?? (() => new Date());
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '123456789012';
  const jobs = await deployJobsLocally(clients, {
    prefix: options.prefix,
    allowedTargetArns: options.allowedTargetArns,
    region,
    accountId,
  });
  const store = createJobsStore(clients.ddb, jobs.tableName);
  // What the JobsSetup custom resource records (functions/jobs-setup/setup.ts) once the group exists.
  const config: ConfigItem = {
    ...CONFIG_KEY,
    groupName: jobs.groupName,
    dispatcherArn: jobs.dispatcherArn,
    allowedTargetArns: [...options.allowedTargetArns],
    bucket: jobs.bucket,
    prefix: jobs.prefix,
    stackId: `arn:aws:cloudformation:${region}:${accountId}:stack/${options.prefix}-jobs/local`,
    updatedAt: now().toISOString(),
  };
  await store.writeItems([config]);
  const reconciler = createReconciler({
    schedules: createScheduleCalls<ScheduleRequest>(clients.scheduler, jobs.groupName),
    store: reconcilerStore(store),
    settings: {
      groupName: jobs.groupName,
      dispatcherArn: jobs.dispatcherArn,
      roleArn: jobs.schedulerRoleArn,
      deadLetterArn: jobs.dispatchDeadLetterQueueArn,
    },
    now,
    log: { info() {}, warn() {} },
  });
  const batchSize = 100;
  return {
    jobs,
    store,
    config,
    async reconcile() {
      const records = jobs.stream.filter(await jobs.stream.read(), 'ReconcilerFunction');
      const outcomes: Outcome[] = [];
      for (let i = 0; i < records.length; i += batchSize) {
        let batch: DynamoDBRecord[] = records.slice(i, i + batchSize);
        // As the event source mapping does with a partial batch failure: again from the record reported.
        for (let attempt = 0; batch.length > 0; attempt++) {
          const r = await reconciler.onStream({ Records: batch });
          const failed = r.batchItemFailures[0]?.itemIdentifier;
          if (!failed) {
            outcomes.push(...r.outcomes);
            break;
          }
          if (attempt >= 3) throw new Error(`the reconciler keeps failing from stream record ${failed}`);
          batch = batch.slice(
            Math.max(
              0,
              batch.findIndex((x) => x.dynamodb?.SequenceNumber === failed),
            ),
          );
        }
      }
      return outcomes;
    },
    sweep: () => reconciler.sweep(),
    reconciler,
  };
}
