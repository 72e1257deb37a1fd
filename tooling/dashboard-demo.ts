/**
 * The dashboard part of `npm start -- --dashboard`: on the demo's emulator, after the demo job has run over a few
 * days of simulated history (one failed run, one missed run; ./demo), a local Jobs registry (the jobs table as
 * template-jobs.yaml declares it, its configuration record, example registry jobs) and `cloud-cron dashboard`'s
 * server over both.
 *
 * moto has no Lambda runtime, so the dashboard's actions are wired to what runs the demo's functions instead:
 * "Run now" of the stack job goes through the demo's simulator (an asynchronous invocation recorded by the Runs
 * app's recorder: RunsDemoResult.runNow), and "Run now" of a registry job through the Jobs app's own dispatcher,
 * in process, whose SNS targets publish on the emulator. Everything else (reads, pause, resume, the form's
 * writes) is the dashboard's real code on the emulator.
 */

import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { S3Client } from '@aws-sdk/client-s3';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Sources } from '../cli/dashboard/data';
import { type DashboardServer, startDashboardServer } from '../cli/dashboard/server';
import type { JobDefinition } from '../functions/common/jobs/definition';
import { manualInput } from '../functions/common/jobs/dispatch-input';
import { createJobsStore, type JobsStore } from '../functions/common/jobs/store';
import { CONFIG_KEY, type ConfigItem } from '../functions/common/jobs/table';
import { validateJob } from '../functions/common/jobs/validate';
import { createLedgerStore, type LedgerStore } from '../functions/common/runs/store';
import { firesBetween } from '../functions/common/schedule';
import { deployJobsLocally, localDispatcher } from './jobs-local';

export type ClientConfig = {
  region: string;
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
};

const DAY = 86_400_000;
/** The window of history: the last few days, at least MIN_RUNS and at most MAX_RUNS of the job's slots. */
const MIN_RUNS = 6;
const MAX_RUNS = 30;
const HISTORY_DAYS = 3;
const MAX_DAYS = 31;

/**
 * The window of simulated history the dashboard demo runs the job over, ending now: the job's slots of the last
 * HISTORY_DAYS days, widened to MIN_RUNS slots (a weekday job) and narrowed to MAX_RUNS (a frequent one), within 31
 * days. The third-last slot fails and the second-last is never delivered, so the newest run succeeded, one failed
 * and one went missing.
 */
export function historyWindow(
  expression: string,
  timezone: string,
  now: Date,
): { from: Date; until: Date; failRun: number; skipRun: number } {
  const since = new Date(now.getTime() - (MAX_DAYS - 1) * DAY);
  const slots = [...firesBetween(expression, { timezone }, since, now)].map((d) => d.getTime());
  if (slots.length < 3)
    throw new Error(
      `the schedule ${expression} fires ${slots.length} time(s) in the last ${MAX_DAYS - 1} days: the dashboard demo needs one that fires at least 3 times (e.g. --schedule "rate(1 hour)")`,
    );
  const recent = slots.filter((t) => t >= now.getTime() - HISTORY_DAYS * DAY).length;
  const count = Math.min(MAX_RUNS, Math.max(MIN_RUNS, recent), slots.length);
  const first = slots[slots.length - count];
  return { from: new Date(first - 60_000), until: now, failRun: count - 2, skipRun: count - 1 };
}

/** The registry jobs the demo starts with: one active, one paused (both SNS jobs: they really publish here). */
export function exampleRegistryJobs(topicArn: string): JobDefinition[] {
  return [
    {
      version: 1,
      id: 'weekly-digest',
      description: 'Posts the weekly digest to the reports topic',
      schedule: { expression: 'cron(30 9 ? * MON *)', timezone: 'America/New_York' },
      target: {
        type: 'sns',
        arn: topicArn,
        message: { kind: 'digest', period: 'week' },
        attributes: { type: 'digest' },
      },
    },
    {
      version: 1,
      id: 'cache-warmup',
      description: 'Warms the product cache every 6 hours',
      schedule: { expression: 'rate(6 hours)', timezone: 'UTC' },
      target: { type: 'sns', arn: topicArn, message: 'warm the cache', attributes: { type: 'maintenance' } },
      maxRuns: 100,
    },
  ];
}

export type DashboardDemoOptions = {
  client: ClientConfig;
  /** The demo's runs ledger (RunsDemoResult.tableName). */
  runsTable: string;
  /** Runs the stack job now through the demo's simulator (RunsDemoResult.runNow). */
  runStackJob: () => Promise<{ requestId: string }>;
  /** Where the registry jobs publish (default: a topic made for them). */
  topicArn?: string;
  port?: number;
  now?: () => Date;
  log?: (line: string) => void;
};

export type DashboardDemo = {
  url: string;
  server: DashboardServer;
  sources: Sources;
  jobsTable: string;
  stop(): Promise<void>;
};

export async function startDashboardDemo(o: DashboardDemoOptions): Promise<DashboardDemo> {
  const now = o.now ?? (() => new Date());
  const id = randomUUID().slice(0, 6);
  const ddb = new DynamoDBClient(o.client);
  const sns = new SNSClient(o.client);
  const topicArn =
    o.topicArn ?? (await sns.send(new CreateTopicCommand({ Name: `cloud-cron-demo-registry-${id}` }))).TopicArn ?? '';
  const region = o.client.region;
  const allowedTargetArns = [
    `arn:aws:sns:${region}:123456789012:cloud-cron-*`,
    `arn:aws:lambda:${region}:123456789012:function:cloud-cron-*`,
  ];
  const clients = {
    ddb,
    sns,
    streams: new DynamoDBStreamsClient(o.client),
    scheduler: new SchedulerClient(o.client),
    s3: new S3Client({ ...o.client, forcePathStyle: true }),
    sqs: new SQSClient(o.client),
  };
  const local = await deployJobsLocally(clients, { prefix: `cloud-cron-demo-${id}`, allowedTargetArns, region });
  const jobsTable = local.tableName;
  // What the app's setup custom resource (functions/jobs-setup) writes: where the dispatcher and the files are.
  const config: ConfigItem = {
    ...CONFIG_KEY,
    groupName: local.groupName,
    dispatcherArn: local.dispatcherArn,
    allowedTargetArns,
    bucket: local.bucket,
    prefix: local.prefix,
    stackId: `arn:aws:cloudformation:${region}:123456789012:stack/cloud-cron-jobs/${randomUUID()}`,
    updatedAt: now().toISOString(),
  };
  const jobs = createJobsStore(ddb, jobsTable);
  await jobs.writeItems([config]);
  for (const def of exampleRegistryJobs(topicArn)) {
    const v = validateJob(def, { allowedTargetArns });
    if (!v.ok) throw new Error(`the demo's registry job ${def.id} is not valid: ${v.errors[0].message}`);
    await jobs.putJob(v.job, { source: 'cli', now: now(), createOnly: true, by: 'npm start --dashboard' });
  }
  await jobs.setPaused('cache-warmup', true, now());

  // The Jobs app's dispatcher in this process (tooling/jobs-local.ts): SNS targets publish on the emulator; a
  // Lambda target has no runtime here and its run is recorded as failed, with that reason.
  const dispatcher = localDispatcher(clients, local, {
    clock: { now },
    targets: {
      async invokeAsync() {
        throw Object.assign(new Error('the local demo has no Lambda runtime: Lambda targets run on AWS only'), {
          name: 'NoLambdaRuntime',
        });
      },
    },
  });

  const sources: Sources = {
    runs: { store: createLedgerStore(ddb, o.runsTable), name: `ledger ${o.runsTable} (local)` },
    registry: { store: jobs, config, name: `jobs table ${jobsTable} (local)` },
  };
  const server = await startDashboardServer(
    {
      sources,
      actions: {
        runStackJob: () => o.runStackJob(),
        async runRegistryJob(jobId, at) {
          const input = manualInput(jobId, `manual-${randomUUID()}`, at);
          await dispatcher.dispatch(input);
          return { executionId: input.executionId };
        },
      },
      now,
      by: 'npm start --dashboard',
      ...(o.log ? { log: o.log } : {}),
    },
    { host: '127.0.0.1', port: o.port ?? 0 },
  );
  return { url: server.url, server, sources, jobsTable, stop: () => server.close() };
}

/** Debian's chromium, as tooling/requirements.ts finds it, launched headless by playwright-core for the browser tests. */
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
];

export type DashboardDemoRun = {
  url: string;
  now: () => Date;
  ledger: LedgerStore;
  registry: JobsStore;
  /** The topic the registry jobs publish to (allowed by the local Jobs app's AllowedTargetArns). */
  topicArn: string;
  stop(): Promise<void>;
};
