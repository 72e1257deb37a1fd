/**
 * `npm start -- --jobs <dir>` as a library: a folder of job files applied to the Jobs app on a local emulator, and,
 * over a window of simulated time, its schedules fired as EventBridge Scheduler would fire them.
 *
 *   job files  --cloud-cron jobs apply (applyJobs)-->  jobs table  --stream-->  reconciler  -->  schedules (moto)
 *   schedules  --this file's clock-->  dispatcher (functions/jobs-dispatcher, in this process)  -->  targets
 *
 * - The apply is the CLI's own (cli/jobs-apply.ts); the reconciler is fed the table's real stream
 *   (tooling/jobs-app-local.ts).
 * - Every schedule stored in the group fires at its times (tooling/simulator/schedule-group.ts computes them: time
 *   zone, DST, flexible window, start and end, at(), rate() from its creation); each is read again before it fires,
 *   so one the dispatcher deleted (maxRuns reached) fires no more, and a one-time schedule is deleted after its
 *   fire (ActionAfterCompletion DELETE).
 * - Fires overlap as they do in AWS: a Lambda target of an `overlap: skip` job is invoked synchronously, and its
 *   run lasts `runMs` of simulated time, during which the next fires happen; the dispatcher holds the job's lease
 *   meanwhile, so a slot that comes while the run still holds it is skipped. Other Lambda targets are invoked
 *   asynchronously (recorded: moto runs no function). SNS targets are real publishes on the emulator.
 */

import { DeleteScheduleCommand, ListSchedulesCommand, type SchedulerClient } from '@aws-sdk/client-scheduler';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { jobsTable } from '../cli/jobs-admin';
import { type ApplyResult, applyJobs } from '../cli/jobs-apply';
import { checkJobFiles, verdictLines } from '../cli/jobs-files';
import type { RunItem } from '../functions/common/jobs/table';
import { type JobView, jobView } from '../functions/common/jobs/view';
import { substituteSchedulerContext } from '../functions/common/runs/job-context';
import type { DispatchOutcome, SnsAttribute, Targets } from '../functions/jobs-dispatcher/dispatcher';
import { type JobsAppClients, type LocalJobsApp, startJobsApp } from './jobs-app-local';
import { localDispatcher } from './jobs-local';
import { TimeQueue } from './simulator/heap';
import { fireTimes, scheduleNamed } from './simulator/schedule-group';
import { type Clock, createClock } from './simulator/simulator';

/** What the demo's job files may target (its AllowedTargetArns): the demo's functions and topics. */
export const DEMO_ALLOWED_TARGETS = [
  'arn:aws:lambda:us-east-1:123456789012:function:cloud-cron-demo-*',
  'arn:aws:sns:us-east-1:123456789012:cloud-cron-demo-*',
];

export class JobsDemoError extends Error {
  override name = 'JobsDemoError';
}

export type JobsDemoOptions = {
  dir: string;
  clients: JobsAppClients & { sns: SNSClient };
  prefix?: string;
  allowedTargetArns?: string[];
  /** Fire the schedules over this window of simulated time; absent: apply only. */
  window?: { from: Date; until: Date };
  /**
   * Simulated time a synchronous run (a Lambda target of an `overlap: skip` job) takes, by function name and the
   * run's number for that function (from 1). Default: a function's first run takes 14 minutes (a full sync), later ones 3. Lambda's 15-minute limit bounds a
   * run, and with it the dispatcher's lease.
   */
  runMs?: (functionName: string, run: number) => number;
};

export type JobFire = {
  job: string;
  scheduledTime: string;
  /** What the dispatcher did with the fire: dispatched, succeeded, skipped (with the reason), ... */
  outcome: string;
  reason?: string;
  /** For a synchronous run: when it ended (simulated). */
  endedAt?: string;
};

export type JobsDemoResult = {
  app: LocalJobsApp;
  apply: ApplyResult;
  fires: JobFire[];
  /** Lambda targets invoked (moto runs no function: this is what the function would have received). */
  invocations: { function: string; payload: unknown; at: string; sync: boolean }[];
  /** SNS publishes the dispatcher made, on the emulator. */
  published: { topicArn: string; messageId: string; subject?: string; attributes: Record<string, string> }[];
  /** Every job after the window, as `cloud-cron jobs list --json` shows it. */
  jobs: JobView[];
  runs: Record<string, RunItem[]>;
  /** The schedules left in the group after the window. */
  schedules: string[];
  lines: string[];
};

const MINUTE = 60_000;
const defaultRunMs = (_fn: string, run: number) => (run === 1 ? 14 * MINUTE : 3 * MINUTE);
const schedulerTime = (t: number) => new Date(t).toISOString().replace('.000Z', 'Z');
const fnName = (arn: string) => arn.split(':')[6] ?? arn;

async function groupNames(scheduler: SchedulerClient, group: string): Promise<string[]> {
  const names: string[] = [];
  let NextToken: string | undefined;
  do {
    const page = await scheduler.send(new ListSchedulesCommand({ GroupName: group, NextToken }));
    for (const s of page.Schedules ?? []) names.push(s.Name!);
    NextToken = page.NextToken;
  } while (NextToken);
  return names.sort();
}

type Deferred<T> = { promise: Promise<T>; resolve(v: T): void };
function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

type Pending =
  | { kind: 'fire'; name: string; t: number }
  | { kind: 'end'; done: Deferred<{ requestId: string; payload: string }>; requestId: string; settle: Promise<void> };

/** Fires the app's schedules over the window, overlapping runs as AWS would. */
async function fireWindow(
  app: LocalJobsApp,
  options: JobsDemoOptions,
  clock: Clock,
  result: Pick<JobsDemoResult, 'fires' | 'invocations' | 'published'>,
): Promise<void> {
  const { scheduler } = options.clients;
  const group = app.jobs.groupName;
  const from = options.window!.from.getTime();
  const until = options.window!.until.getTime();
  const runMs = options.runMs ?? defaultRunMs;
  const queue = new TimeQueue<Pending>();
  for (const name of await groupNames(scheduler, group)) {
    const s = await scheduleNamed(scheduler, group, name);
    if (s) for (const t of fireTimes(s, from, until)) queue.push(t, { kind: 'fire', name, t });
  }
  const runsOf = new Map<string, number>();
  let started: Deferred<void> | undefined;
  let pendingEnd: { at: number; done: Deferred<{ requestId: string; payload: string }>; requestId: string } | undefined;
  let ids = 0;
  const targets: Targets = {
    async invokeAsync(arn, payload) {
      result.invocations.push({
        function: fnName(arn),
        payload: JSON.parse(payload),
        at: clock.now().toISOString(),
        sync: false,
      });
      ids += 1;
      return { requestId: `local-async-${ids}` };
    },
    invokeSync(arn, payload) {
      const fn = fnName(arn);
      const n = (runsOf.get(fn) ?? 0) + 1;
      runsOf.set(fn, n);
      result.invocations.push({
        function: fn,
        payload: JSON.parse(payload),
        at: clock.now().toISOString(),
        sync: true,
      });
      ids += 1;
      const requestId = `local-sync-${ids}`;
      const done = deferred<{ requestId: string; payload: string }>();
      // The run ends later in simulated time; the fire's dispatch is settled then (see 'end').
      pendingEnd = { at: clock.ms() + Math.max(1, runMs(fn, n)), done, requestId };
      started?.resolve();
      return done.promise;
    },
    async publish(arn, message, subject, attributes: Record<string, SnsAttribute>) {
      const out = await options.clients.sns.send(
        new PublishCommand({ TopicArn: arn, Message: message, Subject: subject, MessageAttributes: attributes }),
      );
      result.published.push({
        topicArn: arn,
        messageId: out.MessageId ?? '',
        ...(subject ? { subject } : {}),
        attributes: Object.fromEntries(Object.entries(attributes).map(([k, a]) => [k, a.StringValue])),
      });
      return { messageId: out.MessageId ?? '' };
    },
  };
  const { dispatch } = localDispatcher(options.clients, app.jobs, { clock, targets });

  const record = (fire: JobFire, out: DispatchOutcome, endedAt?: string) => {
    fire.outcome = out.outcome;
    if ('reason' in out && out.reason) fire.reason = out.reason;
    if (endedAt) fire.endedAt = endedAt;
  };

  for (let next = queue.pop(); next; next = queue.pop()) {
    clock.set(Math.max(clock.ms(), next.t));
    const p = next.value;
    if (p.kind === 'end') {
      p.done.resolve({ requestId: p.requestId, payload: 'null' });
      await p.settle;
      continue;
    }
    const s = await scheduleNamed(scheduler, group, p.name);
    // Deleted (maxRuns reached, the job removed) or disabled meanwhile, or no longer due then: no fire.
    if (!s || s.State === 'DISABLED' || !fireTimes(s, p.t, p.t + 1).includes(p.t)) continue;
    const scheduledTime = schedulerTime(p.t);
    const input = substituteSchedulerContext(s.Target?.Input ?? '{}', {
      scheduledTime,
      executionId: `${p.name}-${p.t.toString(36)}-exec`,
      attempt: 1,
      scheduleArn: s.Arn!,
    });
    const fire: JobFire = { job: p.name, scheduledTime, outcome: 'pending' };
    result.fires.push(fire);
    started = deferred<void>();
    pendingEnd = undefined;
    const dispatching = dispatch(JSON.parse(input)).catch(
      (e: Error): DispatchOutcome => ({
        outcome: 'failed',
        job: p.name,
        reason: `the dispatcher threw ${e.name}: ${e.message}`,
      }),
    );
    const first = await Promise.race([dispatching.then((out) => ({ out })), started.promise.then(() => undefined)]);
    if (first) record(fire, first.out);
    else {
      // A synchronous run in flight: it ends at its simulated end, while later fires happen.
      const end = pendingEnd!;
      const settle = dispatching.then((out) => record(fire, out, new Date(end.at).toISOString()));
      queue.push(end.at, { kind: 'end', done: end.done, requestId: end.requestId, settle });
    }
    if (s.ActionAfterCompletion === 'DELETE' && s.ScheduleExpression?.startsWith('at(')) {
      await scheduler.send(new DeleteScheduleCommand({ Name: p.name, GroupName: group })).catch((e) => {
        if ((e as { name?: string }).name !== 'ResourceNotFoundException') throw e;
      });
    }
  }
}

function fireSummary(job: string, fires: JobFire[], view: JobView | undefined, left: boolean): string {
  const counts = new Map<string, number>();
  for (const f of fires) counts.set(f.outcome, (counts.get(f.outcome) ?? 0) + 1);
  const parts = [...counts].map(([k, n]) => `${n} ${k}`).join(', ');
  const notes: string[] = [];
  const skipped = fires.find((f) => f.outcome === 'skipped');
  if (skipped) notes.push(`skipped ${skipped.scheduledTime}: ${skipped.reason}`);
  if (view?.runs.finished)
    notes.push(`finished (${view.runs.finished.reason}), schedule ${left ? 'still there' : 'deleted'}`);
  else if (!left) notes.push('schedule deleted');
  return `  ${job.padEnd(22)} ${fires.length} fire(s): ${parts || 'none'}${notes.length ? `; ${notes.join('; ')}` : ''}`;
}

export async function runJobsDemo(options: JobsDemoOptions): Promise<JobsDemoResult> {
  const allowed = options.allowedTargetArns ?? DEMO_ALLOWED_TARGETS;
  // Offline first, as `cloud-cron jobs apply` does: nothing starts for a folder with a bad file.
  const verdicts = checkJobFiles([options.dir], {
    allowedTargetArns: allowed,
    now: options.window?.from ?? new Date(),
  });
  const bad = verdicts.filter((v) => !v.ok);
  if (bad.length) {
    throw new JobsDemoError(
      `--jobs ${options.dir}: ${bad.length} job file(s) refused:\n${bad
        .flatMap(verdictLines)
        .map((l) => `  ${l}`)
        .join('\n')}`,
    );
  }
  const app = await startJobsApp(options.clients, {
    prefix: options.prefix ?? 'cloud-cron-demo',
    allowedTargetArns: allowed,
  });
  const apply = await applyJobs(
    app.store,
    verdicts.map((v) => ({ job: v.job!, file: v.file })),
  );
  const reconciled = await app.reconcile();
  const lines = [
    `applied ${options.dir} to ${app.jobs.tableName} as \`cloud-cron jobs apply\` does: ${apply.created.length} created, ${apply.updated.length} updated, ${apply.unchanged.length} unchanged`,
    `reconciled from the table's stream: ${reconciled.filter((o) => o.action === 'created').length} schedule(s) created in group ${app.jobs.groupName}`,
  ];
  const result: JobsDemoResult = {
    app,
    apply,
    fires: [],
    invocations: [],
    published: [],
    jobs: [],
    runs: {},
    schedules: [],
    lines,
  };
  const clock = createClock(options.window?.from ?? new Date());
  if (options.window) {
    await fireWindow(app, options, clock, result);
    // What the dispatcher's writes changed (finished jobs, deleted schedules) reaches the reconciler too.
    await app.reconcile();
  }
  const items = await app.store.listJobItems();
  const states = await app.store.statesOf(items.map((j) => j.id));
  result.jobs = items.map((job) => jobView({ job, ...states.get(job.id) }, clock.now()));
  for (const j of items) result.runs[j.id] = await app.store.listRuns(j.id, 100);
  result.schedules = await groupNames(options.clients.scheduler, app.jobs.groupName);
  if (options.window) {
    lines.push(
      `fired the schedules from ${options.window.from.toISOString()} to ${options.window.until.toISOString()} (simulated time):`,
    );
    for (const j of items) {
      lines.push(
        fireSummary(
          j.id,
          result.fires.filter((f) => f.job === j.id),
          result.jobs.find((v) => v.id === j.id),
          result.schedules.includes(j.id),
        ),
      );
    }
    for (const p of result.published) {
      const attrs = Object.entries(p.attributes)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ');
      lines.push(`  published to ${p.topicArn.split(':').pop()} (${attrs}) message ${p.messageId.slice(0, 8)}`);
    }
  }
  lines.push(
    '',
    `JOBS, as \`cloud-cron jobs list\` prints them (at ${clock.now().toISOString()}):`,
    ...jobsTable(result.jobs)
      .split('\n')
      .map((l) => `  ${l}`),
  );
  return result;
}
