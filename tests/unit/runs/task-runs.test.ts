/**
 * Task runs on the Runs bus: what the task monitor puts for each documented `ECS Task State Change` sample, and
 * the ledger item the recorder makes of it (keyed by task id, nothing of the environment, reasons scrubbed);
 * anything else is refused with the field that is wrong.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RecorderSettings } from '../../../functions/common/runs/records';
import {
  MANUAL_STARTED_BY,
  readTaskRunEvent,
  runItemFromTaskRun,
  type TaskRun,
  type TaskRunEvent,
  taskRunEntry,
} from '../../../functions/common/runs/task-runs';
import { taskRun } from '../../../functions/task-monitor/outcome';
import { EVENTS } from '../../../tooling/paths';
import { CONFIG, sample } from '../task-monitor/helpers';

const BUS = 'arn:aws:events:us-east-1:123456789012:event-bus/cloud-cron-runs';
const NOW = new Date('2030-01-31T04:00:00.000Z');
const settings: RecorderSettings = { retentionDays: 90, errorMessages: 'scrubbed' };

/** The event EventBridge delivers for the monitor's PutEvents entry. */
function delivered(run: TaskRun): TaskRunEvent {
  const entry = taskRunEntry(run, BUS);
  return {
    version: '0',
    id: 'e1',
    source: entry.Source,
    'detail-type': entry.DetailType,
    time: '2030-01-31T03:13:00Z',
    resources: entry.Resources,
    detail: JSON.parse(entry.Detail),
  } as TaskRunEvent;
}
const itemOf = (name: string, s = settings) =>
  runItemFromTaskRun(readTaskRunEvent(delivered(taskRun(sample(name).detail, CONFIG))), s, NOW);

test("the monitor's entry: its own source and detail type, on the bus it was given, about the task", () => {
  const run = taskRun(sample('stopped-succeeded').detail, CONFIG);
  const entry = taskRunEntry(run, BUS);
  expect(entry).toEqual({
    Source: 'cloud-cron.tasks',
    DetailType: 'Cloud Cron Task Run',
    EventBusName: BUS,
    Resources: [run.taskArn],
    Detail: JSON.stringify(run),
  });
  // The task's environment (the payload) never leaves the task.
  expect(entry.Detail).not.toContain('yesterday');
});

test('a succeeded run: keyed by task id, times from ECS, the slot from the task override, nothing to announce', () => {
  const item = itemOf('stopped-succeeded');
  expect(item).toEqual({
    pk: 'JOB#cloud-cron-nightly-export',
    sk: 'RUN#c13b4cb40f1f4fe4a2971f76ae5a47ad#TaskStopped',
    t: '2030-01-31T03:12:58.467Z#c13b4cb40f1f4fe4a2971f76ae5a47ad',
    kind: 'run',
    v: 1,
    job: 'cloud-cron-nightly-export',
    runner: 'ecs',
    status: 'succeeded',
    condition: 'TaskStopped',
    requestId: 'c13b4cb40f1f4fe4a2971f76ae5a47ad',
    endedAt: '2030-01-31T03:12:58.467Z',
    attempts: 1,
    taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/cloud-cron-nightly-export/c13b4cb40f1f4fe4a2971f76ae5a47ad',
    taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/cloud-cron-nightly-export:3',
    scheduledTime: '2030-01-31T02:00:00.000Z',
    executionId: 'd32c5kddcf5bb8c3',
    trigger: 'schedule',
    startedAt: '2030-01-31T02:00:33.806Z',
    // From the container's start to its execution's end (executionStoppedAt), as ECS reports them.
    durationMs: Date.parse('2030-01-31T03:12:39.902Z') - Date.parse('2030-01-31T02:00:33.806Z'),
    stopCode: 'EssentialContainerExited',
    exitCode: 0,
    recordedAt: NOW.toISOString(),
    expiresAt: Math.floor(Date.parse('2030-01-31T03:12:58.467Z') / 1000) + 90 * 86400,
  });
  expect(item.notified).toBeUndefined();
});

test.each([
  ['stopped-out-of-memory', 'failed', 'NonZeroExit', /exit code 137 .*OutOfMemoryError/],
  ['stopped-exit-code', 'failed', 'NonZeroExit', /exit code 3/],
  ['stopped-failed-to-start', 'failed', 'TaskFailedToStart', /never started/],
  ['stopped-spot-interruption', 'failed', 'SpotInterruption', /Fargate Spot reclaimed/],
  ['stopped-by-user', 'failed', 'UserInitiated', /stopped before the job finished/],
  ['stopped-timed-out', 'timed_out', 'TaskTimedOut', /^Cloud Cron: timed out after TaskTimeoutMinutes=90/],
])('%s is %s with error type %s and the scrubbed reason', (name, status, errorType, message) => {
  const item = itemOf(name);
  expect(item).toMatchObject({ status, errorType, runner: 'ecs', attempts: 1 });
  expect(item.errorMessage).toMatch(message);
  expect(item.reason).toBeUndefined();
  expect(JSON.stringify(item)).not.toMatch(/yesterday|CLOUD_CRON_PAYLOAD/);
});

test('a skipped run keeps why it was skipped; ErrorMessages none keeps only the error type', () => {
  const skipped = itemOf('stopped-skipped');
  expect(skipped).toMatchObject({ status: 'skipped', stopCode: 'UserInitiated' });
  expect(skipped.reason).toMatch(/^Cloud Cron: skipped: task .* of this job is still running \(PreventOverlap\)$/);
  expect(skipped.errorType).toBeUndefined();
  const none = { retentionDays: 90, errorMessages: 'none' } as const;
  expect(itemOf('stopped-skipped', none).reason).toBeUndefined();
  const failed = itemOf('stopped-out-of-memory', none);
  expect(failed.errorType).toBe('NonZeroExit');
  expect(failed.errorMessage).toBeUndefined();
});

test('a run started by `cloud-cron run` is manual; a task started by hand without the contract has no slot', () => {
  const manual = sample('stopped-succeeded');
  manual.detail.startedBy = MANUAL_STARTED_BY;
  expect(taskRun(manual.detail, CONFIG).trigger).toBe('manual');
  const byHand = sample('stopped-succeeded');
  delete byHand.detail.overrides;
  const item = runItemFromTaskRun(readTaskRunEvent(delivered(taskRun(byHand.detail, CONFIG))), settings, NOW);
  expect(item.scheduledTime).toBeUndefined();
  expect(item.trigger).toBeUndefined();
});

test('a reason that carries addresses or tokens is scrubbed', () => {
  const e = sample('stopped-by-user');
  e.detail.stoppedReason = 'stopped by jane.doe@example.com with token=abc123 from 10.1.2.3';
  const item = runItemFromTaskRun(readTaskRunEvent(delivered(taskRun(e.detail, CONFIG))), settings, NOW);
  expect(item.errorMessage).toContain('[email]');
  expect(item.errorMessage).not.toMatch(/jane|abc123|10\.1\.2\.3/);
});

test('the sample in events/ is what the monitor puts for the out-of-memory sample', () => {
  const file = JSON.parse(readFileSync(join(EVENTS, 'runs-task-run.json'), 'utf8')) as TaskRunEvent;
  expect(file.detail).toEqual(taskRun(sample('stopped-out-of-memory').detail, CONFIG));
  expect(runItemFromTaskRun(readTaskRunEvent(file), settings, NOW)).toMatchObject({
    status: 'failed',
    errorType: 'NonZeroExit',
  });
});

describe('anything else is refused with the field that is wrong', () => {
  const good = () => JSON.parse(readFileSync(join(EVENTS, 'runs-task-run.json'), 'utf8')) as Record<string, never>;
  const cases: [string, (e: Record<string, unknown>) => unknown, RegExp][] = [
    ['not an object', () => 'text', /the event is not a JSON object/],
    ['another source', (e) => ({ ...e, source: 'lambda' }), /source is "lambda", expected "cloud-cron.tasks"/],
    ['another detail type', (e) => ({ ...e, 'detail-type': 'x' }), /detail-type is "x"/],
    ['no detail', (e) => ({ ...e, detail: [] }), /detail is not an object/],
    ['a bad job', (e) => ({ ...e, detail: { ...(e.detail as object), job: 'a b' } }), /detail\.job "a b"/],
    [
      'a bad task ARN',
      (e) => ({ ...e, detail: { ...(e.detail as object), taskArn: 'task/1' } }),
      /detail\.taskArn "task\/1" is not an ECS task ARN/,
    ],
    [
      'a task definition of another family',
      (e) => ({
        ...e,
        detail: {
          ...(e.detail as object),
          taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/someone-else:1',
        },
      }),
      /of family someone-else, not of job cloud-cron-nightly-export/,
    ],
    [
      'an unknown status',
      (e) => ({ ...e, detail: { ...(e.detail as object), status: 'missed' } }),
      /detail\.status "missed" is not one of succeeded, failed, timed_out, skipped/,
    ],
    [
      'a bad time',
      (e) => ({ ...e, detail: { ...(e.detail as object), stoppedAt: 'yesterday' } }),
      /detail\.stoppedAt "yesterday" is not an ISO 8601 date-time/,
    ],
    [
      'a bad exit code',
      (e) => ({ ...e, detail: { ...(e.detail as object), exitCode: '1' } }),
      /detail\.exitCode "1" is not a whole number/,
    ],
  ];
  test.each(cases)('%s', (_name, change, message) => {
    expect(() => readTaskRunEvent(change(good()))).toThrow(message);
    expect(() => readTaskRunEvent(change(good()))).toThrow(/^not a Cloud Cron task run: /);
  });
});
