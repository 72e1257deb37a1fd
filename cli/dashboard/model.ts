/**
 * The dashboard's data, as its local server sends it to the page (`GET /api/jobs`, `GET /api/jobs/<key>`): one
 * shape for every kind of job. Types only: the server (./data.ts) builds it, the page (./web/app.ts) reads it.
 */

/** Where a job comes from: a stack wired to the Runs app (template-scheduled-lambda.yaml), or the Jobs app's registry. */
export type JobKind = 'stack' | 'registry';

/**
 * One run or missed slot, newest or oldest first as the field says. Statuses are the Runs ledger's (succeeded,
 * failed, timed_out, skipped, dispatched, missed) and, for registry jobs, the Jobs app's run states (dispatching,
 * retrying as well).
 */
export type RunView = {
  status: string;
  /** When it ended (runs) or the slot (missed). */
  at: string;
  scheduledTime?: string;
  trigger?: string;
  attempts?: number;
  durationMs?: number;
  requestId?: string;
  errorType?: string;
  errorMessage?: string;
  reason?: string;
};

export type JobActions = { runNow: boolean; pause: boolean; resume: boolean; edit: boolean };

export type DashboardJob = {
  /** `stack:<function name>` or `registry:<id>`: the job in the dashboard's URLs. */
  key: string;
  kind: JobKind;
  name: string;
  description?: string;
  /** Stack jobs: the stack that deployed it. Registry jobs: who owns the definition (api, cli, s3://...). */
  origin: string;
  schedule: {
    expression: string;
    timezone: string;
    /** The expression in words (describeSchedule). */
    words: string;
    /** ENABLED, DISABLED, PAUSED (registry), FINISHED (registry: maxRuns reached or at() done). */
    state: string;
  };
  /** The next fire times (ISO, at most NEXT_RUNS), by the shared schedule engine. */
  nextRuns: string[];
  lastRun: RunView | null;
  /** Missed slots the Runs app's watchdog recorded in the last 7 days (stack jobs; null: not watched). */
  missed: { last7Days: number; latest: string | null } | null;
  /** The last runs and missed slots, oldest first (the run-history strip). */
  history: RunView[];
  /** Registry jobs: run count and maxRuns. */
  runCount?: number;
  maxRuns?: number | null;
  /** Registry jobs: the ETag to send back when editing (If-Match). */
  etag?: string;
  actions: JobActions;
};

export type SourceStatus = { available: boolean; name: string; detail: string };

export type DashboardData = {
  version: 1;
  now: string;
  sources: { runs: SourceStatus; registry: SourceStatus };
  jobs: DashboardJob[];
};

/** A job's detail view: the job, its recent runs (newest first) and, for registry jobs, its definition. */
export type JobDetail = {
  version: 1;
  now: string;
  job: DashboardJob;
  runs: RunView[];
  definition?: unknown;
};

export const NEXT_RUNS = 3;
export const HISTORY_LENGTH = 20;
export const DETAIL_RUNS = 50;
