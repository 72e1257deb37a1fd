/**
 * The failure notice published to FailureTopicArn for a run that failed or timed out: one SNS message whose JSON
 * has the same `title` and `summary` as the Runs app's alerts (so one channel template renders both), the reason,
 * the task and a link to its log stream. Message attributes `type` (alert), `severity` (critical), `job` and
 * `status` let channel subscriptions filter.
 */
import type { TaskRun } from './outcome';

export type FailureNotice = {
  version: '1';
  kind: 'failed';
  job: string;
  status: 'failed' | 'timed_out';
  title: string;
  summary: string;
  reason: string;
  taskArn: string;
  taskId: string;
  logUrl: string;
  exitCode?: number;
  stopCode?: string;
  scheduledTime?: string;
  startedAt?: string;
  stoppedAt?: string;
  durationMs?: number;
};

export type SnsMessage = {
  Subject: string;
  Message: string;
  MessageAttributes: Record<string, { DataType: 'String'; StringValue: string }>;
};

/** SNS subjects: printable ASCII, no line breaks, under 100 characters. */
function subject(text: string): string {
  const ascii = text.replace(/[^\x20-\x7e]/g, '?');
  return ascii.length <= 99 ? ascii : `${ascii.slice(0, 96)}...`;
}

function minutes(ms: number): string {
  const m = Math.round(ms / 60_000);
  return m < 1 ? `${Math.round(ms / 1000)} s` : `${m} min`;
}

export function failureNotice(run: TaskRun & { status: 'failed' | 'timed_out' }): FailureNotice {
  const verb = run.status === 'timed_out' ? 'timed out' : 'failed';
  const slot = run.scheduledTime ? ` scheduled for ${run.scheduledTime}` : '';
  const took = run.durationMs !== undefined ? ` after ${minutes(run.durationMs)}` : '';
  const notice: FailureNotice = {
    version: '1',
    kind: 'failed',
    job: run.job,
    status: run.status,
    title: `Cloud Cron: ${run.job} ${verb}`,
    summary: `The run of ${run.job}${slot} (task ${run.taskId}) ${verb}${took}: ${run.reason}. Logs: ${run.logUrl}`,
    reason: run.reason,
    taskArn: run.taskArn,
    taskId: run.taskId,
    logUrl: run.logUrl,
  };
  for (const key of ['exitCode', 'stopCode', 'scheduledTime', 'startedAt', 'stoppedAt', 'durationMs'] as const) {
    if (run[key] !== undefined) (notice as Record<string, unknown>)[key] = run[key];
  }
  return notice;
}

export function snsMessage(notice: FailureNotice): SnsMessage {
  const attr = (value: string) => ({ DataType: 'String' as const, StringValue: value });
  return {
    Subject: subject(notice.title),
    Message: JSON.stringify(notice),
    MessageAttributes: {
      type: attr('alert'),
      severity: attr('critical'),
      job: attr(notice.job),
      status: attr(notice.status),
    },
  };
}
