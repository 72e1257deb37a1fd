/**
 * `npm start` as a library: `start(options)` deploys the example parent (examples/parent/template.yaml) on this
 * machine, with no AWS account, runs the example job once as its schedule would, and returns what happened as a
 * typed result (steps, what was published, where each message went and why, the emails and texts sent).
 *
 *   moto_server (or an AWS endpoint given)  ->  the parent's topics, an SES identity, the Twilio secret, the channels'
 *     idempotency tables, one SQS queue per channel subscribed with the channel's filter policy (as the channel
 *     templates subscribe their functions), and one unfiltered queue per topic to see everything published
 *   CloudCron macro (built bundle) on template-scheduled-lambda.yaml  ->  the job's environment
 *   the Runs app (template-runs.yaml) on the emulator, the job registered with it by its stack's custom resource
 *   example job (examples/job, bundled as its Dockerfile does) in a child process, with that environment, run as
 *     its schedule runs it (an asynchronous invocation, tooling/simulator): once now, or every slot of a window of
 *     simulated time with the watchdog; its runs recorded to the ledger, failed and missed runs alerted through its
 *     FailureTopicArn to the operators' email and SMS
 *   each channel's bundle, fed what its subscription received, in the SNS event shape  ->  SES (through a recorder)
 *     and Twilio (a local stand-in, or a Twilio API given)
 *
 * It never writes process.env: every function, the job included, runs in a child process with its own environment.
 * The run is a list of steps (./steps.ts) over one context: other modes are other lists built from these steps.
 *
 * The API other code builds on (kept stable):
 *   start(options?: StartOptions, hooks?: StartHooks) -> Promise<StartResult>   StartOptionsError before anything
 *     starts (names the flag at fault); StepError (with every step's record) when a step fails.
 *   A new option: a field of StartOptions and its check in ./options.ts (checkOptions: every problem names the flag),
 *     its flag in scripts/start.ts's defineCommand (the usage and the parser come from it), then a step reads
 *     ctx.options. A new mode: a Step<DemoContext> (./steps.ts: name, run(ctx)) and a step list passed as
 *     hooks.steps or chosen in start() from the options; results go on the context (./context.ts) and StartResult.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setUp } from '../setup';
import {
  type Delivery,
  type DemoContext,
  JOB_NAME,
  type JobOutcome,
  type JobsOutcome,
  need,
  type Published,
  type Runs,
  type SentEmail,
  type SentPost,
  type SentText,
} from './context';
import { dashboardStep } from './dashboard';
import { deliverStep, showStep } from './deliver';
import { awsStep, buildStep, resourcesStep, standInsStep } from './deploy';
import { JOBS_STEPS } from './jobs';
import { checkOptions, type StartOptions } from './options';
import { jobStep, macroStep } from './run';
import { type Reporter, runSteps, type Step, type StepRecord } from './steps';
import { taskStep } from './task';

export * from './context';
export { dashboardStep } from './dashboard';
export { deliverStep, OUTPUT_FILES, showStep, summaryLines } from './deliver';
export { awsStep, buildStep, resourcesStep, standInsStep } from './deploy';
export { explainFilterPolicy, type FilterScope, type FilterVerdict } from './filter-policy';
export { JOBS_STEPS, jobsBuildStep, jobsStep } from './jobs';
export { checkOptions, DEFAULTS, type StartOptions, StartOptionsError } from './options';
export { jobStep, macroStep } from './run';
export { type Reporter, runSteps, type Step, StepError, type StepRecord } from './steps';
export { TASK_STACK, TASK_TIMEOUT_MINUTES, taskStep } from './task';

export type StartResult = {
  steps: StepRecord[];
  aws: { endpoint: string; started: boolean };
  twilio: { url: string; standIn: boolean };
  schedule: { expression: string; timezone: string; nextRuns: string[] };
  /** The job's topics: variable -> ARN. */
  topics: Record<string, string>;
  /** The job's FailureTopicArn (the parent's OperationsTopicArn), where the Runs app's alerts go. */
  failureTopic?: string;
  payload: { source: string; value: unknown };
  /** The job's environment (from the macro), and what its last successful run returned. */
  job: { environment: Record<string, string>; result?: JobOutcome };
  /** The job's runs as the Runs app recorded them (and alerted the failed and missed ones); none with --jobs. */
  runs: Runs;
  /** `--jobs`: the Jobs app's apply, fires and jobs. */
  jobs?: JobsOutcome;
  published: Published[];
  deliveries: Delivery[];
  emails: SentEmail[];
  /** Texts the Twilio stand-in accepted (empty when a Twilio API was given: see that service). */
  texts: SentText[];
  /** What the Slack incoming-webhook stand-in received, checked against Slack's Block Kit contract. */
  posts: SentPost[];
  outDir: string;
  /** Files written to outDir. */
  files: string[];
  /** What was sent, as lines for people (also in outDir/summary.txt). */
  summary: string[];
  /** `dashboard`: where the dashboard is served, and the local registry's table. */
  dashboard?: { url: string; jobsTable: string };
  /** Stops what the run left running (with keepRunning); otherwise everything is already stopped. */
  stop(): Promise<void>;
};

/** The default run: the parent deployed locally, the job run once, what it published delivered. */
export const DEFAULT_STEPS: readonly Step<DemoContext>[] = [
  buildStep,
  awsStep,
  standInsStep,
  resourcesStep,
  macroStep,
  jobStep,
  deliverStep,
  showStep,
];

/** With `task`: the job as a scheduled task (template-scheduled-task.yaml) in place of the macro and job steps. */
export const TASK_STEPS: readonly Step<DemoContext>[] = [
  buildStep,
  awsStep,
  standInsStep,
  resourcesStep,
  taskStep,
  deliverStep,
  showStep,
];

export type StartHooks = {
  reporter?: Reporter;
  steps?: readonly Step<DemoContext>[];
  /** Where the set-up check says what it found or installed (default: nowhere). */
  log?: (line: string) => void;
};

/**
 * Runs the demo. Options are checked first (StartOptionsError names the flag at fault) and nothing starts when one is
 * wrong. A failing step throws StepError with every step's record. Whatever the run started is stopped before it
 * returns, unless `keepRunning` (then `result.stop()` stops it).
 */
export async function start(options: StartOptions = {}, hooks: StartHooks = {}): Promise<StartResult> {
  const checked = checkOptions(options);
  // moto_server, unless another AWS emulator is given: found or installed now, or named with its install command
  // (SetupError) before anything starts.
  if (!checked.awsEndpoint) await setUp('start', { log: hooks.log ?? (() => undefined) });
  const ctx: DemoContext = {
    options: checked,
    cleanups: [],
    accountSid: `AC${randomBytes(16).toString('hex')}`,
    authToken: randomBytes(16).toString('hex'),
  };
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    for (const c of ctx.cleanups.reverse()) await c().catch(() => undefined);
  };
  const onAbort = () => void stop();
  checked.signal?.addEventListener('abort', onAbort, { once: true });
  let keep = false;
  try {
    const steps = await runSteps(
      hooks.steps ??
        (checked.jobs
          ? JOBS_STEPS
          : checked.task
            ? TASK_STEPS
            : checked.dashboard
              ? [...DEFAULT_STEPS, dashboardStep]
              : DEFAULT_STEPS),
      ctx,
      hooks.reporter,
    );
    const result = resultOf(ctx, steps, stop);
    const file = join(checked.outDir, 'result.json');
    const { stop: _stop, ...data } = result;
    writeFileSync(file, `${JSON.stringify({ ...data, files: [...result.files, file] }, null, 2)}\n`);
    result.files.push(file);
    keep = Boolean(checked.keepRunning);
    return result;
  } finally {
    checked.signal?.removeEventListener('abort', onAbort);
    if (!keep) await stop();
  }
}

function resultOf(ctx: DemoContext, steps: StepRecord[], stop: () => Promise<void>): StartResult {
  const aws = need(ctx, 'aws');
  const local = need(ctx, 'local');
  const deployed = need(ctx, 'deployed');
  // With --jobs the example job does not run: no environment, no runs of it.
  const job = ctx.job ?? { environment: {}, nextRuns: [] };
  const runs: Runs = ctx.runs ?? {
    job: JOB_NAME,
    tableName: '',
    registration: 'not run (--jobs)',
    entries: [],
    table: '',
    invocations: [],
    missed: [],
    alerts: [],
  };
  return {
    steps,
    aws: { endpoint: aws.endpoint, started: aws.started },
    twilio: { url: local.twilioUrl, standIn: Boolean(local.twilio) },
    schedule: { expression: ctx.options.schedule, timezone: ctx.options.timezone, nextRuns: job.nextRuns },
    topics: Object.fromEntries(deployed.topics.filter((t) => !t.failures).map((t) => [t.variable, t.arn])),
    failureTopic: deployed.topics.find((t) => t.failures)?.arn,
    payload: need(ctx, 'payload'),
    job: { environment: job.environment, result: job.result },
    runs,
    ...(ctx.jobs ? { jobs: ctx.jobs } : {}),
    published: ctx.published ?? [],
    deliveries: ctx.deliveries ?? [],
    emails: ctx.emails ?? [],
    texts: ctx.texts ?? [],
    posts: ctx.posts ?? [],
    outDir: ctx.options.outDir,
    files: ctx.files ?? [],
    summary: ctx.summary ?? [],
    ...(ctx.dashboard ? { dashboard: ctx.dashboard } : {}),
    stop,
  };
}
