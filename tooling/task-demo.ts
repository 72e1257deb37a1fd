/**
 * The scheduled-task part of `npm start -- --task`: the demo job as template-scheduled-task.yaml runs it on ECS
 * Fargate, wired to a local Runs app, on moto.
 *
 * 1. The Runs app on the emulator (tooling/runs-local.ts) and the task stack's ECS side (tooling/task-local.ts: the
 *    CloudCron macro on the template, the task definition registered, a cluster, a Fargate network); the stack's
 *    RunsRegistration answered by the built registrar (dist/runs-registrar), from the monitor and schedule it reads.
 * 2. A run that hangs: a task the schedule started `TaskTimeoutMinutes + 1` minutes ago whose container never
 *    exits. The task monitor's reaper (its `rate(1 minute)` tick) stops it on moto.
 * 3. The scheduled run: ECS RunTask with the schedule's exact Input as the task override (the Scheduler's keywords
 *    filled in), then the job's container, run by the caller with the environment ECS gives it (the task
 *    definition's variables, the topics the macro added, then the override's CLOUD_CRON_* variables). Its exit
 *    code ends the task.
 * 4. Both ends, as `ECS Task State Change` events of the moto tasks, through the built monitor (the timed-out run
 *    notified to FailureTopicArn with its reason and log link), the Runs bus and rule, and the built recorder.
 *
 * moto runs no container and cannot end a task by itself: the container is a local process, and its end is the
 * STOPPED event ECS documents for an essential container's exit (stopCode EssentialContainerExited, the exit code).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeTaskDefinitionCommand,
  type KeyValuePair,
  type RunTaskCommandInput,
  StopTaskCommand,
  type Task,
} from '@aws-sdk/client-ecs';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { runsTable } from '../cli/ledger';
import type { CfnResponse } from '../functions/common/cfn-response';
import type { LedgerEntry } from '../functions/common/runs/ledger';
import { createLedgerStore } from '../functions/common/runs/store';
import { SCHEDULER_KEYWORDS } from '../functions/common/task-contract';
import type { RecorderOutcome } from '../functions/runs-recorder/recorder';
import { readConfig } from '../functions/task-monitor/config';
import type { TaskStateChangeEvent } from '../functions/task-monitor/events';
import { createMonitor, type MonitorOutcome } from '../functions/task-monitor/monitor';
import { notRecorded } from '../functions/task-monitor/runs';
import { startResponseCatcher } from './cfn-responses';
import { invokeBundle } from './invoke';
import type { Moto } from './moto';
import { EVENTS } from './paths';
import { deployRunsLocally, drain } from './runs-local';
import { deployTaskLocally, deployTaskStack, type LocalTask } from './task-local';

/** The name ECS gives the job's container in template-scheduled-task.yaml. */
const CONTAINER = 'job';

export class TaskDemoError extends Error {
  override name = 'TaskDemoError';
}

export type TaskDemoOptions = {
  moto: Pick<Moto, 'endpoint' | 'env' | 'client'>;
  stackName: string;
  /** The task stack's parameters (ImageUri, SnsTopics, SchedulePayload, TaskTimeoutMinutes, FailureTopicArn ...). */
  parameters: Record<string, string>;
};

export type TaskDemo = {
  /** The task's family, which is the job's name in the Runs ledger. */
  job: string;
  local: LocalTask;
  tableName: string;
  registration: CfnResponse;
  /** The variables the macro gave the job's container (one per topic). */
  topicVariables: Record<string, string>;
  /** A hung run reaped, then one scheduled run, its container run by `runContainer`. */
  run(runContainer: (env: Record<string, string>) => Promise<number>, now?: Date): Promise<TaskDemoResult>;
};

export type TaskRunReport = { taskId: string; status: string; notified: boolean };

export type TaskDemoResult = {
  /** The environment the scheduled run's container was given. */
  containerEnv: Record<string, string>;
  exitCode: number;
  runs: TaskRunReport[];
  entries: LedgerEntry[];
  /** The ledger as `cloud-cron runs <job>` prints it. */
  table: string;
};

type Outcome<T> = { ok: true; result: T } | { ok: false; error: Error; logs?: string };
function ok<T>(what: string, r: Outcome<T>): T {
  if (!r.ok) throw new TaskDemoError(`${what} failed: ${r.error.name}: ${r.error.message}\n${r.logs ?? ''}`);
  return r.result;
}

/** The reaper's `rate(1 minute)` tick (events/task-reaper-tick.json) at `at`, from this stack's rule. */
function reaperTick(stackName: string, at: Date): Record<string, unknown> {
  const e = JSON.parse(readFileSync(join(EVENTS, 'task-reaper-tick.json'), 'utf8')) as Record<string, unknown>;
  return {
    ...e,
    id: randomUUID(),
    time: seconds(at),
    resources: [`arn:aws:events:us-east-1:123456789012:rule/${stackName}-TaskMonitorFunctionReaper`],
  };
}

const seconds = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The schedule's RunTask call for a slot, with the Scheduler's keywords filled in as it fills them. */
function scheduledCall(local: LocalTask, slot: Date): RunTaskCommandInput {
  const call = local.scheduledRunTask();
  const values: Record<string, string> = {
    [SCHEDULER_KEYWORDS.scheduledTime]: seconds(slot),
    [SCHEDULER_KEYWORDS.executionId]: randomUUID(),
  };
  for (const c of call.overrides?.containerOverrides ?? []) {
    c.environment = (c.environment ?? []).map((e) => ({ name: e.name, value: values[e.value ?? ''] ?? e.value }));
  }
  return call;
}

/** What ECS gives the container: the task definition's environment, then the override's (which wins). */
async function containerEnvironment(local: LocalTask, task: Task): Promise<Record<string, string>> {
  const def = (await local.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: local.taskDefinitionArn })))
    .taskDefinition!;
  const container = def.containerDefinitions?.find((c) => c.name === CONTAINER);
  if (!container) throw new TaskDemoError(`the task definition has no container named ${CONTAINER}`);
  const pairs: KeyValuePair[] = [
    ...(container.environment ?? []),
    ...(task.overrides?.containerOverrides?.find((c) => c.name === CONTAINER)?.environment ?? []),
  ];
  return Object.fromEntries(pairs.map((p) => [p.name!, p.value ?? '']));
}

/** The STOPPED event ECS puts when the essential container exits with `exitCode`. */
function exitedEvent(local: LocalTask, task: Task, exitCode: number, started: Date, ended: Date): TaskStateChangeEvent {
  const e = local.stoppedEvent(task);
  e.detail = {
    ...e.detail,
    lastStatus: 'STOPPED',
    desiredStatus: 'STOPPED',
    stopCode: 'EssentialContainerExited',
    stoppedReason: 'Essential container in task exited',
    startedAt: started.toISOString(),
    stoppingAt: ended.toISOString(),
    stoppedAt: ended.toISOString(),
    containers: [{ name: CONTAINER, taskArn: task.taskArn, lastStatus: 'STOPPED', exitCode }],
  };
  return e;
}

export async function deployTaskDemo(o: TaskDemoOptions): Promise<TaskDemo> {
  const id = randomUUID().slice(0, 6);
  const clients = {
    ddb: new DynamoDBClient(o.moto.client),
    events: new EventBridgeClient(o.moto.client),
    sqs: new SQSClient(o.moto.client),
    sns: new SNSClient(o.moto.client),
  };
  const runs = await deployRunsLocally(clients, { prefix: `demo-task-${id}`, busName: `cloud-cron-runs-${id}` });
  const local = await deployTaskLocally(o.moto as Moto, {
    stackName: o.stackName,
    parameters: { ...o.parameters, RunsEventBusArn: runs.busArn },
  });
  const stack = await deployTaskStack(o.moto as Moto, local);
  const catcher = await startResponseCatcher();
  let registration: CfnResponse;
  try {
    ok(
      'the registrar',
      (
        await invokeBundle('runs-registrar', [stack.registrationRequest('Create', catcher.url)], {
          ...o.moto.env,
          ...runs.env('RegistrarFunction'),
          ...catcher.env,
        })
      )[0],
    );
    registration = catcher.responses[0];
  } finally {
    await catcher.stop();
  }
  if (registration?.Status !== 'SUCCESS') {
    throw new TaskDemoError(`the Runs app refused the task job: ${registration?.Reason ?? 'no answer'}`);
  }
  const job = String(registration.Data?.Job);
  const store = createLedgerStore(clients.ddb, runs.tableName);
  const definition = (
    await local.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: local.taskDefinitionArn }))
  ).taskDefinition!;
  const topicVariables = Object.fromEntries(
    (definition.containerDefinitions?.find((c) => c.name === CONTAINER)?.environment ?? []).map((p) => [
      p.name!,
      p.value ?? '',
    ]),
  );

  /** Each end through the built monitor, then what it put on the bus through the rule and the built recorder. */
  async function report(ends: TaskStateChangeEvent[]): Promise<TaskRunReport[]> {
    const monitored = (await invokeBundle<MonitorOutcome>('task-monitor', ends, local.monitorEnv)).map((r) =>
      ok('the task monitor', r),
    );
    const delivered = await drain(clients.sqs, runs.recorderQueueUrl);
    const recorded = (
      await invokeBundle<RecorderOutcome>('runs-recorder', delivered, {
        ...o.moto.env,
        ...runs.env('RecorderFunction'),
      })
    ).map((r) => ok('the recorder', r));
    const dead = recorded.filter((r) => r.outcome === 'dead-lettered');
    if (dead.length) throw new TaskDemoError(`the recorder refused a task run: ${JSON.stringify(dead)}`);
    return monitored.map((m, i) => {
      if (m.outcome !== 'finished')
        throw new TaskDemoError(`the task monitor did not finish the run: ${JSON.stringify(m)}`);
      return { taskId: ends[i].detail.taskArn.split('/').pop()!, status: m.status, notified: m.notified };
    });
  }

  return {
    job,
    local,
    tableName: runs.tableName,
    registration,
    topicVariables,
    async run(runContainer, now = new Date()) {
      const timeout = Number(o.parameters.TaskTimeoutMinutes);
      // The hung run: scheduled (and created) TaskTimeoutMinutes + 1 minutes ago; its container never exits.
      const hungSlot = new Date(Math.floor(now.getTime() / 60_000) * 60_000 - (timeout + 1) * 60_000);
      const hung = await local.run({ input: scheduledCall(local, hungSlot) });
      local.createdAt.set(hung.taskArn!, new Date(hungSlot.getTime() + 4_000));
      // The reaper's tick. moto's DescribeTasks reports no createdAt, which the reaper judges by: the monitor's
      // own code runs here, with the ECS client that adds the creation times (task-local.ts); the bundle's would
      // see none. Every stopped task's end then goes through the built bundle.
      const reaped = (await createMonitor({
        config: readConfig(local.monitorEnv),
        ecs: local.ecs,
        publish: async () => {
          throw new TaskDemoError("the reaper publishes nothing: the stopped task's end is notified");
        },
        once: async (_key, work) => work(),
        recorder: notRecorded,
        now: () => now,
        log: { info: () => undefined, warn: () => undefined },
      })(reaperTick(o.stackName, now))) as { outcome?: string; stopped?: { taskArn: string }[] };
      if (!reaped.stopped?.some((s) => s.taskArn === hung.taskArn)) {
        throw new TaskDemoError(`the reaper did not stop the hung task: ${JSON.stringify(reaped)}`);
      }
      const timedOut = local.stoppedEvent(await local.describe(hung.taskArn!));

      // The scheduled run: the task as the schedule starts it, its container run with what ECS gives it.
      const slot = new Date(Math.floor(now.getTime() / 60_000) * 60_000);
      const task = await local.run({ input: scheduledCall(local, slot) });
      local.createdAt.set(task.taskArn!, now);
      const containerEnv = await containerEnvironment(local, task);
      // The container starts now (on the caller's clock) and runs as long as it really takes.
      const t0 = Date.now();
      const exitCode = await runContainer(containerEnv);
      const started = now;
      const ended = new Date(now.getTime() + Math.max(1, Date.now() - t0));
      // The container's exit ends the task; moto ends it when told.
      await local.ecs.send(
        new StopTaskCommand({
          cluster: local.clusterArn,
          task: task.taskArn,
          reason: 'Essential container in task exited',
        }),
      );
      const exited = exitedEvent(local, await local.describe(task.taskArn!), exitCode, started, ended);

      const reports = await report([timedOut, exited]);
      const entries = (await store.recentEntries(job, 10)).filter((e) => e.kind === 'run');
      return { containerEnv, exitCode, runs: reports, entries, table: runsTable(entries) };
    },
  };
}
