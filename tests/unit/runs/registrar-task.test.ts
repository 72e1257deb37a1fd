/**
 * The registrar registers a scheduled task (template-scheduled-task.yaml) from its deployed task monitor and
 * schedule, only for the stack named in the task's family, only when its runs reach this bus, and unregisters it
 * on Delete; every refusal answers CloudFormation with what to fix.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import type { CfnResponse } from '../../../functions/common/cfn-response';
import { answerCustomResource } from '../../../functions/common/custom-resource';
import { graceMs } from '../../../functions/common/runs/ledger';
import {
  createRegistrar,
  type Facts,
  type FunctionFacts,
  type ScheduleFacts,
} from '../../../functions/runs-registrar/registrar';
import { EVENTS } from '../../../tooling/paths';
import { createMemoryStore } from '../../../tooling/simulator/memory-store';

const BUS = 'arn:aws:events:us-east-1:123456789012:event-bus/cloud-cron-runs';
const create = JSON.parse(
  readFileSync(join(EVENTS, 'runs-registration-task-create.json'), 'utf8'),
) as CloudFormationCustomResourceEvent;
const STACK = create.StackId;
const MONITOR = 'nightly-export-TaskMonitorFunction-4D5E6F';
const MONITOR_ARN = `arn:aws:lambda:us-east-1:123456789012:function:${MONITOR}`;
const CLUSTER = 'arn:aws:ecs:us-east-1:123456789012:cluster/nightly-export-Cluster-1A2B';
const TASK_DEFINITION = 'arn:aws:ecs:us-east-1:123456789012:task-definition/cloud-cron-nightly-export:3';
/** The task monitor's environment, as template-scheduled-task.yaml sets it. */
const ENV = {
  TASK_FAMILY: 'cloud-cron-nightly-export',
  CLUSTER_ARN: CLUSTER,
  CONTAINER_NAME: 'job',
  TASK_TIMEOUT_MINUTES: '90',
  PREVENT_OVERLAP: 'true',
  RUNS_EVENT_BUS_ARN: BUS,
};

function setup(
  over: { fn?: Partial<FunctionFacts>; env?: Record<string, string>; schedule?: Partial<ScheduleFacts> } = {},
) {
  const store = createMemoryStore();
  const facts: Facts = {
    fn: async (name) =>
      name === MONITOR
        ? {
            functionArn: MONITOR_ARN,
            timeoutSeconds: 60,
            tags: { 'aws:cloudformation:stack-id': STACK },
            environment: { ...ENV, ...over.env },
            ...over.fn,
          }
        : undefined,
    invokeConfig: async () => {
      throw new Error('a task monitor has no destinations to check');
    },
    schedule: async (group, name) =>
      group === 'default' && name === 'nightly-export-Schedule-7G8H9I'
        ? {
            targetArn: CLUSTER,
            taskDefinitionArn: TASK_DEFINITION,
            expression: 'cron(0 2 * * ? *)',
            timezone: 'Europe/Paris',
            state: 'ENABLED',
            flexibleWindowMinutes: 0,
            lastModified: new Date('2030-01-05T10:00:00Z'),
            ...over.schedule,
          }
        : undefined,
  };
  const registrar = createRegistrar({ store, facts, busArn: BUS, now: () => new Date('2030-01-05T10:00:05Z') });
  const sent: CfnResponse[] = [];
  const answer = (event: CloudFormationCustomResourceEvent) =>
    answerCustomResource(event, registrar, async (_url, r) => void sent.push(r), { region: 'us-east-1' });
  return { store, answer, sent };
}

test('Create registers the task job under its family, with what the monitor and the Scheduler say', async () => {
  const { store, answer } = setup();
  const r = await answer(create);
  expect(r).toMatchObject({
    Status: 'SUCCESS',
    PhysicalResourceId: 'cloud-cron-nightly-export',
    Data: { Job: 'cloud-cron-nightly-export' },
  });
  const registration = await store.getRegistration('cloud-cron-nightly-export');
  expect(registration).toEqual({
    pk: 'JOBS',
    sk: 'cloud-cron-nightly-export',
    kind: 'job',
    v: 1,
    job: 'cloud-cron-nightly-export',
    runner: 'ecs',
    task: {
      clusterArn: CLUSTER,
      taskDefinitionArn: TASK_DEFINITION,
      containerName: 'job',
      monitorFunctionArn: MONITOR_ARN,
    },
    stackId: STACK,
    stackName: 'nightly-export',
    scheduleArn: create.ResourceProperties.ScheduleArn,
    expression: 'cron(0 2 * * ? *)',
    timezone: 'Europe/Paris',
    state: 'ENABLED',
    flexibleWindowMinutes: 0,
    // TaskTimeoutMinutes, plus the reaper's tick and the container's stop timeout.
    timeoutSeconds: 90 * 60 + 180,
    maximumRetryAttempts: 0,
    missedRunGraceMinutes: 5,
    scheduleContext: true,
    scheduleModifiedAt: '2030-01-05T10:00:00.000Z',
    since: '2030-01-05T10:00:05.000Z',
    registeredAt: '2030-01-05T10:00:05.000Z',
    updatedAt: '2030-01-05T10:00:05.000Z',
  });
  // A slot is judged missed 98 minutes after it: the timeout, the reaper's 3 minutes and the grace.
  expect(graceMs(registration!)).toBe((90 + 3 + 5) * 60_000);
});

test.each([
  [
    'a monitor of another stack',
    { fn: { tags: { 'aws:cloudformation:stack-id': 'arn:aws:cloudformation:us-east-1:123456789012:stack/other/1' } } },
    /function nightly-export-TaskMonitorFunction-4D5E6F belongs to stack other, not to nightly-export: a stack can register only its own task/,
  ],
  ['a function that is no task monitor', { env: { TASK_FAMILY: '' } }, /is not a Cloud Cron task monitor/],
  [
    "another stack's task family",
    { env: { TASK_FAMILY: 'cloud-cron-payroll' } },
    /task family cloud-cron-payroll is not cloud-cron-nightly-export: a stack can register only its own task/,
  ],
  [
    'a monitor reporting to another bus',
    { env: { RUNS_EVENT_BUS_ARN: 'arn:aws:events:us-east-1:123456789012:event-bus/other' } },
    /reports runs to .*event-bus\/other, not to .*cloud-cron-runs: its runs would never reach the ledger; set RunsEventBusArn/,
  ],
  ['a monitor reporting nowhere', { env: { RUNS_EVENT_BUS_ARN: '' } }, /reports runs to no bus/],
  ['a monitor without a timeout', { env: { TASK_TIMEOUT_MINUTES: 'x' } }, /no valid TASK_TIMEOUT_MINUTES \("x"\)/],
  [
    'a schedule of another cluster',
    { schedule: { targetArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/other' } },
    /targets .*task-definition\/cloud-cron-nightly-export:3 in .*cluster\/other, not a task definition of family cloud-cron-nightly-export in cluster/,
  ],
  [
    'a schedule of another family',
    { schedule: { taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/x:1' } },
    /not a task definition of family cloud-cron-nightly-export/,
  ],
  [
    'a schedule of a function',
    { schedule: { targetArn: MONITOR_ARN, taskDefinitionArn: undefined } },
    /targets .*function:/,
  ],
])('refuses %s, answering FAILED with the reason', async (_name, over, reason) => {
  const { store, answer } = setup(over as never);
  const r = await answer(create);
  expect(r.Status).toBe('FAILED');
  expect(r.Reason).toMatch(reason);
  expect(await store.listRegistrations()).toEqual([]);
});

test('bad properties are refused by name', async () => {
  const { answer } = setup();
  for (const [props, reason] of [
    [{ Runner: 'batch' }, /Runner "batch" must be "lambda" or "ecs"/],
    [{ MonitorFunctionName: '' }, /property MonitorFunctionName is required/],
    [{ MonitorFunctionName: 'no-such-monitor' }, /task monitor function no-such-monitor does not exist/],
  ] as const) {
    const r = await answer({ ...create, ResourceProperties: { ...create.ResourceProperties, ...props } });
    expect([r.Status, r.Reason]).toEqual(['FAILED', expect.stringMatching(reason)]);
  }
});

test('the registration names the revision the schedule runs; Delete unregisters the family', async () => {
  const { store, answer } = setup({ schedule: { taskDefinitionArn: TASK_DEFINITION.replace(/:3$/, ':4') } });
  await answer(create);
  expect((await store.getRegistration('cloud-cron-nightly-export'))?.task?.taskDefinitionArn).toMatch(/:4$/);
  const del = {
    ...create,
    RequestType: 'Delete',
    PhysicalResourceId: 'cloud-cron-nightly-export',
  } as CloudFormationCustomResourceEvent;
  expect((await answer(del)).Status).toBe('SUCCESS');
  expect(await store.getRegistration('cloud-cron-nightly-export')).toBeUndefined();
});

test("a stack named failed-... still unregisters its task (the family is not mistaken for a failed Create's id)", async () => {
  const stack = 'arn:aws:cloudformation:us-east-1:123456789012:stack/failed-export/1';
  const { store, answer } = setup({
    fn: { tags: { 'aws:cloudformation:stack-id': stack } },
    env: { TASK_FAMILY: 'cloud-cron-failed-export' },
    schedule: { taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/cloud-cron-failed-export:1' },
  });
  expect((await answer({ ...create, StackId: stack })).Status).toBe('SUCCESS');
  const del = { ...create, StackId: stack, RequestType: 'Delete', PhysicalResourceId: 'cloud-cron-failed-export' };
  expect((await answer(del as CloudFormationCustomResourceEvent)).Status).toBe('SUCCESS');
  expect(await store.getRegistration('cloud-cron-failed-export')).toBeUndefined();
});
