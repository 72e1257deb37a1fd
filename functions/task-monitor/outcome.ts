/**
 * How a stopped task's run ended, from its `ECS Task State Change` event alone.
 *
 *   skipped    the monitor stopped it as it started, because an older task of the job was still running
 *              (PreventOverlap); its stop reason starts with SKIP_REASON_PREFIX
 *   timed_out  the reaper stopped it past TaskTimeoutMinutes; its stop reason starts with TIMEOUT_REASON_PREFIX
 *   succeeded  the job's container exited with code 0 and the task stopped because of it (EssentialContainerExited)
 *   failed     anything else: a non-zero exit code, a container that died without one (out of memory), a task that
 *              never started (TaskFailedToStart: image pull, secrets, network), a Fargate Spot interruption, a stop
 *              by a user or another service
 *
 * The stop codes are those of the ECS API's Task.stopCode (TaskFailedToStart, EssentialContainerExited,
 * UserInitiated, ServiceSchedulerInitiated, SpotInterruption, TerminationNotice).
 */
import { MANUAL_STARTED_BY, type TaskRun, type TaskRunStatus } from '../common/runs/task-runs';
import { scheduleContextOf } from '../common/task-contract';
import type { MonitorConfig } from './config';
import { type TaskDetail, taskIdOf } from './events';

/** The run's shape is the Runs app's (functions/common/runs/task-runs.ts): the monitor puts it on the Runs bus. */
export type RunStatus = TaskRunStatus;
export type { TaskRun };

export const TIMEOUT_REASON_PREFIX = 'Cloud Cron: timed out';
export const SKIP_REASON_PREFIX = 'Cloud Cron: skipped';
/** ECS keeps at most 255 characters of a stop reason. */
const MAX_STOP_REASON = 255;

export function timeoutReason(timeoutMinutes: number, createdAt: Date | undefined): string {
  const since = createdAt ? `, created ${createdAt.toISOString()}` : '';
  return `${TIMEOUT_REASON_PREFIX} after TaskTimeoutMinutes=${timeoutMinutes}${since}`.slice(0, MAX_STOP_REASON);
}

export function skipReason(runningTaskArn: string): string {
  return `${SKIP_REASON_PREFIX}: task ${taskIdOf(runningTaskArn)} of this job is still running (PreventOverlap)`.slice(
    0,
    MAX_STOP_REASON,
  );
}

const SIGNALS: Record<number, string> = {
  137: 'killed by SIGKILL: out of memory, or it did not stop within its stop timeout',
  143: 'stopped by SIGTERM',
  139: 'segmentation fault',
};

function exitText(code: number): string {
  return SIGNALS[code] ? `exit code ${code} (${SIGNALS[code]})` : `exit code ${code}`;
}

const ms = (iso: string | undefined) => (iso === undefined ? Number.NaN : Date.parse(iso));

/** The CloudWatch Logs console page of the job container's log stream (awslogs: <prefix>/<container>/<task id>). */
export function logUrl(
  config: Pick<MonitorConfig, 'logGroupName' | 'logStreamPrefix' | 'containerName'>,
  taskArn: string,
): string {
  const [, partition, , region] = taskArn.split(':');
  const stream = `${config.logStreamPrefix}/${config.containerName}/${taskIdOf(taskArn)}`;
  // The console's fragment encodes each name twice, with "$" for "%".
  const enc = (s: string) => encodeURIComponent(encodeURIComponent(s)).replace(/%/g, '$');
  const host =
    partition === 'aws-cn'
      ? `${region}.console.amazonaws.cn`
      : partition === 'aws-us-gov'
        ? 'console.amazonaws-us-gov.com'
        : `${region}.console.aws.amazon.com`;
  return `https://${host}/cloudwatch/home?region=${region}#logsV2:log-groups/log-group/${enc(config.logGroupName)}/log-events/${enc(stream)}`;
}

function judge(detail: TaskDetail, containerName: string): { status: RunStatus; reason: string; exitCode?: number } {
  const stopped = (detail.stoppedReason ?? '').trim();
  if (stopped.startsWith(SKIP_REASON_PREFIX)) return { status: 'skipped', reason: stopped };
  if (stopped.startsWith(TIMEOUT_REASON_PREFIX)) return { status: 'timed_out', reason: stopped };
  const container = detail.containers?.find((c) => c.name === containerName);
  const exitCode = typeof container?.exitCode === 'number' ? container.exitCode : undefined;
  const withExit = exitCode === undefined ? {} : { exitCode };
  const containerReason = container?.reason ? `: ${container.reason}` : '';
  const because = stopped ? ` (${stopped})` : '';
  const started = detail.startedAt !== undefined;
  switch (detail.stopCode) {
    case 'TaskFailedToStart':
      return { status: 'failed', reason: `the task never started${because}`, ...withExit };
    case 'SpotInterruption':
      return {
        status: 'failed',
        reason: `Fargate Spot reclaimed the capacity and stopped the task${because}`,
        ...withExit,
      };
    case 'UserInitiated':
      return {
        status: 'failed',
        reason: `${started ? 'the task was stopped before the job finished' : 'the task was stopped before it started'}${because}`,
        ...withExit,
      };
    case 'ServiceSchedulerInitiated':
    case 'TerminationNotice':
      return { status: 'failed', reason: `ECS stopped the task (${detail.stopCode})${because}`, ...withExit };
    default:
      break;
  }
  if (!started && exitCode === undefined) {
    return { status: 'failed', reason: `the task never started${because}` };
  }
  if (exitCode === 0) return { status: 'succeeded', reason: `container ${containerName} exited with code 0`, exitCode };
  if (exitCode !== undefined) {
    return {
      status: 'failed',
      reason: `container ${containerName} failed with ${exitText(exitCode)}${containerReason}`,
      exitCode,
    };
  }
  return {
    status: 'failed',
    reason: `container ${containerName} stopped without an exit code${containerReason || because}`,
  };
}

/** The run a STOPPED task's event reports. */
export function taskRun(detail: TaskDetail, config: MonitorConfig): TaskRun {
  const verdict = judge(detail, config.containerName);
  const stoppedAt = detail.stoppedAt ?? detail.executionStoppedAt;
  const from = ms(detail.startedAt ?? detail.createdAt);
  const to = ms(detail.executionStoppedAt ?? detail.stoppedAt);
  const run: TaskRun = {
    version: '1',
    job: config.family,
    taskArn: detail.taskArn,
    taskId: taskIdOf(detail.taskArn),
    clusterArn: detail.clusterArn,
    taskDefinitionArn: detail.taskDefinitionArn,
    status: verdict.status,
    reason: verdict.reason,
    logUrl: logUrl(config, detail.taskArn),
    ...scheduleContextOf(detail.overrides, config.containerName),
  };
  if (detail.stopCode) run.stopCode = detail.stopCode;
  if (verdict.exitCode !== undefined) run.exitCode = verdict.exitCode;
  if (detail.createdAt) run.createdAt = detail.createdAt;
  if (detail.startedAt) run.startedAt = detail.startedAt;
  if (stoppedAt) run.stoppedAt = stoppedAt;
  if (Number.isFinite(from) && Number.isFinite(to) && to >= from) run.durationMs = to - from;
  if (detail.capacityProviderName) run.capacityProvider = detail.capacityProviderName;
  if (detail.startedBy === MANUAL_STARTED_BY) run.trigger = 'manual';
  else if (run.scheduledTime) run.trigger = 'schedule';
  return run;
}
