import { join } from 'node:path';
import { formatRun, nextRuns } from '../../functions/common/schedule';
import { app } from '../apps';
import { startBundleWorker } from '../bundle-worker';
import { loadTemplate, type Template } from '../cfn-yaml';
import { invokeBundle } from '../invoke';
import { ROOT } from '../paths';
import { runRunsDemo } from '../runs-demo';
import { functionEnvironment } from '../template-env';
import { type DemoContext, JOB_NAME, type JobOutcome, need, REGION } from './context';
import { EXAMPLE_JOB_BUNDLE } from './local';
import type { Step } from './steps';

export const macroStep: Step<DemoContext> = {
  id: 'macro',
  title: `run the CloudCron macro on ${app('job').template}`,
  async run(ctx) {
    const deployed = need(ctx, 'deployed');
    const jobTemplate = loadTemplate(join(ROOT, app('job').template));
    const [r] = await invokeBundle<{ status: string; fragment: Template; errorMessage?: string }>(
      'macro',
      [
        {
          region: REGION,
          accountId: '123456789012',
          transformId: '123456789012::CloudCron',
          requestId: 'npm-start',
          params: {},
          fragment: jobTemplate,
          templateParameterValues: deployed.jobParameters,
        },
      ],
      {},
    );
    if (!r.ok) throw new Error(`the macro crashed: ${r.error.message}`);
    if (r.result.status !== 'success') throw new Error(`the macro refused the template: ${r.result.errorMessage}`);
    const environment = functionEnvironment(r.result.fragment, 'JobFunction', { parameters: deployed.jobParameters });
    const { schedule, timezone } = ctx.options;
    const runs = nextRuns(schedule, timezone, 3).map((d) => formatRun(d, timezone));
    ctx.job = { environment, nextRuns: runs };
    return [
      ...Object.entries(environment).map(([k, v]) => `${k}=${v}`),
      `schedule ${schedule} (${timezone}), next runs: ${runs.join(', ') || `none after ${formatRun(new Date(), timezone)}`}`,
    ];
  },
};

/**
 * The job as its schedule runs it: an asynchronous invocation (Lambda's retries, both destinations) recorded by a
 * local Runs app, once now or at every slot of a window of simulated time, with the watchdog (tooling/runs-demo.ts).
 * The job itself runs in one child process with the environment the macro gave it (tooling/bundle-worker.ts).
 */
export const jobStep: Step<DemoContext> = {
  id: 'job',
  title: (ctx) =>
    ctx.options.window
      ? `run the example job over ${ctx.options.window.from.toISOString()} .. ${ctx.options.window.until.toISOString()} (simulated clock), recorded by the Runs app`
      : 'run the example job as its schedule would (asynchronous invocation), recorded by the Runs app',
  async run(ctx) {
    const aws = need(ctx, 'aws');
    const job = need(ctx, 'job');
    const payload = need(ctx, 'payload');
    const deployed = need(ctx, 'deployed');
    const { options } = ctx;
    const worker = await startBundleWorker(EXAMPLE_JOB_BUNDLE, {
      ...aws.env,
      ...job.environment,
      POWERTOOLS_LOG_LEVEL: 'WARN',
      AWS_LAMBDA_FUNCTION_NAME: JOB_NAME,
    });
    ctx.cleanups.push(() => worker.stop());
    const jobDefaults = loadTemplate(join(ROOT, app('job').template)).Parameters ?? {};
    const number = (name: string) => Number(deployed.jobParameters[name] ?? jobDefaults[name]?.Default);
    const failures: string[] = [];
    const runs = await runRunsDemo({
      client: aws.client,
      env: aws.env,
      job: JOB_NAME,
      expression: options.schedule,
      timezone: options.timezone,
      input: deployed.jobParameters.SchedulePayload ?? JSON.stringify(payload.value),
      timeoutSeconds: number('Timeout'),
      maximumRetryAttempts: number('MaximumRetryAttempts'),
      failureTopicArn: deployed.jobParameters.FailureTopicArn ?? '',
      window: options.window,
      failRun: options.failRun,
      skipRun: options.skipRun,
      watchdogMinutes: options.watchdogMinutes,
      handler: async (event, context) => {
        const r = await worker.invoke<JobOutcome>(event, {
          functionName: JOB_NAME,
          invokedFunctionArn: context.invokedFunctionArn,
          awsRequestId: context.awsRequestId,
          remainingMs: context.getRemainingTimeInMillis(),
        });
        if (!r.ok) {
          failures.push(`${r.error.name}: ${r.error.message}`);
          throw Object.assign(new Error(r.error.message), { name: r.error.name });
        }
        job.result = r.result;
        return { severity: r.result.severity, counts: r.result.counts };
      },
    });
    ctx.runs = {
      job: JOB_NAME,
      tableName: runs.tableName,
      registration: runs.registration.Status,
      entries: runs.entries,
      table: runs.table,
      invocations: runs.invocations,
      missed: runs.missed.map((m) => ({ scheduledTime: m.scheduledTime })),
      alerts: runs.alerts,
    };
    const count = (...statuses: string[]) => runs.entries.filter((e) => statuses.includes(e.status)).length;
    const last = job.result;
    const what = ctx.options.payload ? `--payload ${payload.source}` : 'the demo payload';
    return [
      `registered with the Runs app (${runs.registration.Status}); ledger ${runs.tableName}`,
      `${runs.invocations.length} run(s): ${count('succeeded')} succeeded, ${count('failed', 'timed_out')} failed, ${count('missed')} missed`,
      ...(last
        ? [
            `last run: severity ${last.severity}, counts ${JSON.stringify(last.counts)}; published ${last.published.map((p) => `${p.type} -> ${p.variable}`).join(', ') || 'nothing'}`,
          ]
        : []),
      ...[...new Set(failures)].map((f) => `the job failed on ${what}: ${f}`),
      ...runs.alerts.map((a) => `alert to the failure topic: ${a.title}`),
    ];
  },
};
