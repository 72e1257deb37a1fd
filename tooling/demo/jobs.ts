/**
 * `npm start -- --jobs <dir> [--from ISO --until ISO]`: the Jobs app instead of the example job. The parent's topics
 * and channels are deployed as for the default run (resourcesStep); then a folder of job files is applied to the Jobs
 * app on the emulator with `cloud-cron jobs apply`'s own code, reconciled into EventBridge Scheduler schedules from
 * the table's stream, and, over the window, fired as Scheduler fires them, each fire handled by the Jobs dispatcher
 * (tooling/jobs-demo.ts). What the SNS jobs publish on the parent's topics is delivered to the channels through their
 * filter policies (deliverStep), so a job routed by a message attribute to the email channel ends as an email.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { S3Client } from '@aws-sdk/client-s3';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { buildAll, ROOT } from '../build';
import { runJobsDemo } from '../jobs-demo';
import { clientsOf, type DemoContext, type JobsOutcome, need } from './context';
import { deliverStep, showStep } from './deliver';
import { awsStep, channelFunctions, resourcesStep, standInsStep } from './deploy';
import type { Step } from './steps';

export const jobsBuildStep: Step<DemoContext> = {
  id: 'build',
  title: 'build the channel functions (esbuild, options from the templates)',
  async run() {
    const built = await buildAll(ROOT, channelFunctions());
    return [built.map((b) => `dist/${b.name}/index.js`).join(', ')];
  },
};

export const jobsStep: Step<DemoContext> = {
  id: 'jobs',
  title: (ctx) =>
    ctx.options.window
      ? `apply ${ctx.options.jobs} to the Jobs app and fire its schedules from ${ctx.options.window.from.toISOString()} to ${ctx.options.window.until.toISOString()}`
      : `apply ${ctx.options.jobs} to the Jobs app`,
  async run(ctx) {
    const aws = need(ctx, 'aws');
    const dir = ctx.options.jobs;
    if (!dir) throw new Error('no --jobs folder');
    const { sns, sqs } = clientsOf(aws);
    const result = await runJobsDemo({
      dir,
      clients: {
        ddb: new DynamoDBClient(aws.client),
        streams: new DynamoDBStreamsClient(aws.client),
        scheduler: new SchedulerClient(aws.client),
        s3: new S3Client({ ...aws.client, forcePathStyle: true }),
        sqs,
        sns,
      },
      ...(ctx.options.window ? { window: ctx.options.window } : {}),
    });
    const outcome: JobsOutcome = {
      tableName: result.app.jobs.tableName,
      groupName: result.app.jobs.groupName,
      apply: result.apply,
      fires: result.fires,
      invocations: result.invocations,
      published: result.published,
      jobs: result.jobs,
      schedules: result.schedules,
      lines: result.lines,
    };
    ctx.jobs = outcome;
    // The fires and the jobs are in the summary at the end.
    return result.lines.slice(0, 2);
  },
};

/** The `--jobs` run: the parent's topics and channels, the Jobs app and its fires, what was delivered. */
export const JOBS_STEPS: readonly Step<DemoContext>[] = [
  jobsBuildStep,
  awsStep,
  standInsStep,
  resourcesStep,
  jobsStep,
  deliverStep,
  showStep,
];
