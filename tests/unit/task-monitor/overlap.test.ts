import { DescribeTasksCommand, ECSClient, ListTasksCommand, StopTaskCommand, type Task } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { preventOverlap } from '../../../functions/task-monitor/overlap';
import { CONFIG, sample, TASK } from './helpers';

const ecsMock = mockClient(ECSClient);
const deps = { config: CONFIG, ecs: new ECSClient({ region: 'us-east-1' }), log: { info: jest.fn() } };
const provisioning = sample('provisioning').detail;
const NEW = provisioning.taskArn;
const CREATED = Date.parse(provisioning.createdAt!);

function running(list: Task[]) {
  ecsMock.on(ListTasksCommand).resolves({ taskArns: list.map((t) => t.taskArn!) });
  ecsMock.on(DescribeTasksCommand).resolves({ tasks: list });
}

beforeEach(() => {
  ecsMock.reset();
  ecsMock.on(StopTaskCommand).resolves({});
});

test('a new task while an older one of the job still runs is stopped as skipped', async () => {
  running([
    { taskArn: NEW, desiredStatus: 'RUNNING', createdAt: new Date(CREATED) },
    {
      taskArn: TASK('c13b4cb40f1f4fe4a2971f76ae5a47ad'),
      desiredStatus: 'RUNNING',
      createdAt: new Date(CREATED - 3_600_000),
    },
  ]);
  await expect(preventOverlap(deps, provisioning)).resolves.toEqual({
    outcome: 'skipped',
    taskArn: NEW,
    runningTaskArn: TASK('c13b4cb40f1f4fe4a2971f76ae5a47ad'),
  });
  expect(ecsMock).toHaveReceivedCommandWith(StopTaskCommand, {
    cluster: CONFIG.clusterArn,
    task: NEW,
    reason: 'Cloud Cron: skipped: task c13b4cb40f1f4fe4a2971f76ae5a47ad of this job is still running (PreventOverlap)',
  });
});

test('the only task of the job runs', async () => {
  running([{ taskArn: NEW, desiredStatus: 'RUNNING', createdAt: new Date(CREATED) }]);
  await expect(preventOverlap(deps, provisioning)).resolves.toEqual({ outcome: 'started', taskArn: NEW });
  expect(ecsMock).not.toHaveReceivedCommand(StopTaskCommand);
});

test('a younger task, or one already being stopped, does not block an older one', async () => {
  running([
    { taskArn: TASK('younger'), desiredStatus: 'RUNNING', createdAt: new Date(CREATED + 1000) },
    { taskArn: TASK('stopping'), desiredStatus: 'STOPPED', createdAt: new Date(CREATED - 1000) },
  ]);
  await expect(preventOverlap(deps, provisioning)).resolves.toEqual({ outcome: 'started', taskArn: NEW });
});

test('of two tasks created at the same instant exactly one runs (ties broken by task ARN)', async () => {
  const a = { ...provisioning, taskArn: TASK('aaaa') };
  const b = { ...provisioning, taskArn: TASK('bbbb') };
  const both = [a, b].map((t) => ({ taskArn: t.taskArn, desiredStatus: 'RUNNING', createdAt: new Date(CREATED) }));
  running(both);
  const outcomes = [await preventOverlap(deps, a), await preventOverlap(deps, b)].map((o) => o.outcome);
  expect(outcomes).toEqual(['started', 'skipped']);
});

test('a task whose event already says it is being stopped is left alone', async () => {
  const out = await preventOverlap(deps, { ...provisioning, desiredStatus: 'STOPPED' });
  expect(out).toEqual({ outcome: 'ignored', taskArn: NEW, reason: 'desired status is STOPPED' });
  expect(ecsMock).not.toHaveReceivedCommand(ListTasksCommand);
});
