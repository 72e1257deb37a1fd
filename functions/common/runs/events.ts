/**
 * Events the Runs app puts on its own bus when a run needs someone's attention. A wired job stack has a rule on
 * the bus for its own job that sends them, with the job stack's own permission, to its FailureTopicArn: the Runs
 * app itself can publish to no topic at all (docs/runs.md, "Who may notify what").
 *
 *   source       "cloud-cron.runs"
 *   detail-type  "Cloud Cron Run Failed"   a run finally failed or timed out (after Lambda's retries)
 *                "Cloud Cron Run Missed"   a slot passed its grace with no run recorded
 *   detail       RunAlert (below); the job stack's rule sends the detail as the SNS message, so channels render
 *                {{message.title}} and {{message.summary}}
 *
 * A task job's failures are not announced here: its task monitor notifies FailureTopicArn itself. Its missed runs
 * are, and its stack's rule forwards them.
 */
import { formatInZone } from '../schedule';
import type { MissedItem, RunItem } from './ledger';

export const RUNS_SOURCE = 'cloud-cron.runs';
export const FAILED_DETAIL_TYPE = 'Cloud Cron Run Failed';
export const MISSED_DETAIL_TYPE = 'Cloud Cron Run Missed';

export type RunAlert = {
  version: '1';
  kind: 'failed' | 'missed';
  job: string;
  /** Lambda jobs: the function. */
  functionArn?: string;
  /** Task jobs (missed runs): the task definition the schedule runs. */
  taskDefinitionArn?: string;
  status: 'failed' | 'timed_out' | 'missed';
  /** One line for a subject or an SMS. */
  title: string;
  /** A sentence or two saying what happened and what to look at. */
  summary: string;
  scheduledTime?: string;
  endedAt?: string;
  requestId?: string;
  attempts?: number;
  errorType?: string;
  errorMessage?: string;
  graceMinutes?: number;
  timezone?: string;
};

export type BusEntry = {
  Source: string;
  DetailType: string;
  Detail: string;
  EventBusName: string;
  Resources: string[];
};

export function failedAlert(run: RunItem): RunAlert {
  const timedOut = run.status === 'timed_out';
  const slot = run.scheduledTime ? ` scheduled for ${run.scheduledTime}` : '';
  const why =
    run.errorType || run.errorMessage ? `: ${[run.errorType, run.errorMessage].filter(Boolean).join(': ')}` : '';
  const alert: RunAlert = {
    version: '1',
    kind: 'failed',
    job: run.job,
    ...(run.functionArn ? { functionArn: run.functionArn } : {}),
    status: run.status === 'timed_out' ? 'timed_out' : 'failed',
    title: `Cloud Cron: ${run.job} ${timedOut ? 'timed out' : 'failed'}`,
    summary: `The run of ${run.job}${slot} ${timedOut ? 'timed out' : 'failed'} after ${run.attempts} attempt(s), at ${run.endedAt}${why}. Request id ${run.requestId}.`,
    endedAt: run.endedAt,
    requestId: run.requestId,
    attempts: run.attempts,
  };
  if (run.scheduledTime) alert.scheduledTime = run.scheduledTime;
  if (run.errorType) alert.errorType = run.errorType;
  if (run.errorMessage) alert.errorMessage = run.errorMessage;
  return alert;
}

export function missedAlert(item: MissedItem, timezone: string): RunAlert {
  // "2030-01-07 08:00", the slot's wall-clock time where the schedule is read.
  const local = formatInZone(new Date(item.scheduledTime), timezone).slice(0, 16).replace('T', ' ');
  const look =
    item.runner === 'ecs'
      ? "Check the schedule's dead-letter queue (runs ECS refused to start: capacity, subnets, permissions)."
      : "Check the schedule's dead-letter queue and the function's throttles.";
  return {
    version: '1',
    kind: 'missed',
    job: item.job,
    ...(item.functionArn ? { functionArn: item.functionArn } : {}),
    ...(item.taskDefinitionArn ? { taskDefinitionArn: item.taskDefinitionArn } : {}),
    status: 'missed',
    title: `Cloud Cron: ${item.job} did not run at ${local} ${timezone}`,
    summary: `${item.job} was due at ${local} (${timezone}) and no run was recorded within its grace of ${item.graceMinutes} minutes. ${look}`,
    scheduledTime: item.scheduledTime,
    graceMinutes: item.graceMinutes,
    timezone,
  };
}

export function alertEntry(alert: RunAlert, busName: string): BusEntry {
  return {
    Source: RUNS_SOURCE,
    DetailType: alert.kind === 'missed' ? MISSED_DETAIL_TYPE : FAILED_DETAIL_TYPE,
    Detail: JSON.stringify(alert),
    EventBusName: busName,
    Resources: [alert.functionArn ?? alert.taskDefinitionArn].filter((r): r is string => !!r),
  };
}
