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
 * `<job>` is the job's Lambda function name, or for a scheduled task (template-scheduled-task.yaml) its task
 * definition family; times are ISO 8601 UTC with milliseconds (`toISOString()`). A task run's request id is its
 * ECS task id and its condition `TaskStopped` (task-runs.ts).
 * The sort key makes a redelivered destination record or task run (same request id and condition) the same item,
 * so a conditional put records it once; the local index `byTime` orders a job's runs and missed slots by time.
 * Runs and missed slots expire (`expiresAt`, DynamoDB TTL) after RetentionDays; registrations do not.
 */

export const LEDGER_VERSION = 1;
export const TIME_INDEX = 'byTime';
export const REGISTRY_PK = 'JOBS';
export const WATCHDOG_KEY = { pk: 'WATCHDOG', sk: 'STATE' } as const;

/**
 * `skipped`: a run that did not start (a task stopped before its container started because an earlier run still ran,
 * PreventOverlap; a registry job's overlap or pause). `dispatched`: handed by the Jobs app's dispatcher to an
 * asynchronous target whose outcome is the target's own.
 */
export type RunStatus = 'succeeded' | 'failed' | 'timed_out' | 'skipped' | 'dispatched' | 'missed';
/** Lambda's destination record conditions (Success, RetriesExhausted, EventAgeExceeded), or TaskStopped. */
export type Condition = string;
/** What runs a job: a Lambda function (items without `runner`, as before tasks existed) or an ECS task. */
export type Runner = 'lambda' | 'ecs';
export const runnerOf = (entry: { runner?: Runner }): Runner => entry.runner ?? 'lambda';

export const jobPk = (job: string) => `JOB#${job}`;
export const runSk = (requestId: string, condition: Condition) => `RUN#${requestId}#${condition}`;
export const missedSk = (slot: string) => `MISSED#${slot}`;
export const runTime = (endedAt: string, requestId: string) => `${endedAt}#${requestId}`;
export const missedTime = (slot: string) => `${slot}#missed`;

type Keys = { pk: string; sk: string; t: string };

/**
 * One run, as the recorder wrote it from Lambda's destination record or from the task monitor's report of a stopped
 * task. No payload, no response, no environment, no personal data.
 */
export type RunItem = Keys & {
  kind: 'run';
  v: number;
  job: string;
  /** `ecs` for a task run; absent for a Lambda run. */
  runner?: 'ecs';
  /** Lambda runs: the function (unqualified ARN). */
  functionArn?: string;
  status: Exclude<RunStatus, 'missed'>;
  condition: Condition;
  requestId: string;
  /** When Lambda finished the last attempt (the record's timestamp), or when the task stopped. */
  endedAt: string;
  /** Lambda's approximate invoke count: 1 + the retries it made; 1 for a task (ECS does not retry a task). */
  attempts: number;
  /** With ScheduleContext: the slot this run was for, its execution id, the scheduler's delivery attempt. */
  scheduledTime?: string;
  executionId?: string;
  deliveryAttempt?: number;
  trigger?: 'schedule' | 'manual';
  /**
   * Lambda runs: when the job reports them (responsePayload.cloudCron.startedAt / durationMs), as Lambda's record has
   * only the end. Task runs: when the container started (ECS startedAt), and from then (else from the task's
   * creation) to its stop.
   */
  startedAt?: string;
  durationMs?: number;
  /** Task runs: the task, its task definition revision, how ECS says it stopped, the container's exit code. */
  taskArn?: string;
  taskDefinitionArn?: string;
  stopCode?: string;
  exitCode?: number;
  /** Skipped task runs: why (scrubbed; absent with ErrorMessages none). */
  reason?: string;
  /**
   * Failed runs: the error's type and its scrubbed message (functions/common/runs/scrub.ts). For a task: the ECS stop
   * code, `NonZeroExit` or `TaskTimedOut`, and the monitor's one-sentence reason.
   */
  errorType?: string;
  errorMessage?: string;
  functionError?: string;
  executedVersion?: string;
  recordedAt: string;
  expiresAt: number;
  /**
   * Failed Lambda runs: set once the failure event is on the bus (the outbox flag). Task runs have none: the task
   * monitor notifies FailureTopicArn itself, with the reason and the log link.
   */
  notified?: boolean;
  /** While one caller announces it: until when its claim holds. */
  claimedUntil?: string;
};

/** A slot the watchdog found without a run once its grace had passed. Written once per job and slot. */
export type MissedItem = Keys & {
  kind: 'missed';
  v: number;
  job: string;
  runner?: 'ecs';
  functionArn?: string;
  /** Task jobs: the task definition registered when the slot was judged. */
  taskDefinitionArn?: string;
  status: 'missed';
  scheduledTime: string;
  detectedAt: string;
  graceMinutes: number;
  expiresAt: number;
  notified?: boolean;
  claimedUntil?: string;
};

export type LedgerEntry = RunItem | MissedItem;

/** What a task job's registration knows of the task (from its monitor function and its schedule). */
export type TaskTarget = {
  clusterArn: string;
  /** The task definition revision the schedule runs. */
  taskDefinitionArn: string;
  /** The container that runs the job (the task override names it). */
  containerName: string;
  /** The stack's task monitor, which reports every run's end to the bus. */
  monitorFunctionArn: string;
};

/** A wired job, written by the registrar when the job stack is created or updated, removed when it is deleted. */
export type Registration = {
  pk: typeof REGISTRY_PK;
  sk: string;
  kind: 'job';
  v: number;
  job: string;
  /** `ecs`: a scheduled task (then `task` is set and `functionArn` absent); absent: a Lambda job. */
  runner?: 'ecs';
  functionArn?: string;
  task?: TaskTarget;
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
  /** The longest an attempt can take: Lambda's Timeout, or a task's TaskTimeoutMinutes plus the reaper's stop. */
  timeoutSeconds: number;
  /** Lambda's retries (0-2); 0 for a task. */
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
