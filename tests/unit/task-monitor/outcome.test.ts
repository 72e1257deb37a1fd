import {
  logUrl,
  SKIP_REASON_PREFIX,
  skipReason,
  taskRun,
  timeoutReason,
} from '../../../functions/task-monitor/outcome';
import { CONFIG, sample } from './helpers';

describe('the run a STOPPED task reports, from the documented event shapes', () => {
  test.each([
    ['stopped-succeeded', 'succeeded', /container job exited with code 0/],
    ['stopped-exit-code', 'failed', /container job failed with exit code 3$/],
    ['stopped-out-of-memory', 'failed', /exit code 137 \(killed by SIGKILL.*\): OutOfMemoryError: Container killed/],
    ['stopped-failed-to-start', 'failed', /^the task never started \(CannotPullContainerError: /],
    ['stopped-timed-out', 'timed_out', /^Cloud Cron: timed out after TaskTimeoutMinutes=90/],
    ['stopped-by-user', 'failed', /^the task was stopped before the job finished \(Task stopped by user\)/],
    [
      'stopped-spot-interruption',
      'failed',
      /^Fargate Spot reclaimed the capacity.*\(Your Spot Task was interrupted\.\)/,
    ],
    ['stopped-skipped', 'skipped', /^Cloud Cron: skipped: task c13b4cb40f1f4fe4a2971f76ae5a47ad/],
  ])('%s is %s', (name, status, reason) => {
    const run = taskRun(sample(name).detail, CONFIG);
    expect(run.status).toBe(status);
    expect(run.reason).toMatch(reason);
    expect(run.job).toBe('cloud-cron-nightly-export');
  });

  test('timing: from the container start to the execution stop; slot and execution id from the overrides', () => {
    const run = taskRun(sample('stopped-succeeded').detail, CONFIG);
    expect(run).toMatchObject({
      taskId: 'c13b4cb40f1f4fe4a2971f76ae5a47ad',
      exitCode: 0,
      stopCode: 'EssentialContainerExited',
      startedAt: '2030-01-31T02:00:33.806Z',
      stoppedAt: '2030-01-31T03:12:58.467Z',
      durationMs: Date.parse('2030-01-31T03:12:39.902Z') - Date.parse('2030-01-31T02:00:33.806Z'),
      scheduledTime: '2030-01-31T02:00:00Z',
      executionId: 'd32c5kddcf5bb8c3',
    });
  });

  test('a task that never started is timed from its creation and has no exit code', () => {
    const run = taskRun(sample('stopped-failed-to-start').detail, CONFIG);
    expect(run.exitCode).toBeUndefined();
    expect(run.startedAt).toBeUndefined();
    expect(run.durationMs).toBe(Date.parse('2030-01-31T02:01:10.001Z') - Date.parse('2030-01-31T02:00:04.402Z'));
  });

  test('a task stopped before it started, without a stop code, fails as never started', () => {
    const { detail } = sample('stopped-failed-to-start');
    const run = taskRun({ ...detail, stopCode: undefined, containers: [{ name: 'job' }] }, CONFIG);
    expect(run).toMatchObject({ status: 'failed', reason: expect.stringMatching(/^the task never started/) });
  });

  test('a job container that stopped without an exit code fails with its reason', () => {
    const { detail } = sample('stopped-out-of-memory');
    const run = taskRun({ ...detail, containers: [{ name: 'job', reason: 'OutOfMemoryError: killed' }] }, CONFIG);
    expect(run).toMatchObject({
      status: 'failed',
      reason: 'container job stopped without an exit code: OutOfMemoryError: killed',
    });
  });

  test("only the job's container decides: a sidecar's exit code does not", () => {
    const { detail } = sample('stopped-succeeded');
    const containers = [
      { name: 'log-router', exitCode: 143 },
      { name: 'job', exitCode: 0 },
    ];
    expect(taskRun({ ...detail, containers }, CONFIG).status).toBe('succeeded');
    expect(taskRun({ ...detail, containers: [{ name: 'job', exitCode: 2 }] }, CONFIG).status).toBe('failed');
  });

  test('a Scheduler keyword left unsubstituted and a hand-started task carry no slot', () => {
    const { detail } = sample('stopped-succeeded');
    const keyword = {
      containerOverrides: [
        { name: 'job', environment: [{ name: 'CLOUD_CRON_SCHEDULED_TIME', value: '<aws.scheduler.scheduled-time>' }] },
      ],
    };
    expect(taskRun({ ...detail, overrides: keyword }, CONFIG).scheduledTime).toBeUndefined();
    expect(taskRun({ ...detail, overrides: { containerOverrides: [] } }, CONFIG).scheduledTime).toBeUndefined();
  });

  test('nothing of the environment (the payload) is in the run', () => {
    const run = taskRun(sample('stopped-exit-code').detail, CONFIG);
    expect(JSON.stringify(run)).not.toContain('orders');
  });
});

describe('stop reasons the monitor writes', () => {
  test('fit the 255 characters ECS keeps and carry their marker', () => {
    expect(timeoutReason(90, new Date('2030-01-31T02:00:04.402Z'))).toBe(
      'Cloud Cron: timed out after TaskTimeoutMinutes=90, created 2030-01-31T02:00:04.402Z',
    );
    const skip = skipReason(`arn:aws:ecs:us-east-1:123456789012:task/c/${'a'.repeat(300)}`);
    expect(skip.length).toBeLessThanOrEqual(255);
    expect(skip.startsWith(SKIP_REASON_PREFIX)).toBe(true);
  });
});

describe('log link', () => {
  test("opens the job container's awslogs stream in the CloudWatch console, names encoded twice", () => {
    expect(logUrl(CONFIG, 'arn:aws:ecs:eu-west-3:123456789012:task/c/0a1b')).toBe(
      'https://eu-west-3.console.aws.amazon.com/cloudwatch/home?region=eu-west-3#logsV2:log-groups/log-group/$252Faws$252Fecs$252Fcloud-cron$252Fnightly-export/log-events/task$252Fjob$252F0a1b',
    );
  });

  test('uses the console of the partition', () => {
    expect(logUrl(CONFIG, 'arn:aws-cn:ecs:cn-north-1:123456789012:task/c/0a1b')).toMatch(
      /^https:\/\/cn-north-1\.console\.amazonaws\.cn\/cloudwatch\/home\?region=cn-north-1#/,
    );
    expect(logUrl(CONFIG, 'arn:aws-us-gov:ecs:us-gov-west-1:123456789012:task/c/0a1b')).toMatch(
      /^https:\/\/console\.amazonaws-us-gov\.com\/cloudwatch\/home\?region=us-gov-west-1#/,
    );
  });
});
