/**
 * The jobs table (template-jobs.yaml, JobsTable): the source of truth of the Jobs app. This module is its schema:
 * keys, item shapes and the conversions every reader and writer shares (the API, the file sync, the CLI, the
 * reconciler, the dispatcher, the status writer, the dashboard).
 *
 *   item       pk                      sk                                   written by
 *   job        JOB#<id>                DEF                                  the front doors (API, files, CLI)
 *   state      JOB#<id>                STATE                                front doors (maxRuns, statusKey) and dispatcher
 *   schedule   JOB#<id>                SCHEDULE                             the reconciler (what it last did)
 *   run        JOB#<id>                RUN#<slot>#slot                      the dispatcher (one per scheduled slot)
 *              JOB#<id>                RUN#<requestedAt>#manual#<exec id>   the dispatcher (a manual run)
 *   file       FILE#<bucket>/<key>     FILE                                 the file sync (accepted or refused)
 *   config     CONFIG                  CONFIG                               the app's setup (group, dispatcher, patterns)
 *
 * Only job items carry `lpk`/`lsk`, so the index `byList` lists jobs and nothing else; `lpk` spreads them over
 * LIST_SHARDS partitions (no single hot index key however many jobs are written at once). The table's stream
 * (new and old images) feeds the reconciler (job items) and the status writer (file items, and state and schedule
 * items of jobs that come from a file: they carry `statusKey`). Runs expire (`expiresAt`, TTL).
 *
 * Pure (no SDK, no Node API): the dashboard reads these shapes too.
 */
import type { JobDefinition } from './definition';
import type { JobProblem } from './validate';

export const TABLE_VERSION = 1;
export const LIST_INDEX = 'byList';
export const LIST_SHARDS = 8;
export const CONFIG_KEY = { pk: 'CONFIG', sk: 'CONFIG' } as const;

export const jobPk = (id: string) => `JOB#${id}`;
export const DEF_SK = 'DEF';
export const STATE_SK = 'STATE';
export const SCHEDULE_SK = 'SCHEDULE';
export const RUN_PREFIX = 'RUN#';
export const slotRunSk = (scheduledTime: string) => `RUN#${scheduledTime}#slot`;
export const manualRunSk = (requestedAt: string, executionId: string) => `RUN#${requestedAt}#manual#${executionId}`;
export const filePk = (bucket: string, key: string) => `FILE#${bucket}/${key}`;
export const FILE_SK = 'FILE';

/** Which list partition a job id belongs to (FNV-1a, stable across processes and languages). */
export function listShard(id: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return `JOBS#${(h >>> 0) % LIST_SHARDS}`;
}

/** Where a job came from: the HTTP API, the CLI, or a job file (its s3:// URL; the file then owns the job). */
export type Source = 'api' | 'cli' | `s3://${string}`;

export const fileSource = (bucket: string, key: string): Source => `s3://${bucket}/${key}`;
export const isFileSource = (s: string | undefined): s is `s3://${string}` => !!s && s.startsWith('s3://');

/** The job: its definition exactly as accepted (canonical JSON text), who owns it, and whether it is paused. */
export type JobItem = {
  pk: string;
  sk: typeof DEF_SK;
  kind: 'job';
  v: number;
  id: string;
  /** The definition as canonical JSON (keys sorted): `JSON.parse` gives back what was accepted. */
  definition: string;
  /** sha256 of `definition` (hex): equal hashes, same job. */
  hash: string;
  /** 1 when created, +1 on every change of the definition. With the hash, the ETag. */
  version: number;
  source: Source;
  paused: boolean;
  createdAt: string;
  updatedAt: string;
  lpk: string;
  lsk: string;
  /** Who made the last change: the caller's IAM ARN (API), the file's URL, or the CLI. */
  updatedBy?: string;
};

/**
 * dispatching: claimed, the target being invoked; retrying: the invoke failed in a way worth retrying (the
 * dispatcher's own retry, or the scheduler's next delivery, takes it over); dispatched: an asynchronous Lambda
 * target accepted it (its outcome is the function's own); succeeded, failed, timed_out: the outcome (a synchronous
 * invoke, a publish); skipped: the run did not start (overlap, paused).
 */
export type RunStatus = 'dispatching' | 'retrying' | 'dispatched' | 'succeeded' | 'failed' | 'timed_out' | 'skipped';

/** A summary of the last run, kept on the state item (what `get` and the status objects show). */
export type LastRun = {
  trigger: 'schedule' | 'manual';
  status: RunStatus;
  at: string;
  scheduledTime?: string;
  reason?: string;
  requestId?: string;
  errorType?: string;
  errorMessage?: string;
  durationMs?: number;
};

export type StateItem = {
  pk: string;
  sk: typeof STATE_SK;
  /** Scheduled slots counted so far (each once, however often it was delivered). Manual runs do not count. */
  runCount?: number;
  /** The definition's maxRuns, copied by the front doors in the same transaction as the definition. */
  maxRuns?: number;
  /** overlap skip, copied likewise: the dispatcher's claim of a slot then also takes the lease. */
  skipOverlap?: boolean;
  /** For a job from a file: the key of its status object (the status writer's filter). */
  statusKey?: string;
  statusBucket?: string;
  /** overlap skip: the lease, held from a run's start until it ends, at most until leaseUntil. */
  leaseUntil?: string;
  leaseHolder?: string;
  lastRun?: LastRun;
  /** The job has no run left: maxRuns reached, or its one-time at() ran. */
  finished?: { reason: 'maxRuns' | 'once'; at: string };
};

/** What the reconciler last did with the job's schedule. */
export type ScheduleItem = {
  pk: string;
  sk: typeof SCHEDULE_SK;
  id: string;
  status: 'active' | 'disabled' | 'none' | 'error';
  /** none: why there is no schedule (paused jobs keep theirs, DISABLED). error: EventBridge Scheduler's refusal. */
  reason?: string;
  /** The definition version and hash the schedule was made from. */
  version: number;
  hash: string;
  scheduleArn?: string;
  /** When the schedule was last created or changed: where a rate() without startDate counts from. */
  changedAt?: string;
  at: string;
  statusKey?: string;
  statusBucket?: string;
};

export type RunItem = {
  pk: string;
  sk: string;
  kind: 'run';
  id: string;
  trigger: 'schedule' | 'manual';
  status: RunStatus;
  /** The slot (schedule runs), or when the manual run was asked for. */
  scheduledTime?: string;
  requestedAt?: string;
  executionId?: string;
  /** How many times the scheduler delivered this slot (its retries never run it twice once it was dispatched). */
  deliveries: number;
  /** The definition version that ran. */
  version?: number;
  reason?: string;
  requestId?: string;
  errorType?: string;
  errorMessage?: string;
  startedAt: string;
  /** Until when the dispatcher attempt that claimed it can be running (its timeout). */
  deadline?: string;
  endedAt?: string;
  durationMs?: number;
  expiresAt: number;
};

export type FileItem = {
  pk: string;
  sk: typeof FILE_SK;
  kind: 'file';
  bucket: string;
  key: string;
  /** The job the file defines (absent when the file was refused before its id could be read). */
  jobId?: string;
  status: 'accepted' | 'refused';
  /** The refusal's problems, each with its path and fix (the file's current content was refused). */
  errors?: Pick<JobProblem, 'path' | 'code' | 'message'>[];
  /** The S3 ETag of the content this item is about. */
  etag?: string;
  /** S3's sequencer of the notification handled last (ordered per key): older ones change nothing. */
  sequencer?: string;
  at: string;
  statusKey: string;
};

export type ConfigItem = typeof CONFIG_KEY & {
  groupName: string;
  dispatcherArn: string;
  allowedTargetArns: string[];
  bucket: string;
  prefix: string;
  stackId: string;
  updatedAt: string;
};

/** The HTTP ETag of a job: changes with every change of its definition (strong, quoted). */
export function etagOf(item: Pick<JobItem, 'version' | 'hash'>): string {
  return `"${item.version}-${item.hash.slice(0, 12)}"`;
}

export function definitionOf(item: Pick<JobItem, 'definition'>): JobDefinition {
  return JSON.parse(item.definition) as JobDefinition;
}

/** The status object beside a job file: `jobs/nightly.json` -> `jobs/nightly.json.status` (never a `.json` job). */
export const statusKeyOf = (key: string) => `${key}.status`;
export const STATUS_SUFFIX = '.status';

/** How long run items are kept by default (days). */
export const RUN_RETENTION_DAYS = 30;
