/**
 * A scheduled task wired to the Runs app, against moto_server on loopback:
 * - the built registrar (dist/runs-registrar) registers the task job from the task monitor function and the
 *   schedule moto holds (deployed as the template declares them), and unregisters it on Delete;
 * - the built task monitor (dist/task-monitor), fed documented `ECS Task State Change` events of real moto tasks,
 *   puts each run on the moto Runs bus; the recorder's rule (the template's pattern) delivers it; the built
 *   recorder (dist/runs-recorder) writes one ledger item per run (redelivered events once); failures are notified
 *   once by the monitor, with no alert from the Runs app; an unreadable task run goes to the dead-letter queue;
 * - the watchdog reports a slot with no run, and the task stack's alert rule (its pattern) forwards it;
 * - `cloud-cron status|runs|run` show the task job; `run --wait` starts it with ECS RunTask as the schedule's target
 *   would (the schedule's Input as the override, the slot filled in, marked manual) and prints its recorded end.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListTasksCommand } from '@aws-sdk/client-ecs';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { run as runCommand } from '../../../cli/run';
import { run as runsCommand } from '../../../cli/runs';
import { run as statusCommand } from '../../../cli/status';
import { createBus } from '../../../functions/common/runs/bus';
import { createLedgerStore, type LedgerStore } from '../../../functions/common/runs/store';
import type { RecorderOutcome } from '../../../functions/runs-recorder/recorder';
import { createWatchdog } from '../../../functions/runs-watchdog/watchdog';
import type { TaskStateChangeEvent } from '../../../functions/task-monitor/events';
import type { MonitorOutcome } from '../../../functions/task-monitor/monitor';
import { buildAll } from '../../../tooling/build';
import { type ResponseCatcher, startResponseCatcher } from '../../../tooling/cfn-responses';
import { invokeBundle } from '../../../tooling/invoke';
import { type Moto, startMoto } from '../../../tooling/moto';
import { ROOT, tempDir } from '../../../tooling/paths';
import { deployRunsLocally, drain, type LocalRuns, type WiredJob, wireJobLocally } from '../../../tooling/runs-local';
import {
  type DeployedTaskStack,
  deployTaskLocally,
  deployTaskStack,
  type LocalTask,
} from '../../../tooling/task-local';

jest.setTimeout(180_000);

const STACK = 'nightly-export';
const JOB = `cloud-cron-${STACK}`;
const saved = { ...process.env };
let moto: Moto;
let runs: LocalRuns;
let store: LedgerStore;
let local: LocalTask;
let stack: DeployedTaskStack;
let catcher: ResponseCatcher;
let alerts: WiredJob;
let events: EventBridgeClient;
let sqs: SQSClient;
let inbox: string;

type Notice = { Subject?: string; Message: string };
const notices = async () => (await drain<Notice>(sqs, inbox)).map((n) => ({ ...n, body: JSON.parse(n.Message) }));

/** What the task monitor reports, as EventBridge hands it on: the built monitor, the bus, the rule, the recorder. */
async function report(stateChanges: TaskStateChangeEvent[]) {
  const monitored = await invokeBundle<MonitorOutcome>('task-monitor', stateChanges, local.monitorEnv);
  const delivered = await drain(sqs, runs.recorderQueueUrl);
  const recorded = await invokeBundle<RecorderOutcome>('runs-recorder', delivered, {
    ...moto.env,
    ...runs.env('RecorderFunction'),
  });
  const ok = <T>(r: { ok: true; result: T } | { ok: false; error: Error; logs?: string }) => {
    if (!r.ok) throw new Error(`${r.error.name}: ${r.error.message}\n${r.logs ?? ''}`);
    return r.result;
  };
  return { monitored: monitored.map(ok), delivered, recorded: recorded.map(ok) };
}

async function answer(event: ReturnType<DeployedTaskStack['registrationRequest']>) {
  const before = catcher.responses.length;
  const [r] = await invokeBundle('runs-registrar', [event], {
    ...moto.env,
    ...runs.env('RegistrarFunction'),
    ...catcher.env,
  });
  if (!r.ok) throw new Error(`registrar threw: ${r.error.message}`);
  return catcher.responses[before];
}

type Result = { code: number; out: string; err: string };
async function cli(command: (argv: string[]) => Promise<number>, ...argv: string[]): Promise<Result> {
  const out: string[] = [];
  const err: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const error = jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  try {
    const code = await command(argv);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

beforeAll(async () => {
  moto = await startMoto();
  await buildAll(ROOT, ['macro', 'task-monitor', 'runs-recorder', 'runs-registrar']);
  const ddb = new DynamoDBClient(moto.client);
  events = new EventBridgeClient(moto.client);
  sqs = new SQSClient(moto.client);
  const sns = new SNSClient(moto.client);
  runs = await deployRunsLocally({ ddb, events, sqs, sns }, { prefix: 'tr', busName: 'cloud-cron-runs' });
  store = createLedgerStore(ddb, runs.tableName);
  const ops = (await sns.send(new CreateTopicCommand({ Name: 'ops' }))).TopicArn!;
  inbox = (await sqs.send(new CreateQueueCommand({ QueueName: 'ops-inbox' }))).QueueUrl!;
  const inboxArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: inbox, AttributeNames: ['QueueArn'] })))
    .Attributes!.QueueArn;
  await sns.send(
    new SubscribeCommand({
      TopicArn: ops,
      Protocol: 'sqs',
      Endpoint: inboxArn,
      Attributes: { RawMessageDelivery: 'false' },
    }),
  );
  local = await deployTaskLocally(moto, {
    stackName: STACK,
    parameters: {
      ImageUri: `123456789012.dkr.ecr.us-east-1.amazonaws.com/nightly-export@sha256:${'5'.repeat(64)}`,
      TaskTimeoutMinutes: '10',
      ScheduleExpression: 'rate(1 hour)',
      SchedulePayload: '{"export":"orders","since":"yesterday"}',
      FailureTopicArn: ops,
      RunsEventBusArn: runs.busArn,
    },
  });
  stack = await deployTaskStack(moto, local);
  catcher = await startResponseCatcher();
  alerts = await wireJobLocally({ ddb, events, sqs, sns }, runs, {
    job: JOB,
    failureTopicArn: ops,
    prefix: 'tr',
    runner: 'ecs',
    stackName: STACK,
  });
  Object.assign(process.env, moto.env);
});

afterAll(async () => {
  process.env = saved;
  await catcher?.stop();
  await moto?.stop();
});

test('the stack registers its task job with the built registrar, from the monitor and the schedule it deployed', async () => {
  const r = await answer(stack.registrationRequest('Create', catcher.url));
  expect(r).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: JOB, Data: { Job: JOB } });
  expect(await store.getRegistration(JOB)).toMatchObject({
    job: JOB,
    runner: 'ecs',
    stackName: STACK,
    scheduleArn: stack.scheduleArn,
    task: {
      clusterArn: local.clusterArn,
      taskDefinitionArn: local.taskDefinitionArn,
      containerName: 'job',
      monitorFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${stack.monitorFunctionName}`,
    },
    expression: 'rate(1 hour)',
    timezone: 'UTC',
    timeoutSeconds: 10 * 60 + 180,
    maximumRetryAttempts: 0,
    scheduleContext: true,
  });
});

test('every run of the task reaches the ledger once, failures are notified once by the monitor alone', async () => {
  const samples = ['stopped-succeeded', 'stopped-out-of-memory', 'stopped-timed-out', 'stopped-skipped'];
  const tasks = await Promise.all(samples.map(() => local.run()));
  const stateChanges = samples.map((name, i) => local.eventFor(name, tasks[i]));
  // EventBridge delivers at least once: each task's end arrives twice.
  const { monitored, delivered, recorded } = await report([...stateChanges, ...stateChanges]);
  expect(monitored.map((m) => (m as { status: string }).status)).toEqual([
    'succeeded',
    'failed',
    'timed_out',
    'skipped',
    'succeeded',
    'failed',
    'timed_out',
    'skipped',
  ]);
  // Each report went through the bus and the recorder's rule (moto delivers rule targets in any order).
  expect(delivered).toHaveLength(8);
  expect(recorded.map((r) => r.outcome).sort()).toEqual([...Array(4).fill('duplicate'), ...Array(4).fill('recorded')]);
  const ledger = (await store.recentEntries(JOB, 10)).filter((e) => e.kind === 'run');
  expect(ledger.map((e) => [e.requestId, e.status]).sort()).toEqual(
    tasks.map((t, i) => [t.taskArn!.split('/').pop(), ['succeeded', 'failed', 'timed_out', 'skipped'][i]]).sort(),
  );
  for (const e of ledger) {
    expect(e).toMatchObject({ runner: 'ecs', condition: 'TaskStopped', attempts: 1, trigger: 'schedule' });
    // The slot each task's override carried (the samples' CLOUD_CRON_SCHEDULED_TIME).
    const sample = stateChanges.find((c) => c.detail.taskArn === e.taskArn)!;
    const slot = sample.detail.overrides!.containerOverrides![0].environment!.find(
      (v) => v.name === 'CLOUD_CRON_SCHEDULED_TIME',
    )!.value!;
    expect(e.scheduledTime).toBe(new Date(slot).toISOString());
  }
  expect(JSON.stringify(ledger)).not.toMatch(/yesterday|CLOUD_CRON_PAYLOAD/);
  const got = await notices();
  expect(got.map((n) => n.Subject).sort()).toEqual([`Cloud Cron: ${JOB} failed`, `Cloud Cron: ${JOB} timed out`]);
  // The Runs app announces nothing for a task (its stack's rule would forward only missed runs anyway).
  expect(await alerts.relayAlerts()).toEqual([]);
});

test('a task run the recorder cannot read lands in the dead-letter queue with the reason', async () => {
  const r = await events.send(
    new PutEventsCommand({
      Entries: [
        {
          Source: 'cloud-cron.tasks',
          DetailType: 'Cloud Cron Task Run',
          Detail: JSON.stringify({ job: JOB, taskArn: 'not-an-arn' }),
          EventBusName: runs.busArn,
        },
      ],
    }),
  );
  expect(r.FailedEntryCount).toBe(0);
  const delivered = await drain(sqs, runs.recorderQueueUrl);
  const [out] = await invokeBundle<RecorderOutcome>('runs-recorder', delivered, {
    ...moto.env,
    ...runs.env('RecorderFunction'),
  });
  expect(out.ok && out.result).toEqual({
    outcome: 'dead-lettered',
    reason: 'not a Cloud Cron task run: detail.taskArn "not-an-arn" is not an ECS task ARN',
  });
  const dead = await drain<{ reason: string }>(sqs, runs.deadLetterQueueUrl);
  expect(dead.map((d) => d.reason)).toEqual([out.ok && out.result.outcome === 'dead-lettered' && out.result.reason]);
});

test("the watchdog reports a slot with no run, and the task stack's rule forwards it to FailureTopicArn", async () => {
  const registration = (await store.getRegistration(JOB))!;
  const since = Date.parse(registration.since);
  await store.putWatchdogState({ pk: 'WATCHDOG', sk: 'STATE', checkedUntil: registration.since, updatedAt: '' });
  const later = new Date(since + 3 * 3_600_000);
  const watchdog = createWatchdog({
    store,
    bus: createBus(events),
    busName: runs.busName,
    retentionDays: 90,
    concurrency: 2,
    clock: () => later,
    log: { info() {}, warn() {}, error() {} },
  });
  const summary = await watchdog({ 'detail-type': 'Scheduled Event', time: later.toISOString() });
  // rate(1 hour) from the schedule's creation; the grace is 10 + 3 + 5 minutes: two slots are judged, both empty.
  expect(summary.missed.filter((m) => m.job === JOB)).toHaveLength(2);
  const forwarded = (await alerts.relayAlerts()) as { kind: string; job: string; taskDefinitionArn: string }[];
  expect(forwarded.map((a) => [a.kind, a.job, a.taskDefinitionArn])).toEqual([
    ['missed', JOB, local.taskDefinitionArn],
    ['missed', JOB, local.taskDefinitionArn],
  ]);
  const got = await notices();
  expect(got).toHaveLength(2);
  expect(got[0].body.title).toMatch(new RegExp(`^Cloud Cron: ${JOB} did not run at `));
});

test('status and runs show the task job; the stack name finds it', async () => {
  const status = await cli(statusCommand, '--runs-table', runs.tableName, '--json');
  expect(status.code).toBe(0);
  const job = JSON.parse(status.out).jobs.find((j: { job: string }) => j.job === JOB);
  expect(job).toMatchObject({
    stackName: STACK,
    runner: 'ecs',
    functionArn: null,
    task: { clusterArn: local.clusterArn, taskDefinitionArn: local.taskDefinitionArn },
    schedule: { expression: 'rate(1 hour)', timezone: 'UTC', state: 'ENABLED' },
    nextRun: expect.any(String),
    lastRun: expect.objectContaining({ runner: 'ecs' }),
  });
  const list = await cli(runsCommand, STACK, '--runs-table', runs.tableName, '--json');
  const body = JSON.parse(list.out);
  expect(body.job).toBe(JOB);
  expect(body.runs.filter((r: { runner?: string }) => r.runner === 'ecs')).toHaveLength(4);
  expect(body.runs.find((r: { status: string }) => r.status === 'skipped')).toMatchObject({
    reason: expect.stringMatching(/^Cloud Cron: skipped: task .* \(PreventOverlap\)$/),
  });
  expect(body.runs.find((r: { status: string }) => r.status === 'failed')).toMatchObject({
    errorType: 'NonZeroExit',
    exitCode: 137,
    taskArn: expect.stringMatching(/:task\//),
  });
});

test('run --wait starts the task as its schedule would, marked manual, and prints its recorded end', async () => {
  const file = join(tempDir(), 'payload.json');
  writeFileSync(file, '{"export":"refunds"}');
  const started = cli(
    (argv) => runCommand(argv, undefined, { ecs: local.ecs, scheduler: new SchedulerClient(moto.client), pollMs: 50 }),
    STACK,
    '--payload',
    file,
    '--wait',
    '--json',
    '--runs-table',
    runs.tableName,
  );
  // The task `run` started, as moto holds it; then its end, as ECS would report it, through the monitor.
  let taskArn: string | undefined;
  while (!taskArn) {
    const arns = (await local.ecs.send(new ListTasksCommand({ cluster: local.clusterArn }))).taskArns ?? [];
    for (const arn of arns) if ((await local.describe(arn)).startedBy === 'cloud-cron/manual') taskArn = arn;
  }
  const task = await local.describe(taskArn);
  expect(task).toMatchObject({
    launchType: 'FARGATE',
    taskDefinitionArn: local.taskDefinitionArn,
    startedBy: 'cloud-cron/manual',
  });
  const env = Object.fromEntries(
    (task.overrides?.containerOverrides?.[0].environment ?? []).map((e) => [e.name, e.value]),
  );
  expect(env).toEqual({
    CLOUD_CRON_PAYLOAD: '{"export":"refunds"}',
    CLOUD_CRON_SCHEDULED_TIME: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
    CLOUD_CRON_EXECUTION_ID: expect.stringMatching(/^manual-[0-9a-f-]{36}$/),
  });
  const end = local.eventFor('stopped-succeeded', task);
  end.detail.overrides = task.overrides as TaskStateChangeEvent['detail']['overrides'];
  end.detail.startedBy = task.startedBy;
  await report([end]);
  const r = await started;
  expect([r.code, r.err]).toEqual([0, '']);
  const taskId = taskArn.split('/').pop();
  expect(JSON.parse(r.out)).toEqual({
    version: 1,
    job: JOB,
    requestId: taskId,
    run: expect.objectContaining({
      status: 'succeeded',
      trigger: 'manual',
      requestId: taskId,
      scheduledTime: new Date(env.CLOUD_CRON_SCHEDULED_TIME!).toISOString(),
    }),
  });
});

test('Delete unregisters the task job', async () => {
  expect((await answer(stack.registrationRequest('Delete', catcher.url))).Status).toBe('SUCCESS');
  expect(await store.getRegistration(JOB)).toBeUndefined();
});
