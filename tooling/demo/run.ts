import { join } from 'node:path';
import { formatRun, nextRuns } from '../../functions/common/schedule';
import { app } from '../apps';
import { loadTemplate, type Template } from '../cfn-yaml';
import { invokeBundle } from '../invoke';
import { ROOT } from '../paths';
import { functionEnvironment } from '../template-env';
import { type DemoContext, type JobOutcome, need, REGION } from './context';
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

export const jobStep: Step<DemoContext> = {
  id: 'job',
  title: 'run the example job as Lambda would, with the event the schedule sends',
  async run(ctx) {
    const aws = need(ctx, 'aws');
    const job = need(ctx, 'job');
    const payload = need(ctx, 'payload');
    const [r] = await invokeBundle<JobOutcome>(
      EXAMPLE_JOB_BUNDLE,
      [payload.value],
      {
        ...aws.env,
        ...job.environment,
        POWERTOOLS_LOG_LEVEL: 'WARN',
        AWS_LAMBDA_FUNCTION_NAME: 'cloud-cron-example-job',
      },
      { functionName: 'cloud-cron-example-job', awsRequestId: `run-${Date.now()}` },
    );
    if (!r.ok) {
      const what = ctx.options.payload ? `--payload ${payload.source}` : 'the demo payload';
      throw new Error(`the example job failed on ${what}: ${r.error.name}: ${r.error.message}`);
    }
    job.result = r.result;
    const published = r.result.published.map((p) => `${p.type} -> ${p.variable}`).join(', ') || 'nothing';
    return [`severity ${r.result.severity}, counts ${JSON.stringify(r.result.counts)}; published ${published}`];
  },
};
