/**
 * What the dashboard shows, read from where Cloud Cron keeps it: the Runs app's ledger (stack jobs wired to it: their
 * registrations, runs and missed slots) and the Jobs app's table (registry jobs: definitions, state, runs). Every
 * next run comes from the shared schedule engine (functions/common/schedule), as the watchdog and the dispatcher
 * compute them.
 *
 * Cost: a fixed number of reads per job (stack job: its recent entries and its missed slots; registry job: its runs,
 * plus one batched read of states per 100 jobs), run a few at a time: the page's data for N jobs costs N times the
 * data for one (bench/dashboard.ts measures it).
 */

import { resolveJob } from '../../functions/common/jobs/definition';
import type { JobsStore } from '../../functions/common/jobs/store';
import type {
  ConfigItem,
  JobItem,
  RunItem as RegistryRun,
  ScheduleItem,
  StateItem,
} from '../../functions/common/jobs/table';
import { jobView, nextRun } from '../../functions/common/jobs/view';
import type { LedgerEntry, Registration } from '../../functions/common/runs/ledger';
import type { LedgerStore } from '../../functions/common/runs/store';
import { describeSchedule, firesBetween } from '../../functions/common/schedule';
import {
  type DashboardData,
  type DashboardJob,
  DETAIL_RUNS,
  HISTORY_LENGTH,
  type JobDetail,
  NEXT_RUNS,
  type RunView,
  type SourceStatus,
} from './model';

const MISSED_WINDOW_MS = 7 * 86_400_000;
const HORIZON = new Date(Date.UTC(2200, 0, 1));
/** Jobs read at the same time (each a couple of Query calls). */
export const READ_CONCURRENCY = 16;

/** The Runs app's ledger, or why it is not there. */
export type RunsSource = { store: LedgerStore; name: string } | { unavailable: string };
/** The Jobs app's table and its configuration record (dispatcher, AllowedTargetArns), or why it is not there. */
export type RegistrySource = { store: JobsStore; config?: ConfigItem; name: string } | { unavailable: string };

export type Sources = { runs: RunsSource; registry: RegistrySource };

export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export function stackKey(job: string): string {
  return `stack:${job}`;
}
export function registryKey(id: string): string {
  return `registry:${id}`;
}

/** The key's kind and name, or undefined for a key that is neither. */
export function parseKey(key: string): { kind: 'stack' | 'registry'; name: string } | undefined {
  const m = /^(stack|registry):(.{1,140})$/.exec(key);
  return m ? { kind: m[1] as 'stack' | 'registry', name: m[2] } : undefined;
}

/** A ledger entry as the page shows it. */
export function ledgerRunView(e: LedgerEntry): RunView {
  if (e.kind === 'missed') {
    return {
      status: 'missed',
      at: e.scheduledTime,
      scheduledTime: e.scheduledTime,
      reason: `no run within ${e.graceMinutes} min of the slot`,
    };
  }
  const v: RunView = { status: e.status, at: e.endedAt, attempts: e.attempts, requestId: e.requestId };
  for (const k of ['scheduledTime', 'trigger', 'durationMs', 'errorType', 'errorMessage'] as const) {
    if (e[k] !== undefined) (v as Record<string, unknown>)[k] = e[k];
  }
  return v;
}

/** A registry job's run (the Jobs table's run item) as the page shows it. */
export function registryRunView(r: RegistryRun): RunView {
  const v: RunView = { status: r.status, at: r.endedAt ?? r.startedAt, trigger: r.trigger };
  for (const k of ['scheduledTime', 'durationMs', 'requestId', 'errorType', 'errorMessage', 'reason'] as const) {
    if (r[k] !== undefined) (v as Record<string, unknown>)[k] = r[k];
  }
  return v;
}

/** The next `count` fire times of a wired job after `now`, as the watchdog expects them. */
export function upcomingOfRegistration(r: Registration, now: Date, count = NEXT_RUNS): string[] {
  const out: string[] = [];
  const fires = firesBetween(
    r.expression,
    {
      timezone: r.timezone,
      state: r.state,
      startDate: r.startDate ? new Date(r.startDate) : undefined,
      endDate: r.endDate ? new Date(r.endDate) : undefined,
      anchor: r.rateAnchor ? new Date(r.rateAnchor) : undefined,
    },
    new Date(now.getTime() + 1),
    HORIZON,
  );
  for (const d of fires) {
    out.push(d.toISOString());
    if (out.length >= count) break;
  }
  return out;
}

function words(expression: string): string {
  try {
    return describeSchedule(expression);
  } catch (e) {
    return `(${(e as Error).message})`;
  }
}

export async function stackJob(store: LedgerStore, r: Registration, now: Date, historyLength = HISTORY_LENGTH) {
  const [recent, missed] = await Promise.all([
    store.recentEntries(r.job, historyLength),
    store.missedSince(r.job, new Date(now.getTime() - MISSED_WINDOW_MS).toISOString()),
  ]);
  const last = recent.find((e) => e.kind === 'run');
  const job: DashboardJob = {
    key: stackKey(r.job),
    kind: 'stack',
    name: r.job,
    // A scheduled task (template-scheduled-task.yaml) is registered in the same ledger, by its stack.
    origin: r.runner === 'ecs' ? `${r.stackName} (scheduled task on ECS)` : r.stackName,
    schedule: { expression: r.expression, timezone: r.timezone, words: words(r.expression), state: r.state },
    nextRuns: upcomingOfRegistration(r, now),
    lastRun: last ? ledgerRunView(last) : null,
    missed: { last7Days: missed.length, latest: missed.length ? missed[missed.length - 1].scheduledTime : null },
    history: recent.slice(0, HISTORY_LENGTH).map(ledgerRunView).reverse(),
    // A stack job's schedule belongs to its stack (ScheduleState parameter): pausing it here would drift from it.
    // Run now starts a Lambda job as `cloud-cron run` does; a task is started with `cloud-cron run` itself.
    actions: { runNow: r.runner !== 'ecs', pause: false, resume: false, edit: false },
  };
  return { job, recent };
}

function registryJob(
  item: JobItem,
  records: { state?: StateItem; schedule?: ScheduleItem },
  runs: RegistryRun[],
  now: Date,
): DashboardJob {
  const view = jobView({ job: item, ...records }, now);
  const nextRuns: string[] = [];
  if (view.schedule.nextRun) {
    const resolved = resolveJob(view.definition);
    const anchor = records.schedule?.changedAt ?? item.updatedAt;
    let at: Date | undefined = new Date(view.schedule.nextRun);
    for (let i = 0; at && nextRuns.length < NEXT_RUNS; i++) {
      nextRuns.push(at.toISOString());
      at = nextRun(resolved, at, { anchor, runCount: view.runs.count + i + 1 });
    }
  }
  const last = view.runs.last;
  const file = item.source.startsWith('s3://');
  return {
    key: registryKey(item.id),
    kind: 'registry',
    name: item.id,
    ...(view.definition.description ? { description: view.definition.description } : {}),
    origin: item.source,
    schedule: {
      expression: view.schedule.expression,
      timezone: view.schedule.timezone,
      words: view.schedule.words,
      state: view.schedule.state,
    },
    nextRuns,
    lastRun: last
      ? {
          status: last.status,
          at: last.at,
          trigger: last.trigger,
          ...(last.scheduledTime ? { scheduledTime: last.scheduledTime } : {}),
          ...(last.requestId ? { requestId: last.requestId } : {}),
          ...(last.errorType ? { errorType: last.errorType } : {}),
          ...(last.errorMessage ? { errorMessage: last.errorMessage } : {}),
          ...(last.reason ? { reason: last.reason } : {}),
          ...(last.durationMs !== undefined ? { durationMs: last.durationMs } : {}),
        }
      : null,
    missed: null,
    history: runs.slice(0, HISTORY_LENGTH).map(registryRunView).reverse(),
    runCount: view.runs.count,
    maxRuns: view.runs.maxRuns,
    etag: view.etag,
    // A job from a file is changed by changing its file; pause, resume and run work on every job (store.ts).
    actions: { runNow: true, pause: !item.paused, resume: item.paused, edit: !file },
  };
}

function status(source: RunsSource | RegistrySource, what: string): SourceStatus {
  return 'unavailable' in source
    ? { available: false, name: what, detail: source.unavailable }
    : { available: true, name: what, detail: source.name };
}

/** Every job, stack jobs first, each group by name. */
export async function loadDashboard(sources: Sources, now: Date): Promise<DashboardData> {
  const jobs: DashboardJob[] = [];
  const { runs, registry } = sources;
  if (!('unavailable' in runs)) {
    const registrations = (await runs.store.listRegistrations()).sort((a, b) => a.job.localeCompare(b.job));
    jobs.push(
      ...(await mapLimit(registrations, READ_CONCURRENCY, async (r) => (await stackJob(runs.store, r, now)).job)),
    );
  }
  if (!('unavailable' in registry)) {
    const items = await registry.store.listJobItems();
    const states = await registry.store.statesOf(items.map((i) => i.id));
    jobs.push(
      ...(await mapLimit(items, READ_CONCURRENCY, async (item) =>
        registryJob(item, states.get(item.id) ?? {}, await registry.store.listRuns(item.id, HISTORY_LENGTH), now),
      )),
    );
  }
  return {
    version: 1,
    now: now.toISOString(),
    sources: { runs: status(runs, 'Runs app'), registry: status(registry, 'Jobs app') },
    jobs,
  };
}

/** One job with its recent runs; undefined when there is no such job. */
export async function loadDetail(sources: Sources, key: string, now: Date): Promise<JobDetail | undefined> {
  const parsed = parseKey(key);
  if (!parsed) return undefined;
  if (parsed.kind === 'stack') {
    if ('unavailable' in sources.runs) return undefined;
    const r = await sources.runs.store.getRegistration(parsed.name);
    if (!r) return undefined;
    const { job, recent } = await stackJob(sources.runs.store, r, now, DETAIL_RUNS);
    return { version: 1, now: now.toISOString(), job, runs: recent.map(ledgerRunView) };
  }
  if ('unavailable' in sources.registry) return undefined;
  const record = await sources.registry.store.getJob(parsed.name);
  if (!record) return undefined;
  const runs = await sources.registry.store.listRuns(parsed.name, DETAIL_RUNS);
  const job = registryJob(record.job, record, runs, now);
  return {
    version: 1,
    now: now.toISOString(),
    job,
    runs: runs.map(registryRunView),
    definition: JSON.parse(record.job.definition),
  };
}
