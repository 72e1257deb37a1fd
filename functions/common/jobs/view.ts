/**
 * A job as people and tools see it: its definition, where it came from, whether it is paused, its schedule in
 * words, its next run, its run count and last run, and what the reconciler last did. One shape for the HTTP API,
 * `cloud-cron jobs get|list --json`, the status objects beside job files and the dashboard (docs/jobs.md, "The job
 * view").
 *
 * Pure (the schedule engine and the table's shapes): the dashboard computes next runs in the browser the same way.
 */
import { describeSchedule, firesBetween } from '../schedule';
import { type JobDefinition, type ResolvedJob, resolveJob } from './definition';
import {
  definitionOf,
  etagOf,
  type JobItem,
  type LastRun,
  type RunItem,
  type ScheduleItem,
  type StateItem,
} from './table';

export const VIEW_VERSION = 1;

export type JobView = {
  id: string;
  version: number;
  etag: string;
  source: string;
  paused: boolean;
  createdAt: string;
  updatedAt: string;
  updatedBy?: string;
  definition: JobDefinition;
  schedule: {
    expression: string;
    timezone: string;
    /** The expression in words ("at 08:00 on weekdays"). */
    words: string;
    /** ENABLED, DISABLED (the definition's state), PAUSED, or FINISHED (no run left). */
    state: 'ENABLED' | 'DISABLED' | 'PAUSED' | 'FINISHED';
    nextRun: string | null;
    /** What the reconciler last did: active, disabled, none (with the reason), error (Scheduler's refusal). */
    reconciled: { status: ScheduleItem['status']; reason?: string; version: number; at: string } | null;
  };
  runs: {
    count: number;
    maxRuns: number | null;
    last: LastRun | null;
    finished: StateItem['finished'] | null;
  };
};

const HORIZON = Date.UTC(2200, 0, 1);

/**
 * Whether the job can still run after `now` on its own schedule, and when next. `anchor` is where a rate() without
 * startDate counts from (when its schedule was last created or changed).
 */
export function nextRun(
  job: ResolvedJob,
  now: Date,
  options: { anchor?: string; runCount?: number } = {},
): Date | undefined {
  if (job.maxRuns !== undefined && (options.runCount ?? 0) >= job.maxRuns) return undefined;
  const s = job.schedule;
  // A rate() schedule counts from its startDate, else from when its schedule was made (not yet made: now).
  const anchor = s.startDate ?? options.anchor ?? now.toISOString();
  const fires = firesBetween(
    s.expression,
    {
      timezone: s.timezone ?? 'UTC',
      startDate: s.startDate ? new Date(s.startDate) : undefined,
      endDate: s.endDate ? new Date(s.endDate) : undefined,
      anchor: new Date(anchor),
    },
    new Date(now.getTime() + 1),
    new Date(HORIZON),
  );
  const first = fires.next();
  return first.done ? undefined : first.value;
}

export function jobView(record: { job: JobItem; state?: StateItem; schedule?: ScheduleItem }, now: Date): JobView {
  const { job, state, schedule } = record;
  const definition = definitionOf(job);
  const resolved = resolveJob(definition);
  const count = state?.runCount ?? 0;
  const finished = state?.finished ?? null;
  const upcoming =
    job.paused || resolved.schedule.state === 'DISABLED' || finished
      ? undefined
      : nextRun(resolved, now, { anchor: schedule?.changedAt ?? job.updatedAt, runCount: count });
  const state_: JobView['schedule']['state'] =
    finished || (!job.paused && resolved.schedule.state === 'ENABLED' && !upcoming)
      ? 'FINISHED'
      : job.paused
        ? 'PAUSED'
        : resolved.schedule.state;
  const view: JobView = {
    id: job.id,
    version: job.version,
    etag: etagOf(job),
    source: job.source,
    paused: job.paused,
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
    definition,
    schedule: {
      expression: resolved.schedule.expression,
      timezone: resolved.schedule.timezone ?? 'UTC',
      words: describeSchedule(resolved.schedule.expression),
      state: state_,
      nextRun: upcoming ? upcoming.toISOString() : null,
      reconciled: schedule
        ? {
            status: schedule.status,
            ...(schedule.reason ? { reason: schedule.reason } : {}),
            version: schedule.version,
            at: schedule.at,
          }
        : null,
    },
    runs: { count, maxRuns: resolved.maxRuns ?? null, last: state?.lastRun ?? null, finished },
  };
  if (job.updatedBy) view.updatedBy = job.updatedBy;
  return view;
}

/** One run of a registry job as GET /jobs/{id}/runs and `cloud-cron jobs get --json` show it: the set fields only. */
export function runView(r: RunItem): Record<string, unknown> {
  const out: Record<string, unknown> = { trigger: r.trigger, status: r.status };
  for (const k of [
    'scheduledTime',
    'requestedAt',
    'startedAt',
    'endedAt',
    'durationMs',
    'deliveries',
    'version',
    'requestId',
    'reason',
    'errorType',
    'errorMessage',
  ] as const) {
    if (r[k] !== undefined) out[k] = r[k];
  }
  return out;
}
