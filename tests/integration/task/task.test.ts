/**
 * The scheduled task against moto_server on loopback:
 * - the macro-processed template's task definition registers in moto's ECS, and the schedule's exact Input runs a
 *   Fargate task as the task override the ECS target requires (DescribeTasks shows the container environment);
 * - the built task monitor (dist/task-monitor) gets documented `ECS Task State Change` events of real moto tasks:
 *   failures reach FailureTopicArn (moto SNS -> SQS) once, with the reason and the log link; success does not;
 * - PreventOverlap and the reaper call moto's ListTasks, DescribeTasks and StopTask. moto's DescribeTasks reports no
 *   createdAt (and runs no container), so a middleware adds the creation times the test chose; the reaper's stopped
 *   task, read back from moto, then goes to the bundle as its STOPPED event and comes out as a timed-out notice.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateClusterCommand,
  DescribeTasksCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  type Task,
} from '@aws-sdk/client-ecs';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { readConfig } from '../../../functions/task-monitor/config';
import type { TaskStateChangeEvent } from '../../../functions/task-monitor/events';
import { createMonitor, type MonitorOutcome } from '../../../functions/task-monitor/monitor';
import { notRecorded } from '../../../functions/task-monitor/runs';
import { buildAll } from '../../../tooling/build';
import { readTemplate } from '../../../tooling/cfn';
import type { Template } from '../../../tooling/cfn-yaml';
import { scheduledRunTask, taskDefinitionInput } from '../../../tooling/ecs-task';
import { createIdempotencyTable } from '../../../tooling/idempotency-table';
import { invokeBundle } from '../../../tooling/invoke';
import { macroOutputs } from '../../../tooling/macro';
import { type Moto, startMoto } from '../../../tooling/moto';
import { createFargateNetwork } from '../../../tooling/moto-network';
import { EVENTS, ROOT } from '../../../tooling/paths';
import { functionEnvironment, type ResolveContext } from '../../../tooling/template-env';

jest.setTimeout(180_000);

const STACK = 'nightly-export';
const ACCOUNT = '123456789012';
let moto: Moto;
let ecs: ECSClient;
let sqs: SQSClient;
let processed: Template;
let ctx: ResolveContext;
let monitorEnv: Record<string, string>;
let queueUrl: string;
let clusterArn: string;
let taskDefinitionArn: string;
/** Creation times the test gives its tasks: moto's DescribeTasks reports none. */
const createdAt = new Map<string, Date>();

type Notice = { subject: string; body: Record<string, unknown>; attributes: Record<string, { Value: string }> };

async function notices(): Promise<Notice[]> {
  const out: Notice[] = [];
  for (let empty = 0; empty < 2; ) {
    const r = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    if (!r.Messages?.length) {
      empty += 1;
      continue;
    }
    for (const m of r.Messages) {
      const envelope = JSON.parse(m.Body ?? '{}');
      out.push({
        subject: envelope.Subject,
        body: JSON.parse(envelope.Message),
        attributes: envelope.MessageAttributes,
      });
    }
    // Received messages stay invisible for the queue's visibility timeout: enough for one test.
  }
  return out;
}

function sample(name: string): TaskStateChangeEvent {
  return JSON.parse(readFileSync(join(EVENTS, `task-state-${name}.json`), 'utf8')) as TaskStateChangeEvent;
}

/** A documented sample event, about a real moto task. */
function eventFor(name: string, task: Task): TaskStateChangeEvent {
  const e = sample(name);
  e.resources = [task.taskArn!];
  e.detail = {
    ...e.detail,
    taskArn: task.taskArn!,
    clusterArn: task.clusterArn!,
    taskDefinitionArn: task.taskDefinitionArn!,
  };
  for (const c of e.detail.containers ?? []) c.taskArn = task.taskArn;
  return e;
}

/** What ECS would put in the STOPPED event of a task, from DescribeTasks (dates as ISO strings). */
function stoppedEvent(task: Task): TaskStateChangeEvent {
  const detail = JSON.parse(
    JSON.stringify({ ...task, createdAt: createdAt.get(task.taskArn!) }),
  ) as TaskStateChangeEvent['detail'];
  return {
    version: '0',
    'detail-type': 'ECS Task State Change',
    source: 'aws.ecs',
    region: 'us-east-1',
    resources: [task.taskArn!],
    detail,
  };
}

async function runScheduledTask(minutesAgo: number): Promise<Task> {
  const run = scheduledRunTask(processed, ctx);
  const task = (await ecs.send(new RunTaskCommand({ ...run, taskDefinition: taskDefinitionArn }))).tasks![0];
  createdAt.set(task.taskArn!, new Date(Date.now() - minutesAgo * 60_000));
  return task;
}

beforeAll(async () => {
  moto = await startMoto();
  // moto advances a task's lastStatus towards STOPPED each time it is read; a real task runs until it ends.
  await fetch(`${moto.endpoint}/moto-api/state-manager/set-transition`, {
    method: 'POST',
    body: JSON.stringify({ model_name: 'ecs::task', transition: { progression: 'manual', times: 1_000_000 } }),
  });
  await buildAll(ROOT, ['macro', 'task-monitor']);
  ecs = new ECSClient(moto.client);
  ecs.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const tasks = (result.output as { tasks?: Task[] }).tasks;
      for (const t of tasks ?? []) if (t.taskArn && createdAt.has(t.taskArn)) t.createdAt = createdAt.get(t.taskArn);
      return result;
    },
    { step: 'initialize', name: 'motoCreatedAt' },
  );
  sqs = new SQSClient(moto.client);
  const sns = new SNSClient(moto.client);
  const network = await createFargateNetwork(moto.endpoint);
  clusterArn = (await ecs.send(new CreateClusterCommand({ clusterName: 'batch' }))).cluster!.clusterArn!;
  const ops = (await sns.send(new CreateTopicCommand({ Name: 'ops' }))).TopicArn!;
  const exports = (await sns.send(new CreateTopicCommand({ Name: 'exports' }))).TopicArn!;
  queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'ops-inbox' }))).QueueUrl!;
  const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] })))
    .Attributes!.QueueArn;
  await sns.send(new SubscribeCommand({ TopicArn: ops, Protocol: 'sqs', Endpoint: queueArn }));

  const parameters = {
    ImageUri: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/nightly-export@sha256:${'5'.repeat(64)}`,
    TaskTimeoutMinutes: '90',
    SubnetIds: network.subnetId,
    SecurityGroupIds: network.securityGroupId,
    ClusterArn: clusterArn,
    SnsTopics: `EXPORTS=${exports}`,
    SchedulePayload: '{"export":"orders","since":"yesterday"}',
    FailureTopicArn: ops,
  };
  [processed] = await macroOutputs(readTemplate('template-scheduled-task.yaml'), [parameters]);
  const table = await createIdempotencyTable(new DynamoDBClient(moto.client), 'task-monitor-idempotency', processed);
  ctx = {
    parameters,
    stackName: STACK,
    accountId: ACCOUNT,
    resources: { TaskLogGroup: `/aws/ecs/cloud-cron/${STACK}`, IdempotencyTable: table },
    attributes: {
      'TaskRole.Arn': `arn:aws:iam::${ACCOUNT}:role/${STACK}-TaskRole`,
      'ExecutionRole.Arn': `arn:aws:iam::${ACCOUNT}:role/${STACK}-ExecutionRole`,
      'ScheduleDeadLetterQueue.Arn': `arn:aws:sqs:us-east-1:${ACCOUNT}:${STACK}-schedule-dlq`,
      'SchedulerRole.Arn': `arn:aws:iam::${ACCOUNT}:role/${STACK}-SchedulerRole`,
    },
  };
  const definition = taskDefinitionInput(processed, ctx);
  // moto runs a Fargate task only when every container sets memory (ECS itself takes the task-level Memory).
  for (const c of definition.containerDefinitions ?? []) c.memory = Number(definition.memory);
  taskDefinitionArn = (await ecs.send(new RegisterTaskDefinitionCommand(definition))).taskDefinition!
    .taskDefinitionArn!;
  ctx.resources = { ...ctx.resources, TaskDefinition: taskDefinitionArn };
  monitorEnv = {
    ...moto.env,
    ...functionEnvironment(processed, 'TaskMonitorFunction', ctx),
    POWERTOOLS_LOG_LEVEL: 'WARN',
  };
});

afterAll(async () => {
  await moto?.stop();
});

test("the processed task definition registers with the macro's topic variable in the job container", async () => {
  expect(taskDefinitionArn).toMatch(/:task-definition\/cloud-cron-nightly-export:1$/);
  const definition = taskDefinitionInput(processed, ctx);
  expect(definition.containerDefinitions?.[0]).toMatchObject({
    name: 'job',
    environment: [{ name: 'EXPORTS', value: expect.stringMatching(/:exports$/) }],
    logConfiguration: {
      logDriver: 'awslogs',
      options: { 'awslogs-group': '/aws/ecs/cloud-cron/nightly-export', 'awslogs-stream-prefix': 'task' },
    },
  });
  expect(definition).toMatchObject({
    cpu: '1024',
    memory: '2048',
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
  });
});

test("the schedule's exact Input runs the task as a task override: the payload is in the container's environment", async () => {
  const task = await runScheduledTask(0);
  const [described] = (await ecs.send(new DescribeTasksCommand({ cluster: clusterArn, tasks: [task.taskArn!] })))
    .tasks!;
  expect(described.overrides?.containerOverrides).toEqual([
    {
      name: 'job',
      environment: [
        { name: 'CLOUD_CRON_PAYLOAD', value: '{"export":"orders","since":"yesterday"}' },
        { name: 'CLOUD_CRON_SCHEDULED_TIME', value: '<aws.scheduler.scheduled-time>' },
        { name: 'CLOUD_CRON_EXECUTION_ID', value: '<aws.scheduler.execution-id>' },
      ],
    },
  ]);
  expect(described).toMatchObject({
    launchType: 'FARGATE',
    group: 'family:cloud-cron-nightly-export',
    lastStatus: 'RUNNING',
  });
});

test('a failed run reaches FailureTopicArn once, with the reason and the log link; a success does not', async () => {
  const failed = await runScheduledTask(0);
  const succeeded = await runScheduledTask(0);
  const failure = eventFor('stopped-out-of-memory', failed);
  const results = await invokeBundle<MonitorOutcome>(
    'task-monitor',
    [failure, failure, eventFor('stopped-succeeded', succeeded)],
    monitorEnv,
  );
  expect(results.map((r) => (r.ok ? r.result : r.error))).toEqual([
    { outcome: 'finished', taskArn: failed.taskArn, status: 'failed', notified: true },
    { outcome: 'finished', taskArn: failed.taskArn, status: 'failed', notified: true },
    { outcome: 'finished', taskArn: succeeded.taskArn, status: 'succeeded', notified: false },
  ]);
  const got = await notices();
  expect(got).toHaveLength(1);
  const taskId = failed.taskArn!.split('/').pop();
  expect(got[0].subject).toBe('Cloud Cron: cloud-cron-nightly-export failed');
  expect(got[0].body).toMatchObject({
    status: 'failed',
    reason:
      'container job failed with exit code 137 (killed by SIGKILL: out of memory, or it did not stop within its stop timeout): OutOfMemoryError: Container killed due to memory usage',
    taskArn: failed.taskArn,
    logUrl: `https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#logsV2:log-groups/log-group/$252Faws$252Fecs$252Fcloud-cron$252Fnightly-export/log-events/task$252Fjob$252F${taskId}`,
  });
  expect(got[0].attributes.severity.Value).toBe('critical');
  expect(JSON.stringify(got[0])).not.toContain('yesterday'); // the payload stays in the task
});

describe('in-process monitor on moto ECS (creation times added, see the header)', () => {
  const monitor = () =>
    createMonitor({
      config: readConfig(monitorEnv),
      ecs,
      publish: async () => undefined,
      once: async (_key, work) => work(),
      recorder: notRecorded,
      now: () => new Date(),
      log: { info: () => undefined, warn: () => undefined },
    });

  test('PreventOverlap: a run starting while an older one runs is stopped as skipped; its end is recorded skipped', async () => {
    const older = await runScheduledTask(30);
    const newer = await runScheduledTask(0);
    const starting = eventFor('provisioning', newer);
    starting.detail.createdAt = createdAt.get(newer.taskArn!)!.toISOString();
    await expect(monitor()(starting)).resolves.toEqual({
      outcome: 'skipped',
      taskArn: newer.taskArn,
      runningTaskArn: older.taskArn,
    });
    const [stopped] = (await ecs.send(new DescribeTasksCommand({ cluster: clusterArn, tasks: [newer.taskArn!] })))
      .tasks!;
    expect(stopped.desiredStatus).toBe('STOPPED');
    expect(stopped.stoppedReason).toBe(
      `Cloud Cron: skipped: task ${older.taskArn!.split('/').pop()} of this job is still running (PreventOverlap)`,
    );
    await expect(monitor()(stoppedEvent(stopped))).resolves.toMatchObject({ status: 'skipped', notified: false });
  });

  test('the reaper stops exactly the tasks past TaskTimeoutMinutes; the stopped task is reported timed out', async () => {
    const overdue = await runScheduledTask(91);
    const young = await runScheduledTask(5);
    const out = await monitor()(JSON.parse(readFileSync(join(EVENTS, 'task-reaper-tick.json'), 'utf8')));
    expect(out).toMatchObject({
      outcome: 'reaped',
      stopped: expect.arrayContaining([{ taskArn: overdue.taskArn, ageMinutes: 91 }]),
    });
    expect((out as { stopped: { taskArn: string }[] }).stopped.map((s) => s.taskArn)).not.toContain(young.taskArn);
    const described = (
      await ecs.send(new DescribeTasksCommand({ cluster: clusterArn, tasks: [overdue.taskArn!, young.taskArn!] }))
    ).tasks!;
    const byArn = new Map(described.map((t) => [t.taskArn, t]));
    expect(byArn.get(young.taskArn)?.lastStatus).toBe('RUNNING');
    const stopped = byArn.get(overdue.taskArn)!;
    expect(stopped.stoppedReason).toMatch(/^Cloud Cron: timed out after TaskTimeoutMinutes=90, created /);
    // The stop, as ECS reports it, through the built bundle to the failure topic.
    const [r] = await invokeBundle<MonitorOutcome>('task-monitor', [stoppedEvent(stopped)], monitorEnv);
    expect(r.ok && r.result).toMatchObject({ status: 'timed_out', notified: true });
    const got = await notices();
    expect(got.map((n) => n.subject)).toEqual(['Cloud Cron: cloud-cron-nightly-export timed out']);
    expect(got[0].body.reason).toMatch(/^Cloud Cron: timed out after TaskTimeoutMinutes=90/);
  });
});
