/**
 * The Runs part of `npm start`: the demo job wired to a local Runs app, its runs recorded, a window of simulated
 * time if asked for.
 *
 * 1. The Runs app on the emulator as template-runs.yaml declares it (tooling/runs-local.ts).
 * 2. The job as its stack would deploy it, seen by the registrar: the function (tagged with its stack), its
 *    asynchronous-invocation config (both destinations to the Runs bus), its schedule; then the built registrar
 *    (dist/runs-registrar) answers the stack's RunsRegistration custom resource.
 * 3. The job stack's alert rule on the bus (the template's pattern), relayed to the failure topic.
 * 4. The simulator: plain `npm start` runs the job once, now, as its schedule would (an asynchronous invocation);
 *    with a window it fires every slot of the schedule in it (`skipRun` never delivered, `failRun` failing every
 *    attempt), with the watchdog on the Runs app's schedule. Records go through the bus to the recorder.
 * Returns the ledger's view of the job, as `cloud-cron runs` prints it.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateFunctionCommand, LambdaClient, PutFunctionEventInvokeConfigCommand } from '@aws-sdk/client-lambda';
import { CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { runsTable } from '../cli/ledger';
import type { CfnResponse } from '../functions/common/cfn-response';
import { createBus } from '../functions/common/runs/bus';
import { graceMs, type LedgerEntry } from '../functions/common/runs/ledger';
import { createLedgerStore } from '../functions/common/runs/store';
import { createRecorder } from '../functions/runs-recorder/recorder';
import { createWatchdog, type WatchdogSummary } from '../functions/runs-watchdog/watchdog';
import { startResponseCatcher } from './cfn-responses';
import { invokeBundle } from './invoke';
import { deployRunsLocally, drain, putDestinationRecord, runsTemplate, wireJobLocally } from './runs-local';
import { createClock, type InvocationOutcome, type SimLambdaContext, Simulator } from './simulator/simulator';

export type ClientConfig = {
  region: string;
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
};

export type RunsDemoOptions = {
  client: ClientConfig;
  /** The environment a bundle under test gets (endpoint, region, credentials). */
  env: Record<string, string>;
  job: string;
  expression: string;
  timezone: string;
  /** The schedule's Input, as the processed job template sets it. */
  input: string;
  timeoutSeconds: number;
  maximumRetryAttempts: number;
  failureTopicArn: string;
  handler: (event: unknown, context: SimLambdaContext) => Promise<unknown>;
  window?: { from: Date; until: Date };
  failRun?: number;
  skipRun?: number;
  /** How often the watchdog ticks in the window (default: template-runs.yaml's WatchdogRateMinutes default). */
  watchdogMinutes?: number;
};

export type RunsDemoResult = {
  tableName: string;
  entries: LedgerEntry[];
  /** The ledger as `cloud-cron runs <job>` prints it. */
  table: string;
  invocations: InvocationOutcome[];
  missed: { job: string; scheduledTime: string }[];
  /** Alerts the job stack's rule forwarded to the failure topic. */
  alerts: { kind: string; title: string }[];
  registration: CfnResponse;
};

const quiet = { info() {}, warn() {}, error() {} };

export async function runRunsDemo(o: RunsDemoOptions): Promise<RunsDemoResult> {
  const id = randomUUID().slice(0, 6);
  const clients = {
    ddb: new DynamoDBClient(o.client),
    events: new EventBridgeClient(o.client),
    sqs: new SQSClient(o.client),
    sns: new SNSClient(o.client),
  };
  const runs = await deployRunsLocally(clients, { prefix: `cloud-cron-demo-${id}`, busName: `cloud-cron-runs-${id}` });
  const stackId = `arn:aws:cloudformation:${o.client.region}:123456789012:stack/cloud-cron-demo-job/${randomUUID()}`;

  // What the job stack deploys, as the registrar reads it.
  const role = (
    await new IAMClient(o.client).send(
      new CreateRoleCommand({ RoleName: `cloud-cron-demo-job-${id}`, AssumeRolePolicyDocument: '{}' }),
    )
  ).Role!.Arn!;
  const lambda = new LambdaClient(o.client);
  const fn = await lambda.send(
    new CreateFunctionCommand({
      FunctionName: o.job,
      PackageType: 'Image',
      Code: { ImageUri: `123456789012.dkr.ecr.${o.client.region}.amazonaws.com/cloud-cron-example-job:latest` },
      Role: role,
      Timeout: o.timeoutSeconds,
      Tags: { 'aws:cloudformation:stack-id': stackId },
    }),
  );
  await lambda.send(
    new PutFunctionEventInvokeConfigCommand({
      FunctionName: o.job,
      Qualifier: '$LATEST',
      MaximumRetryAttempts: o.maximumRetryAttempts,
      DestinationConfig: { OnSuccess: { Destination: runs.busArn }, OnFailure: { Destination: runs.busArn } },
    }),
  );
  const schedule = await new SchedulerClient(o.client).send(
    new CreateScheduleCommand({
      Name: `${o.job}-JobFunctionSchedule-${id}`,
      ScheduleExpression: o.expression,
      ScheduleExpressionTimezone: o.timezone,
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: fn.FunctionArn, RoleArn: role, Input: o.input },
    }),
  );
  const catcher = await startResponseCatcher();
  let registration: CfnResponse;
  try {
    const [r] = await invokeBundle(
      'runs-registrar',
      [
        {
          RequestType: 'Create',
          ServiceToken: `arn:aws:lambda:${o.client.region}:123456789012:function:${runs.busName}-registrar`,
          ResponseURL: catcher.url,
          StackId: stackId,
          RequestId: randomUUID(),
          LogicalResourceId: 'RunsRegistration',
          ResourceType: 'AWS::CloudFormation::CustomResource',
          ResourceProperties: {
            FunctionName: o.job,
            ScheduleArn: schedule.ScheduleArn,
            MissedRunGraceMinutes: '5',
            ScheduleContext: 'false',
          },
        },
      ],
      { ...o.env, ...runs.env('RegistrarFunction'), ...catcher.env },
    );
    if (!r.ok) throw new Error(`the registrar crashed: ${r.error.message}\n${r.logs}`);
    registration = catcher.responses[0];
    if (registration?.Status !== 'SUCCESS') throw new Error(`the registrar refused the job: ${registration?.Reason}`);
  } finally {
    await catcher.stop();
  }
  const wired = await wireJobLocally(clients, runs, {
    job: o.job,
    failureTopicArn: o.failureTopicArn,
    prefix: `demo-${id}`,
  });

  const store = createLedgerStore(clients.ddb, runs.tableName);
  const bus = createBus(clients.events);
  const from = o.window?.from ?? new Date();
  const until = o.window?.until ?? from;
  const clock = createClock(from);
  const retentionDays = Number(runsTemplate().Parameters?.RetentionDays?.Default ?? 90);
  const recorder = createRecorder({
    store,
    bus,
    busName: runs.busName,
    deadLetter: { send: async () => undefined },
    settings: { retentionDays, errorMessages: 'scrubbed' },
    now: () => clock.now(),
    log: quiet,
  });
  const watchdog = createWatchdog({
    store,
    bus,
    busName: runs.busName,
    retentionDays,
    concurrency: 4,
    clock: () => clock.now(),
    log: quiet,
  });
  if (o.window) {
    // The watchdog starts watching when the window starts, as if the stack had been deployed then.
    await store.putWatchdogState({
      pk: 'WATCHDOG',
      sk: 'STATE',
      checkedUntil: from.toISOString(),
      updatedAt: from.toISOString(),
    });
  }
  const sim = new Simulator({
    from,
    until,
    clock,
    busArn: runs.busArn,
    jobs: [
      {
        name: o.job,
        schedule: {
          expression: o.expression,
          timezone: o.timezone,
          state: 'ENABLED',
          flexibleWindowMinutes: 0,
          rateAnchor: from.toISOString(),
        },
        payload: o.input,
        timeoutSeconds: o.timeoutSeconds,
        maximumRetryAttempts: o.maximumRetryAttempts,
        handler: (event, context, info) => {
          if (o.failRun !== undefined && info.fireIndex === o.failRun) {
            throw new Error(`simulated failure of run ${o.failRun} (npm start --fail-run ${o.failRun})`);
          }
          return o.handler(event, context);
        },
      },
    ],
    skip: (f) => o.skipRun !== undefined && f.index === o.skipRun,
    deliver: async (record) => {
      await putDestinationRecord(clients.events, runs.busArn, record);
      for (const event of await drain(clients.sqs, runs.recorderQueueUrl)) await recorder(event);
    },
    ...(o.window
      ? {
          watchdog: {
            rateMinutes: o.watchdogMinutes ?? Number(runsTemplate().Parameters?.WatchdogRateMinutes?.Default ?? 5),
            // Past the window by the job's grace, so a slot at its very end is judged too, as it would be deployed.
            until: new Date(
              until.getTime() + graceMs({ ...o, flexibleWindowMinutes: 0, missedRunGraceMinutes: 5 }) + 10 * 60_000,
            ),
            run: (event) => watchdog(event),
          },
        }
      : {}),
  });
  if (!o.window) sim.invokeAsync(o.job, o.input, 'schedule');
  const result = await sim.run();
  const missed = result.ticks.flatMap((t) => (t.result as WatchdogSummary).missed);
  const alerts = ((await wired.relayAlerts()) as { kind: string; title: string }[]).map((a) => ({
    kind: a.kind,
    title: a.title,
  }));
  const entries = await store.recentEntries(o.job, 100);
  return {
    tableName: runs.tableName,
    entries,
    table: entries.length ? runsTable(entries) : 'no runs recorded',
    invocations: result.invocations,
    missed,
    alerts,
    registration,
  };
}
