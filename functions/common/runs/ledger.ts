/**
 * The runs ledger: one DynamoDB table (template-runs.yaml, RunsTable) holding every job's runs, its missed slots,
 * the registry of wired jobs and the watchdog's progress. This module is its schema: keys, item shapes, and the
 * conversions every reader and writer shares (recorder, watchdog, registrar, the CLI, the simulator).
 *
 * Keys (all strings):
 *
 *   item          pk                sk                          t (index byTime)
 *   run           JOB#<job>         RUN#<requestId>#<condition>  <endedAt>#<requestId>
 *   missed slot   JOB#<job>         MISSED#<slot>                <slot>#missed
 *   registration  JOBS              <job>                        -
 *   watchdog      WATCHDOG          STATE                        -
 *
 * `<job>` is the job's Lambda function name; times are ISO 8601 UTC with milliseconds (`toISOString()`).
 * The sort key makes a redelivered destination record (same request id and condition) the same item, so a
 * conditional put records it once; the local index `byTime` orders a job's runs and missed slots by time.
 * Runs and missed slots expire (`expiresAt`, DynamoDB TTL) after RetentionDays; registrations do not.
 */

export const LEDGER_VERSION = 1;
export const TIME_INDEX = 'byTime';
export const REGISTRY_PK = 'JOBS';
export const WATCHDOG_KEY = { pk: 'WATCHDOG', sk: 'STATE' } as const;

export type RunStatus = 'succeeded' | 'failed' | 'timed_out' | 'missed';
/** Lambda's destination record conditions: Success, RetriesExhausted, EventAgeExceeded. */
export type Condition = string;

export const jobPk = (job: string) => `JOB#${job}`;
export const runSk = (requestId: string, condition: Condition) => `RUN#${requestId}#${condition}`;
export const missedSk = (slot: string) => `MISSED#${slot}`;
export const runTime = (endedAt: string, requestId: string) => `${endedAt}#${requestId}`;
export const missedTime = (slot: string) => `${slot}#missed`;

type Keys = { pk: string; sk: string; t: string };

/** One run, as the recorder wrote it from Lambda's destination record. No payload, no response, no personal data. */
export type RunItem = Keys & {
  kind: 'run';
  v: number;
  job: string;
  functionArn: string;
  status: Exclude<RunStatus, 'missed'>;
  condition: Condition;
  requestId: string;
  /** When Lambda finished the last attempt (the record's timestamp). */
  endedAt: string;
  /** Lambda's approximate invoke count: 1 + the retries it made. */
  attempts: number;
  /** With ScheduleContext: the slot this run was for, its execution id, the scheduler's delivery attempt. */
  scheduledTime?: string;
  executionId?: string;
  deliveryAttempt?: number;
  trigger?: 'schedule' | 'manual';
  /** When the job reports them (responsePayload.cloudCron.startedAt / durationMs): Lambda's record has only the end. */
  startedAt?: string;
  durationMs?: number;
  /** Failed runs: the error's type and its scrubbed message (functions/common/runs/scrub.ts). */
  errorType?: string;
  errorMessage?: string;
  functionError?: string;
  executedVersion?: string;
  recordedAt: string;
  expiresAt: number;
  /** Failed runs: set once the failure event is on the bus (the outbox flag). */
  notified?: boolean;
  /** While one caller announces it: until when its claim holds. */
  claimedUntil?: string;
};

/** A slot the watchdog found without a run once its grace had passed. Written once per job and slot. */
export type MissedItem = Keys & {
  kind: 'missed';
  v: number;
  job: string;
  functionArn: string;
  status: 'missed';
  scheduledTime: string;
  detectedAt: string;
  graceMinutes: number;
  expiresAt: number;
  notified?: boolean;
  claimedUntil?: string;
};

export type LedgerEntry = RunItem | MissedItem;

/** A wired job, written by the registrar when the job stack is created or updated, removed when it is deleted. */
export type Registration = {
  pk: typeof REGISTRY_PK;
  sk: string;
  kind: 'job';
  v: number;
  job: string;
  functionArn: string;
  stackId: string;
  stackName: string;
  scheduleArn: string;
  expression: string;
  timezone: string;
  state: 'ENABLED' | 'DISABLED';
  startDate?: string;
  endDate?: string;
  flexibleWindowMinutes: number;
  /** rate(): the instant the schedule counts from (its StartDate, else when it was created or last changed). */
  rateAnchor?: string;
  timeoutSeconds: number;
  maximumRetryAttempts: number;
  missedRunGraceMinutes: number;
  scheduleContext: boolean;
  /** The schedule's LastModificationDate when registered: a change re-anchors rate() and restarts `since`. */
  scheduleModifiedAt: string;
  /** Slots before this instant are never judged (the registration, or the last change of the schedule). */
  since: string;
  registeredAt: string;
  updatedAt: string;
};

/** How long a claim to announce an item holds before another caller may take it over. */
export const NOTIFY_LEASE_MS = 2 * 60_000;

export type WatchdogState = typeof WATCHDOG_KEY & { checkedUntil: string; updatedAt: string };

/** Lambda waits 1 minute before the second attempt and 2 minutes before the third. */
export function retryBackoffMs(retries: number): number {
  return (retries >= 1 ? 60_000 : 0) + (retries >= 2 ? 120_000 : 0);
}

/**
 * How long after a slot a run can still be recorded for it: the flexible window, every attempt running to its
 * timeout, Lambda's waits between attempts, and the job's MissedRunGraceMinutes (delivery, queueing, clock skew).
 */
export function graceMs(
  job: Pick<
    Registration,
    'flexibleWindowMinutes' | 'timeoutSeconds' | 'maximumRetryAttempts' | 'missedRunGraceMinutes'
  >,
): number {
  return (
    job.flexibleWindowMinutes * 60_000 +
    job.timeoutSeconds * 1000 * (job.maximumRetryAttempts + 1) +
    retryBackoffMs(job.maximumRetryAttempts) +
    job.missedRunGraceMinutes * 60_000
  );
}

/** The function name in a function ARN (qualified or not), or the name itself. */
export function functionNameOf(nameOrArn: string): string {
  const m = /^arn:[a-z-]+:lambda:[a-z0-9-]+:\d{12}:function:([A-Za-z0-9_-]+)(?::[A-Za-z0-9$_-]+)?$/.exec(nameOrArn);
  return m ? m[1] : nameOrArn;
}

/** The unqualified function ARN (`...:function:name`), dropping `:$LATEST` or an alias. */
export function unqualifiedArn(arn: string): string {
  const m = /^(arn:[a-z-]+:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+)(?::[A-Za-z0-9$_-]+)?$/.exec(arn);
  return m ? m[1] : arn;
}

export function expiresAt(fromIso: string, retentionDays: number): number {
  return Math.floor(Date.parse(fromIso) / 1000) + retentionDays * 86_400;
}
