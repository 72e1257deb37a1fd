import { DescribeTasksCommand, ECSClient, ListTasksCommand, StopTaskCommand, type Task } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { EcsCallError, ReaperError } from '../../../functions/task-monitor/errors';
import { overdue, reap } from '../../../functions/task-monitor/reaper';
import { CONFIG, TASK } from './helpers';

const ecsMock = mockClient(ECSClient);
const ecs = new ECSClient({ region: 'us-east-1' });
const NOW = new Date('2030-01-31T04:00:00.000Z');
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000);
const log = { info: jest.fn(), warn: jest.fn() };
const deps = { config: CONFIG, ecs, now: () => NOW, log };

function tasks(list: Task[]) {
  ecsMock.on(ListTasksCommand).resolves({ taskArns: list.map((t) => t.taskArn!) });
  ecsMock.on(DescribeTasksCommand).callsFake((input: { tasks: string[] }) => ({
    tasks: list.filter((t) => input.tasks.includes(t.taskArn!)),
  }));
}

beforeEach(() => {
  ecsMock.reset();
  jest.clearAllMocks();
});

test('overdue: strictly more than TaskTimeoutMinutes since the task was created', () => {
  expect(overdue({ createdAt: minutesAgo(90) }, 90, NOW)).toBe(false);
  expect(overdue({ createdAt: new Date(minutesAgo(90).getTime() - 1) }, 90, NOW)).toBe(true);
  expect(overdue({}, 90, NOW)).toBe(false);
});

test('stops only the tasks of the job past the limit, with a reason that marks them timed out', async () => {
  tasks([
    { taskArn: TASK('old'), desiredStatus: 'RUNNING', lastStatus: 'RUNNING', createdAt: minutesAgo(91) },
    { taskArn: TASK('stuck'), desiredStatus: 'RUNNING', lastStatus: 'PENDING', createdAt: minutesAgo(200) },
    { taskArn: TASK('young'), desiredStatus: 'RUNNING', lastStatus: 'RUNNING', createdAt: minutesAgo(10) },
    { taskArn: TASK('unknown'), desiredStatus: 'RUNNING', lastStatus: 'RUNNING' },
  ]);
  ecsMock.on(StopTaskCommand).resolves({});
  const out = await reap(deps);
  expect(out).toEqual({
    outcome: 'reaped',
    running: 4,
    stopped: [
      { taskArn: TASK('old'), ageMinutes: 91 },
      { taskArn: TASK('stuck'), ageMinutes: 200 },
    ],
  });
  expect(ecsMock).toHaveReceivedCommandWith(ListTasksCommand, {
    cluster: CONFIG.clusterArn,
    family: CONFIG.family,
    desiredStatus: 'RUNNING',
  });
  const stops = ecsMock.commandCalls(StopTaskCommand).map((c) => c.args[0].input);
  expect(stops).toEqual([
    {
      cluster: CONFIG.clusterArn,
      task: TASK('old'),
      reason: `Cloud Cron: timed out after TaskTimeoutMinutes=90, created ${minutesAgo(91).toISOString()}`,
    },
    {
      cluster: CONFIG.clusterArn,
      task: TASK('stuck'),
      reason: expect.stringMatching(/^Cloud Cron: timed out after TaskTimeoutMinutes=90/),
    },
  ]);
  expect(log.warn).toHaveBeenCalledWith('task has no creation time: cannot judge its timeout', {
    taskArn: TASK('unknown'),
  });
});

test('reads every page of ListTasks and describes at most 100 tasks per call', async () => {
  const all: Task[] = Array.from({ length: 230 }, (_, i) => ({
    taskArn: TASK(`t${i}`),
    desiredStatus: 'RUNNING',
    createdAt: minutesAgo(5),
  }));
  ecsMock
    .on(ListTasksCommand)
    .resolvesOnce({ taskArns: all.slice(0, 100).map((t) => t.taskArn!), nextToken: 'p2' })
    .resolvesOnce({ taskArns: all.slice(100, 200).map((t) => t.taskArn!), nextToken: 'p3' })
    .resolvesOnce({ taskArns: all.slice(200).map((t) => t.taskArn!) });
  ecsMock.on(DescribeTasksCommand).callsFake((input: { tasks: string[] }) => ({
    tasks: all.filter((t) => input.tasks.includes(t.taskArn!)),
  }));
  const out = await reap(deps);
  expect(out.running).toBe(230);
  expect(ecsMock.commandCalls(ListTasksCommand).map((c) => c.args[0].input.nextToken)).toEqual([undefined, 'p2', 'p3']);
  expect(ecsMock.commandCalls(DescribeTasksCommand).map((c) => c.args[0].input.tasks?.length)).toEqual([100, 100, 30]);
  expect(ecsMock).not.toHaveReceivedCommand(StopTaskCommand);
});

test('one refused stop does not keep the others from stopping; the tick then fails with every cause', async () => {
  tasks([
    { taskArn: TASK('a'), desiredStatus: 'RUNNING', createdAt: minutesAgo(100) },
    { taskArn: TASK('b'), desiredStatus: 'RUNNING', createdAt: minutesAgo(100) },
  ]);
  ecsMock
    .on(StopTaskCommand, { task: TASK('a') })
    .rejects(
      Object.assign(new Error('User is not authorized to perform: ecs:StopTask'), { name: 'AccessDeniedException' }),
    );
  ecsMock.on(StopTaskCommand, { task: TASK('b') }).resolves({});
  const error = await reap(deps).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ReaperError);
  expect((error as Error).message).toMatch(
    /could not stop 1 task\(s\) past TaskTimeoutMinutes=90: ECS StopTask of .*\/a failed: User is not authorized/,
  );
  expect((error as Error).cause).toBeInstanceOf(EcsCallError);
  expect(ecsMock.commandCalls(StopTaskCommand)).toHaveLength(2);
});

test('a ListTasks failure is an EcsCallError naming the family and cluster', async () => {
  ecsMock.on(ListTasksCommand).rejects(new Error('Rate exceeded'));
  const error = await reap(deps).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(EcsCallError);
  expect((error as Error).message).toBe(
    `ECS ListTasks for family ${CONFIG.family} in ${CONFIG.clusterArn} failed: Rate exceeded`,
  );
});
