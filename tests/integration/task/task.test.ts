/**
 * The scheduled task against moto_server on loopback:
 * - the macro-processed template's task definition registers in moto's ECS, and the schedule's exact Input runs a
 *   Fargate task as the task override the ECS target requires (DescribeTasks shows the container environment);
 * - the built task monitor (dist/task-monitor) gets documented `ECS Task State Change` events of real moto tasks:
 *   failures reach FailureTopicArn (moto SNS -> SQS) once, with the reason and the log link; success does not;
 * - PreventOverlap and the reaper call moto's ListTasks, DescribeTasks and StopTask. moto's DescribeTasks reports no
 *   createdAt (and runs no container), so tooling/task-local.ts adds the creation times the test chose; the
 *   reaper's stopped task, read back from moto, then goes to the bundle as its STOPPED event and comes out as a
 *   timed-out notice.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeTasksCommand } from '@aws-sdk/client-ecs';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { readConfig } from '../../../functions/task-monitor/config';
import { createMonitor, type MonitorOutcome } from '../../../functions/task-monitor/monitor';
import { notRecorded } from '../../../functions/task-monitor/runs';
import { buildAll } from '../../../tooling/build';
import { taskDefinitionInput } from '../../../tooling/ecs-task';
import { invokeBundle } from '../../../tooling/invoke';
import { type Moto, startMoto } from '../../../tooling/moto';
import { EVENTS, ROOT } from '../../../tooling/paths';
import { deployTaskLocally, type LocalTask } from '../../../tooling/task-local';

jest.setTimeout(180_000);

const STACK = 'nightly-export';
let moto: Moto;
let sqs: SQSClient;
let local: LocalTask;
let queueUrl: string;

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

const runScheduledTask = (minutesAgo: number) => local.run({ minutesAgo });

beforeAll(async () => {
  moto = await startMoto();
  await buildAll(ROOT, ['macro', 'task-monitor']);
  sqs = new SQSClient(moto.client);
  const sns = new SNSClient(moto.client);
  const ops = (await sns.send(new CreateTopicCommand({ Name: 'ops' }))).TopicArn!;
  const exports = (await sns.send(new CreateTopicCommand({ Name: 'exports' }))).TopicArn!;
  queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'ops-inbox' }))).QueueUrl!;
  const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] })))
    .Attributes!.QueueArn;
  await sns.send(new SubscribeCommand({ TopicArn: ops, Protocol: 'sqs', Endpoint: queueArn }));
  local = await deployTaskLocally(moto, {
    stackName: STACK,
    clusterName: 'batch',
    parameters: {
      ImageUri: `123456789012.dkr.ecr.us-east-1.amazonaws.com/nightly-export@sha256:${'5'.repeat(64)}`,
      TaskTimeoutMinutes: '90',
      SnsTopics: `EXPORTS=${exports}`,
      SchedulePayload: '{"export":"orders","since":"yesterday"}',
      FailureTopicArn: ops,
    },
  });
});

afterAll(async () => {
  await moto?.stop();
});

test("the processed task definition registers with the macro's topic variable in the job container", async () => {
  expect(local.taskDefinitionArn).toMatch(/:task-definition\/cloud-cron-nightly-export:1$/);
  const definition = taskDefinitionInput(local.processed, local.ctx);
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
  const described = await local.describe(task.taskArn!);
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
  const failure = local.eventFor('stopped-out-of-memory', failed);
  const results = await invokeBundle<MonitorOutcome>(
    'task-monitor',
    [failure, failure, local.eventFor('stopped-succeeded', succeeded)],
    local.monitorEnv,
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
      config: readConfig(local.monitorEnv),
      ecs: local.ecs,
      publish: async () => undefined,
      once: async (_key, work) => work(),
      recorder: notRecorded,
      now: () => new Date(),
      log: { info: () => undefined, warn: () => undefined },
    });

  test('PreventOverlap: a run starting while an older one runs is stopped as skipped; its end is recorded skipped', async () => {
    const older = await runScheduledTask(30);
    const newer = await runScheduledTask(0);
    const starting = local.eventFor('provisioning', newer);
    starting.detail.createdAt = local.createdAt.get(newer.taskArn!)!.toISOString();
    await expect(monitor()(starting)).resolves.toEqual({
      outcome: 'skipped',
      taskArn: newer.taskArn,
      runningTaskArn: older.taskArn,
    });
    const stopped = await local.describe(newer.taskArn!);
    expect(stopped.desiredStatus).toBe('STOPPED');
    expect(stopped.stoppedReason).toBe(
      `Cloud Cron: skipped: task ${older.taskArn!.split('/').pop()} of this job is still running (PreventOverlap)`,
    );
    await expect(monitor()(local.stoppedEvent(stopped))).resolves.toMatchObject({ status: 'skipped', notified: false });
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
      await local.ecs.send(
        new DescribeTasksCommand({ cluster: local.clusterArn, tasks: [overdue.taskArn!, young.taskArn!] }),
      )
    ).tasks!;
    const byArn = new Map(described.map((t) => [t.taskArn, t]));
    expect(byArn.get(young.taskArn)?.lastStatus).toBe('RUNNING');
    const stopped = byArn.get(overdue.taskArn)!;
    expect(stopped.stoppedReason).toMatch(/^Cloud Cron: timed out after TaskTimeoutMinutes=90, created /);
    // The stop, as ECS reports it, through the built bundle to the failure topic.
    const [r] = await invokeBundle<MonitorOutcome>('task-monitor', [local.stoppedEvent(stopped)], local.monitorEnv);
    expect(r.ok && r.result).toMatchObject({ status: 'timed_out', notified: true });
    const got = await notices();
    expect(got.map((n) => n.subject)).toEqual(['Cloud Cron: cloud-cron-nightly-export timed out']);
    expect(got[0].body.reason).toMatch(/^Cloud Cron: timed out after TaskTimeoutMinutes=90/);
  });
});
