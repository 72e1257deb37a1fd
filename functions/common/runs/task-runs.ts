/**
 * Task runs on the Runs bus: how a scheduled task (template-scheduled-task.yaml) reports each run's end to the
 * Runs app, and what the runs ledger keeps of it. Shared by the task monitor, which puts the event, and the
 * recorder, which writes the ledger item.
 *
 * Lambda reports a run through its destination records (records.ts); ECS reports nothing of the kind, so the task
 * monitor, which already judges every STOPPED task of its job, puts one event per run on the bus:
 *
 *   source       "cloud-cron.tasks"          (the monitor's role may put no other source, so it cannot forge
 *   detail-type  "Cloud Cron Task Run"        Lambda records nor the Runs app's own alerts)
 *   resources    [<task ARN>]
 *   detail       TaskRun (below): the run's facts, never the task's environment (which holds the payload)
 *
 * A run is one ledger item keyed by its ECS task id (request id) and the condition `TaskStopped`, so the same
 * task reported twice (EventBridge delivers at least once, the monitor is retried) is recorded once.
 */
import type { BusEntry } from './events';
import { expiresAt, jobPk, LEDGER_VERSION, type RunItem, runSk, runTime } from './ledger';
import { type RecorderSettings, UnreadableRecordError } from './records';
import { cleanErrorType, scrubMessage } from './scrub';

export const TASK_RUN_SOURCE = 'cloud-cron.tasks';
export const TASK_RUN_DETAIL_TYPE = 'Cloud Cron Task Run';
/** The condition of every task run item: the task stopped (ECS reports one end per task). */
export const TASK_CONDITION = 'TaskStopped';
/** `startedBy` of the tasks `cloud-cron run` starts: such a run is manual and never stands in for a slot. */
export const MANUAL_STARTED_BY = 'cloud-cron/manual';

export type TaskRunStatus = 'succeeded' | 'failed' | 'timed_out' | 'skipped';

/** One run of a scheduled task, as the task monitor reports it (failure notice, Runs bus). No payload, no environment. */
export type TaskRun = {
  version: '1';
  /** The task definition family: the job's name. */
  job: string;
  taskArn: string;
  taskId: string;
  clusterArn: string;
  taskDefinitionArn: string;
  status: TaskRunStatus;
  /** One sentence: why the run ended so. */
  reason: string;
  stopCode?: string;
  exitCode?: number;
  createdAt?: string;
  startedAt?: string;
  stoppedAt?: string;
  /** From the container's start (else the task's creation) to the stop. */
  durationMs?: number;
  /** The slot and the Scheduler's execution id, from the task override (absent for a task started by hand). */
  scheduledTime?: string;
  executionId?: string;
  /** `manual` for a run `cloud-cron run` started; `schedule` when the slot is known. */
  trigger?: 'schedule' | 'manual';
  capacityProvider?: string;
  logUrl: string;
};

export type TaskRunEvent = {
  version?: string;
  id?: string;
  source: typeof TASK_RUN_SOURCE;
  'detail-type': typeof TASK_RUN_DETAIL_TYPE;
  time?: string;
  resources?: string[];
  detail: TaskRun;
};

/** The PutEvents entry reporting `run` on the bus `busArn` (its ARN or name). */
export function taskRunEntry(run: TaskRun, busArn: string): BusEntry {
  return {
    Source: TASK_RUN_SOURCE,
    DetailType: TASK_RUN_DETAIL_TYPE,
    Detail: JSON.stringify(run),
    EventBusName: busArn,
    Resources: [run.taskArn],
  };
}

const STATUSES: readonly string[] = ['succeeded', 'failed', 'timed_out', 'skipped'];
const FAMILY = /^[A-Za-z0-9_-]{1,255}$/;
const TASK_ARN =
  /^arn:aws(?:-cn|-us-gov)?:ecs:[a-z0-9-]+:\d{12}:task\/(?:[A-Za-z0-9_-]{1,255}\/)?([A-Za-z0-9-]{1,64})$/;
const CLUSTER_ARN = /^arn:aws(?:-cn|-us-gov)?:ecs:[a-z0-9-]+:\d{12}:cluster\/[A-Za-z0-9_-]{1,255}$/;
const TASK_DEFINITION_ARN =
  /^arn:aws(?:-cn|-us-gov)?:ecs:[a-z0-9-]+:\d{12}:task-definition\/([A-Za-z0-9_-]{1,255}):\d+$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

function fail(problem: string): never {
  throw new UnreadableRecordError(`not a Cloud Cron task run: ${problem}`);
}

function optionalTime(d: Record<string, unknown>, key: string): void {
  const v = d[key];
  if (v !== undefined && (typeof v !== 'string' || !ISO.test(v) || Number.isNaN(Date.parse(v)))) {
    fail(`detail.${key} ${JSON.stringify(v)} is not an ISO 8601 date-time`);
  }
}

/** Checks the event's shape; throws UnreadableRecordError naming the first field that is wrong. */
export function readTaskRunEvent(event: unknown): TaskRunEvent {
  if (!isObject(event)) fail('the event is not a JSON object');
  if (event.source !== TASK_RUN_SOURCE)
    fail(`source is ${JSON.stringify(event.source)}, expected "${TASK_RUN_SOURCE}"`);
  if (event['detail-type'] !== TASK_RUN_DETAIL_TYPE) {
    fail(`detail-type is ${JSON.stringify(event['detail-type'])}, expected "${TASK_RUN_DETAIL_TYPE}"`);
  }
  const d = event.detail;
  if (!isObject(d)) fail('detail is not an object');
  if (typeof d.job !== 'string' || !FAMILY.test(d.job))
    fail(`detail.job ${JSON.stringify(d.job)} is not a task family`);
  if (typeof d.taskArn !== 'string' || !TASK_ARN.test(d.taskArn)) {
    fail(`detail.taskArn ${JSON.stringify(d.taskArn)} is not an ECS task ARN`);
  }
  if (typeof d.clusterArn !== 'string' || !CLUSTER_ARN.test(d.clusterArn)) {
    fail(`detail.clusterArn ${JSON.stringify(d.clusterArn)} is not an ECS cluster ARN`);
  }
  const family =
    typeof d.taskDefinitionArn === 'string' ? TASK_DEFINITION_ARN.exec(d.taskDefinitionArn)?.[1] : undefined;
  if (!family) fail(`detail.taskDefinitionArn ${JSON.stringify(d.taskDefinitionArn)} is not a task definition ARN`);
  if (family !== d.job) fail(`detail.taskDefinitionArn is of family ${family}, not of job ${d.job}`);
  if (typeof d.status !== 'string' || !STATUSES.includes(d.status)) {
    fail(`detail.status ${JSON.stringify(d.status)} is not one of ${STATUSES.join(', ')}`);
  }
  if (typeof d.reason !== 'string') fail('detail.reason is not a string');
  for (const key of ['createdAt', 'startedAt', 'stoppedAt', 'scheduledTime']) optionalTime(d, key);
  if (d.exitCode !== undefined && (typeof d.exitCode !== 'number' || !Number.isInteger(d.exitCode))) {
    fail(`detail.exitCode ${JSON.stringify(d.exitCode)} is not a whole number`);
  }
  if (
    d.durationMs !== undefined &&
    (typeof d.durationMs !== 'number' || !Number.isFinite(d.durationMs) || d.durationMs < 0)
  ) {
    fail(`detail.durationMs ${JSON.stringify(d.durationMs)} is not a duration`);
  }
  if (d.trigger !== undefined && d.trigger !== 'schedule' && d.trigger !== 'manual') {
    fail(`detail.trigger ${JSON.stringify(d.trigger)} is not "schedule" or "manual"`);
  }
  return event as unknown as TaskRunEvent;
}

const iso = (v: string | undefined) => (v === undefined ? undefined : new Date(v).toISOString());

function errorTypeOf(run: TaskRun): string | undefined {
  if (run.status === 'timed_out') return 'TaskTimedOut';
  if (run.stopCode && run.stopCode !== 'EssentialContainerExited') return cleanErrorType(run.stopCode);
  if (run.exitCode !== undefined && run.exitCode !== 0) return 'NonZeroExit';
  return cleanErrorType(run.stopCode) ?? 'TaskFailed';
}

/** The ledger item for a task run. `now` is when it is recorded. */
export function runItemFromTaskRun(event: TaskRunEvent, settings: RecorderSettings, now: Date): RunItem {
  const run = event.detail;
  const taskId = TASK_ARN.exec(run.taskArn)?.[1] ?? run.taskId;
  const endedAt =
    iso(run.stoppedAt) ?? iso(event.time && ISO.test(event.time) ? event.time : undefined) ?? now.toISOString();
  const item: RunItem = {
    pk: jobPk(run.job),
    sk: runSk(taskId, TASK_CONDITION),
    t: runTime(endedAt, taskId),
    kind: 'run',
    v: LEDGER_VERSION,
    job: run.job,
    runner: 'ecs',
    status: run.status,
    condition: TASK_CONDITION,
    requestId: taskId,
    endedAt,
    attempts: 1,
    taskArn: run.taskArn,
    taskDefinitionArn: run.taskDefinitionArn,
    recordedAt: now.toISOString(),
    expiresAt: expiresAt(endedAt, settings.retentionDays),
  };
  if (run.scheduledTime) item.scheduledTime = iso(run.scheduledTime);
  if (run.executionId && /^[A-Za-z0-9._:-]{1,128}$/.test(run.executionId)) item.executionId = run.executionId;
  if (run.trigger) item.trigger = run.trigger;
  if (run.startedAt) item.startedAt = iso(run.startedAt);
  if (run.durationMs !== undefined) item.durationMs = Math.round(run.durationMs);
  const stopCode = cleanErrorType(run.stopCode);
  if (stopCode) item.stopCode = stopCode;
  if (run.exitCode !== undefined) item.exitCode = run.exitCode;
  const reason = settings.errorMessages === 'scrubbed' ? scrubMessage(run.reason) : '';
  if (run.status === 'failed' || run.status === 'timed_out') {
    const type = errorTypeOf(run);
    if (type) item.errorType = type;
    if (reason) item.errorMessage = reason;
  } else if (run.status === 'skipped' && reason) {
    item.reason = reason;
  }
  return item;
}
