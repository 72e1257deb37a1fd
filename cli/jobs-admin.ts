/**
 * `cloud-cron jobs list|get|rm|pause|resume|run`: the Jobs app's jobs, read and managed through the same table and
 * store as the HTTP API (functions/common/jobs/store.ts), shown as the one job view (functions/common/jobs/view.ts)
 * that the API, the status objects and the dashboard show.
 *
 *   list                every job: state, schedule, next run, runs so far, last run, where it came from
 *   get <id>            one job; --definition prints the definition alone (what `jobs apply` takes back)
 *   rm <id>...          delete jobs (their schedules go with them); a job file's job is deleted by deleting the file
 *   pause|resume <id>   disable or re-enable the job's schedule (works on every job, file-made ones too)
 *   run <id>            run it now: the dispatcher is invoked asynchronously with a manual input, as
 *                       POST /jobs/{id}/run does (it counts nowhere against maxRuns)
 */
import { randomUUID } from 'node:crypto';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { manualInput } from '../functions/common/jobs/dispatch-input';
import { JobConflictError, type JobsStore } from '../functions/common/jobs/store';
import type { RunItem } from '../functions/common/jobs/table';
import { type JobView, jobView, runView } from '../functions/common/jobs/view';
import { type CommandSpec, defineCommand, type FlagSpec, type Io, type Parsed, runCommand, UsageError } from './args';
import { appConfig, CliError, JOBS_FLAGS, JOBS_JSON_VERSION, JOBS_NOTES, openJobs, reporting } from './jobs-app';
import { table } from './ledger';

const ID = { name: '<id>', description: "the job's id", missing: 'give a job id' } as const;

const short = (iso?: string | null) => (iso ? iso.replace('T', ' ').replace(/(:\d{2})\.\d{3}Z$/, '$1Z') : '-');

function lastRunText(v: JobView): string {
  const last = v.runs.last;
  if (!last) return '-';
  return `${last.status}${last.trigger === 'manual' ? ' (manual)' : ''} ${short(last.scheduledTime ?? last.at)}`;
}

const runsText = (v: JobView) => `${v.runs.count}${v.runs.maxRuns !== null ? `/${v.runs.maxRuns}` : ''}`;

/** Every job as `jobs list` prints it. */
export function jobsTable(views: JobView[]): string {
  const rows = [['ID', 'STATE', 'SCHEDULE', 'NEXT RUN', 'RUNS', 'LAST RUN', 'SOURCE']];
  for (const v of views) {
    const zone = v.schedule.timezone === 'UTC' ? '' : ` ${v.schedule.timezone}`;
    rows.push([
      v.id,
      v.schedule.state,
      `${v.schedule.expression}${zone}`,
      short(v.schedule.nextRun),
      runsText(v),
      lastRunText(v),
      v.source,
    ]);
  }
  return table(rows);
}

function runLine(r: ReturnType<typeof runView>): string {
  const when = short((r.scheduledTime ?? r.requestedAt) as string | undefined);
  const why = [r.reason, r.errorType, r.errorMessage].filter(Boolean).join(': ');
  return `  ${when}  ${r.trigger === 'manual' ? 'manual  ' : 'schedule'}  ${String(r.status).padEnd(10)}${why ? `  ${why}` : ''}`;
}

/** One job as `jobs get` prints it. */
export function jobText(v: JobView, runs: RunItem[]): string {
  const d = v.definition;
  const target = d.target;
  const lines = [
    `job        ${v.id}${d.description ? `  (${d.description})` : ''}`,
    `state      ${v.schedule.state}${v.paused ? ' (paused: `cloud-cron jobs resume` to resume)' : ''}`,
    `schedule   ${v.schedule.expression} (${v.schedule.words}), ${v.schedule.timezone}`,
    `next run   ${short(v.schedule.nextRun)}`,
    `target     ${target.type} ${target.arn}`,
    `overlap    ${d.overlap ?? 'allow'}`,
    `runs       ${runsText(v)}${v.runs.finished ? ` (finished: ${v.runs.finished.reason} at ${short(v.runs.finished.at)})` : ''}`,
    `last run   ${lastRunText(v)}`,
    `source     ${v.source}, version ${v.version}, updated ${short(v.updatedAt)}${v.updatedBy && v.updatedBy !== v.source ? ` by ${v.updatedBy}` : ''}`,
    `schedule   ${v.schedule.reconciled ? `${v.schedule.reconciled.status}${v.schedule.reconciled.reason ? `: ${v.schedule.reconciled.reason}` : ''} (version ${v.schedule.reconciled.version})` : 'not reconciled yet'}`,
  ];
  if (runs.length) lines.push('recent runs', ...runs.map((r) => runLine(runView(r))));
  return lines.join('\n');
}

async function viewOf(store: JobsStore, id: string): Promise<JobView> {
  const record = await store.getJob(id);
  if (!record)
    throw new CliError(`job ${id} does not exist in ${store.table} (\`cloud-cron jobs list\` shows the jobs)`);
  return jobView(record, new Date());
}

// biome-ignore lint/suspicious/noExplicitAny: a command of any flags
type Command = { command: CommandSpec<any>; run(argv: string[], io?: Io): Promise<number> };

function jobsCommand<const F extends Record<string, FlagSpec>>(
  spec: CommandSpec<F>,
  what: string,
  work: (args: Parsed<F>, io: Io) => Promise<number>,
): Command {
  const command = defineCommand(spec);
  return {
    command,
    run: (argv, io) =>
      runCommand(
        command,
        argv,
        (args, streams) => reporting(command.name, what, streams.err, () => work(args, streams)),
        io,
      ),
  };
}

export const list = jobsCommand(
  {
    name: 'cloud-cron jobs list',
    summary: 'Every job of the Jobs app: state, schedule, next run, runs so far, last run, and where it came from.',
    flags: { ...JOBS_FLAGS },
    notes: JOBS_NOTES,
    examples: ['cloud-cron jobs list', 'cloud-cron jobs list --json'],
  },
  'cannot list the jobs',
  async ({ flags }, { out }) => {
    const store = await openJobs(flags);
    const items = await store.listJobItems();
    const states = await store.statesOf(items.map((j) => j.id));
    const now = new Date();
    const views = items.map((job) => jobView({ job, ...states.get(job.id) }, now));
    if (flags.json) out(JSON.stringify({ version: JOBS_JSON_VERSION, jobs: views }, null, 2));
    else if (views.length === 0) out(`no jobs in ${store.table}`);
    else out(jobsTable(views));
    return 0;
  },
);

export const get = jobsCommand(
  {
    name: 'cloud-cron jobs get',
    summary: 'One job: its definition, state, next run, run count, last and recent runs.',
    positionals: [ID],
    tooMany: () => 'give one job id',
    flags: {
      definition: { description: 'print the definition alone, as JSON (what `jobs apply` takes back)' },
      runs: { value: 'N', description: 'how many recent runs to show, 0-100', default: '5' },
      ...JOBS_FLAGS,
    },
    notes: JOBS_NOTES,
    examples: ['cloud-cron jobs get nightly-report', 'cloud-cron jobs get nightly-report --definition > nightly.json'],
  },
  'cannot read the job',
  async ({ flags, positionals }, { out }) => {
    const limit = String(flags.runs);
    if (!/^\d{1,3}$/.test(limit) || Number(limit) > 100) {
      throw new UsageError(`--runs "${limit}" must be a whole number from 0 to 100`);
    }
    const store = await openJobs(flags);
    const view = await viewOf(store, positionals[0]);
    if (flags.definition) {
      out(JSON.stringify(view.definition, null, 2));
      return 0;
    }
    const runs = Number(limit) > 0 ? await store.listRuns(view.id, Number(limit)) : [];
    if (flags.json) out(JSON.stringify({ version: JOBS_JSON_VERSION, job: view, runs: runs.map(runView) }, null, 2));
    else out(jobText(view, runs));
    return 0;
  },
);

export const rm = jobsCommand(
  {
    name: 'cloud-cron jobs rm',
    summary:
      'Delete jobs; the reconciler deletes their schedules. A job from a job file is deleted by deleting the file.',
    positionals: [{ ...ID, variadic: true }],
    flags: {
      'if-exists': { description: 'a job that does not exist is not an error' },
      ...JOBS_FLAGS,
    },
    notes: JOBS_NOTES,
    examples: ['cloud-cron jobs rm nightly-report', 'cloud-cron jobs rm a b c --if-exists --json'],
  },
  'cannot delete the job',
  async ({ flags, positionals }, { out, err }) => {
    const store = await openJobs(flags);
    const deleted: string[] = [];
    const missing: string[] = [];
    const refused: { id: string; message: string }[] = [];
    for (const id of positionals) {
      try {
        const r = await store.deleteJob(id, { source: 'cli' });
        (r.deleted ? deleted : missing).push(id);
      } catch (e) {
        if (!(e instanceof JobConflictError)) throw e;
        refused.push({ id, message: e.message });
      }
    }
    const failed = refused.length > 0 || (!flags['if-exists'] && missing.length > 0);
    if (flags.json) {
      out(JSON.stringify({ version: JOBS_JSON_VERSION, ok: !failed, deleted, missing, refused }, null, 2));
      return failed ? 1 : 0;
    }
    for (const id of deleted) out(`deleted  ${id}`);
    for (const id of missing) {
      if (flags['if-exists']) out(`absent   ${id}`);
      else err(`cloud-cron jobs rm: job ${id} does not exist in ${store.table} (--if-exists to allow that)`);
    }
    for (const r of refused) err(`cloud-cron jobs rm: ${r.message}`);
    return failed ? 1 : 0;
  },
);

function pauseCommand(paused: boolean): Command {
  const verb = paused ? 'pause' : 'resume';
  return jobsCommand(
    {
      name: `cloud-cron jobs ${verb}`,
      summary: paused
        ? "Pause a job: its schedule is disabled and a fire that still arrives is skipped; `run` still works. Any job, a job file's too."
        : 'Resume a paused job: its schedule is enabled again.',
      positionals: [ID],
      tooMany: () => 'give one job id',
      flags: { ...JOBS_FLAGS },
      notes: JOBS_NOTES,
      examples: [`cloud-cron jobs ${verb} nightly-report`],
    },
    `cannot ${verb} the job`,
    async ({ flags, positionals }, { out }) => {
      const store = await openJobs(flags);
      const id = positionals[0];
      const before = await store.getJobItem(id);
      if (!before) throw new CliError(`job ${id} does not exist in ${store.table}`);
      const changed = before.paused !== paused;
      if (changed) await store.setPaused(id, paused, new Date());
      const view = await viewOf(store, id);
      if (flags.json) out(JSON.stringify({ version: JOBS_JSON_VERSION, changed, job: view }, null, 2));
      else
        out(
          `${changed ? (paused ? 'paused' : 'resumed') : `already ${paused ? 'paused' : 'running'}`}  ${id}  (${view.schedule.state}, next run ${short(view.schedule.nextRun)})`,
        );
      return 0;
    },
  );
}

export const pause = pauseCommand(true);
export const resume = pauseCommand(false);

export const runNow = jobsCommand(
  {
    name: 'cloud-cron jobs run',
    summary:
      'Run a job now: the dispatcher runs it as a manual run, as POST /jobs/{id}/run does (maxRuns does not count it).',
    positionals: [ID],
    tooMany: () => 'give one job id',
    flags: { ...JOBS_FLAGS },
    notes: ['`cloud-cron jobs get <id>` shows the run once the dispatcher has recorded it.', ...JOBS_NOTES],
    examples: ['cloud-cron jobs run nightly-report'],
  },
  'cannot run the job',
  async ({ flags, positionals }, { out }) => {
    const store = await openJobs(flags);
    const id = positionals[0];
    const [config, job] = await Promise.all([appConfig(store), store.getJobItem(id)]);
    if (!job) throw new CliError(`job ${id} does not exist in ${store.table}`);
    const input = manualInput(id, `manual-${randomUUID()}`, new Date());
    const r = await new LambdaClient({ maxAttempts: 3 }).send(
      new InvokeCommand({
        FunctionName: config.dispatcherArn,
        InvocationType: 'Event',
        Payload: Buffer.from(JSON.stringify(input)),
      }),
    );
    if (flags.json) {
      out(
        JSON.stringify(
          {
            version: JOBS_JSON_VERSION,
            job: id,
            executionId: input.executionId,
            requestedAt: input.requestedAt,
            status: 'queued',
            requestId: r.$metadata.requestId ?? null,
          },
          null,
          2,
        ),
      );
    } else {
      out(`queued  ${id}  (execution ${input.executionId}); \`cloud-cron jobs get ${id}\` shows its outcome`);
    }
    return 0;
  },
);
