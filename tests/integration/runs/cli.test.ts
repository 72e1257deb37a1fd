/**
 * `cloud-cron runs|status|run` against moto: the ledger the simulator filled (records through the moto bus, the
 * recorder and the watchdog), the Runs app found by its stack's output, and `run` going through Lambda's
 * asynchronous Invoke (the local stand-in in front of moto, since moto needs Docker to invoke) with the job's own
 * schedule Input. Every command honours AWS_ENDPOINT_URL.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { SQSClient } from '@aws-sdk/client-sqs';
import { run as runCommand } from '../../../cli/run';
import { run as runsCommand } from '../../../cli/runs';
import { run as statusCommand } from '../../../cli/status';
import { createBus } from '../../../functions/common/runs/bus';
import { scheduleInput } from '../../../functions/common/runs/job-context';
import type { Registration } from '../../../functions/common/runs/ledger';
import { createLedgerStore, type LedgerStore } from '../../../functions/common/runs/store';
import { createRecorder } from '../../../functions/runs-recorder/recorder';
import { createWatchdog } from '../../../functions/runs-watchdog/watchdog';
import { type Moto, startMoto } from '../../../tooling/moto';
import { ROOT, tempDir } from '../../../tooling/paths';
import { deployRunsLocally, drain, type LocalRuns, putDestinationRecord } from '../../../tooling/runs-local';
import { type LambdaStandin, startLambdaStandin } from '../../../tooling/simulator/lambda-standin';
import { createClock, Simulator } from '../../../tooling/simulator/simulator';

const quiet = { info() {}, warn() {}, error() {} };
const FROM = '2030-01-06T00:00:00.000Z';
let moto: Moto;
let runs: LocalRuns;
let store: LedgerStore;
let standin: LambdaStandin;
let sim: Simulator;
const failNext = false;
const saved = { ...process.env };

const reg = (job: string, over: Partial<Registration>): Registration => ({
  pk: 'JOBS',
  sk: job,
  kind: 'job',
  v: 1,
  job,
  functionArn: `arn:aws:lambda:us-east-1:123456789012:function:${job}`,
  stackId: `arn:aws:cloudformation:us-east-1:123456789012:stack/${job}-stack/1`,
  stackName: `${job}-stack`,
  scheduleArn: `arn:aws:scheduler:us-east-1:123456789012:schedule/default/${job}-schedule`,
  expression: 'cron(0 8 ? * MON-FRI *)',
  timezone: 'Europe/Paris',
  state: 'ENABLED',
  flexibleWindowMinutes: 0,
  timeoutSeconds: 60,
  maximumRetryAttempts: 1,
  missedRunGraceMinutes: 5,
  scheduleContext: true,
  scheduleModifiedAt: FROM,
  since: FROM,
  registeredAt: FROM,
  updatedAt: FROM,
  ...over,
});

beforeAll(async () => {
  moto = await startMoto();
  const clients = {
    ddb: new DynamoDBClient(moto.client),
    events: new EventBridgeClient(moto.client),
    sqs: new SQSClient(moto.client),
  };
  runs = await deployRunsLocally(clients, { prefix: 'cli' });
  store = createLedgerStore(clients.ddb, runs.tableName);
  // The Runs app's stack, as the CLI finds it: its RunsTableName output.
  await new CloudFormationClient(moto.client).send(
    new CreateStackCommand({
      StackName: 'cloud-cron-runs',
      TemplateBody: JSON.stringify({
        Resources: { Placeholder: { Type: 'AWS::SNS::Topic' } },
        Outputs: { RunsTableName: { Value: runs.tableName }, RunsEventBusArn: { Value: runs.busArn } },
      }),
    }),
  );
  await store.putRegistration(reg('nightly-report', {}));
  await store.putRegistration(
    reg('hourly-sync', { expression: 'rate(3 hours)', timezone: 'UTC', rateAnchor: FROM, scheduleContext: false }),
  );
  await new SchedulerClient(moto.client).send(
    new CreateScheduleCommand({
      Name: 'nightly-report-schedule',
      ScheduleExpression: 'cron(0 8 ? * MON-FRI *)',
      ScheduleExpressionTimezone: 'Europe/Paris',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: 'arn:aws:lambda:us-east-1:123456789012:function:nightly-report',
        RoleArn: 'arn:aws:iam::123456789012:role/scheduler',
        Input: scheduleInput('{"report":"daily"}'),
      },
    }),
  );

  await new SchedulerClient(moto.client).send(
    new CreateScheduleCommand({
      Name: 'hourly-sync-schedule',
      ScheduleExpression: 'rate(3 hours)',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: 'arn:aws:lambda:us-east-1:123456789012:function:hourly-sync',
        RoleArn: 'arn:aws:iam::123456789012:role/scheduler',
        Input: '{"full":false}',
      },
    }),
  );

  const clock = createClock(new Date(FROM));
  const bus = createBus(clients.events);
  const recorder = createRecorder({
    store,
    bus,
    busName: runs.busName,
    deadLetter: { send: async () => undefined },
    settings: { retentionDays: 400, errorMessages: 'scrubbed' },
    now: () => clock.now(),
    log: quiet,
  });
  const watchdog = createWatchdog({
    store,
    bus,
    busName: runs.busName,
    retentionDays: 400,
    concurrency: 2,
    clock: () => clock.now(),
    log: quiet,
  });
  sim = new Simulator({
    from: new Date(FROM),
    until: new Date('2030-01-09T12:00:00.000Z'),
    clock,
    busArn: runs.busArn,
    jobs: [
      {
        name: 'nightly-report',
        schedule: {
          expression: 'cron(0 8 ? * MON-FRI *)',
          timezone: 'Europe/Paris',
          state: 'ENABLED',
          flexibleWindowMinutes: 0,
        },
        scheduleContext: true,
        payload: '{"report":"daily"}',
        timeoutSeconds: 60,
        maximumRetryAttempts: 1,
        handler: (event) => {
          if (failNext || (event as { payload?: { fail?: boolean } }).payload?.fail)
            throw new Error('report database unreachable at 10.0.0.12');
          return { rows: 3 };
        },
        durationMs: () => 4000,
      },
      {
        name: 'hourly-sync',
        schedule: {
          expression: 'rate(3 hours)',
          timezone: 'UTC',
          state: 'ENABLED',
          flexibleWindowMinutes: 0,
          rateAnchor: FROM,
        },
        timeoutSeconds: 60,
        maximumRetryAttempts: 1,
        handler: () => 'synced',
      },
    ],
    // nightly-report: Monday 2030-01-07 runs, Tuesday's slot is skipped, Wednesday runs; hourly-sync misses one slot.
    skip: (f) => (f.job === 'nightly-report' && f.index === 2) || (f.job === 'hourly-sync' && f.index === 10),
    deliver: async (record) => {
      await putDestinationRecord(clients.events, runs.busArn, record);
      for (const event of await drain(clients.sqs, runs.recorderQueueUrl)) await recorder(event);
    },
    watchdog: { rateMinutes: 180, run: (e) => watchdog(e) },
  });
  await sim.runUntil(Date.parse('2030-01-09T12:00:00.000Z'));
  standin = await startLambdaStandin(moto.endpoint, async (inv) => {
    sim.invokeAsync(inv.functionName, inv.payload, 'manual', inv.requestId);
    await sim.runUntil(Number.POSITIVE_INFINITY);
  });
  Object.assign(process.env, moto.env, { AWS_ENDPOINT_URL: standin.endpoint });
}, 180000);

afterAll(async () => {
  process.env = saved;
  await standin?.stop();
  await moto?.stop();
});

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

test('runs: newest first, what the ledger holds, found through the Runs stack; --json is the documented shape', async () => {
  const json = await cli(runsCommand, 'nightly-report', '--json');
  expect(json.code).toBe(0);
  const body = JSON.parse(json.out);
  expect(body).toEqual({
    version: 1,
    job: 'nightly-report',
    runs: [
      expect.objectContaining({
        status: 'succeeded',
        scheduledTime: '2030-01-09T07:00:00.000Z',
        attempts: 1,
        trigger: 'schedule',
      }),
      { status: 'missed', scheduledTime: '2030-01-08T07:00:00.000Z', detectedAt: expect.any(String) },
      expect.objectContaining({
        status: 'succeeded',
        scheduledTime: '2030-01-07T07:00:00.000Z',
        endedAt: '2030-01-07T07:00:04.000Z',
      }),
    ],
  });
  const ledger = await store.recentEntries('nightly-report', 20);
  expect(body.runs.map((r: { status: string }) => r.status)).toEqual(ledger.map((e) => e.status));
  const text = await cli(runsCommand, 'nightly-report-stack', '--limit', '2');
  expect(text.out.split('\n')).toEqual([
    expect.stringMatching(/^WHEN\s+STATUS\s+SCHEDULED\s+ATTEMPTS\s+DURATION\s+REQUEST\s+ERROR$/),
    expect.stringMatching(/^2030-01-09 07:00:04Z\s+succeeded\s+2030-01-09 07:00:00Z\s+1\s+-\s+\S+\s+-$/),
    expect.stringMatching(/^2030-01-08 07:00:00Z\s+missed\s+2030-01-08 07:00:00Z\s+-\s+-\s+-\s+no run within 8 min$/),
  ]);
  // The function's ARN, qualified or not, and its partial ARN name the same job ...
  for (const name of [
    'arn:aws:lambda:us-east-1:123456789012:function:nightly-report',
    'arn:aws:lambda:us-east-1:123456789012:function:nightly-report:live',
    '123456789012:function:nightly-report',
  ]) {
    const byArn = await cli(runsCommand, name, '--json');
    expect([name, byArn.code, JSON.parse(byArn.out)]).toEqual([name, 0, body]);
  }
  // ... but a function of that name in another region or account is another job, which this ledger does not hold.
  for (const name of [
    'arn:aws:lambda:eu-west-1:123456789012:function:nightly-report',
    '210987654321:function:nightly-report',
  ]) {
    const other = await cli(runsCommand, name);
    expect([name, other.code, other.out]).toEqual([name, 1, '']);
    expect(other.err).toMatch(/is not the function this Runs app knows as nightly-report \(arn:aws:lambda:us-east-1:/);
  }
});

test('status: every wired job with its schedule, next run, last run and missed runs', async () => {
  const r = await cli((argv) => statusCommand(argv, undefined, () => new Date('2030-01-09T12:00:00.000Z')), '--json');
  expect(r.code).toBe(0);
  const body = JSON.parse(r.out);
  expect(body.version).toBe(1);
  const byJob = Object.fromEntries(body.jobs.map((j: { job: string }) => [j.job, j]));
  expect(byJob['nightly-report']).toMatchObject({
    stackName: 'nightly-report-stack',
    schedule: { expression: 'cron(0 8 ? * MON-FRI *)', timezone: 'Europe/Paris', state: 'ENABLED' },
    nextRun: '2030-01-10T07:00:00.000Z',
    lastRun: { status: 'succeeded', scheduledTime: '2030-01-09T07:00:00.000Z' },
    missed: { last7Days: 1, latest: '2030-01-08T07:00:00.000Z' },
  });
  expect(byJob['hourly-sync']).toMatchObject({
    nextRun: '2030-01-09T15:00:00.000Z',
    lastRun: { status: 'succeeded' },
    missed: { last7Days: 1, latest: '2030-01-07T03:00:00.000Z' },
  });
  const text = await cli(
    (argv) => statusCommand(argv, undefined, () => new Date('2030-01-09T12:00:00.000Z')),
    '--runs-table',
    runs.tableName,
  );
  expect(text.out).toMatch(/^JOB\s+SCHEDULE\s+ZONE\s+NEXT RUN\s+LAST RUN\s+STATUS\s+MISSED \(7 DAYS\)$/m);
  expect(text.out).toMatch(
    /^nightly-report\s+cron\(0 8 \? \* MON-FRI \*\)\s+Europe\/Paris\s+2030-01-10 08:00\s+2030-01-09 08:00\s+succeeded\s+1 \(latest 2030-01-08 08:00\)$/m,
  );
});

test('run --wait: the job runs through the asynchronous path with its schedule input, marked manual, and is printed', async () => {
  const r = await cli(runCommand, 'nightly-report', '--wait', '--json');
  expect([r.code, r.err]).toEqual([0, '']);
  const body = JSON.parse(r.out);
  const [invocation] = standin.invocations.slice(-1);
  expect(body).toEqual({
    version: 1,
    job: 'nightly-report',
    requestId: invocation.requestId,
    run: expect.objectContaining({ status: 'succeeded', trigger: 'manual', requestId: invocation.requestId }),
  });
  const event = JSON.parse(invocation.payload);
  expect(event).toEqual({
    payload: { report: 'daily' },
    cloudCron: expect.objectContaining({
      trigger: 'manual',
      attempt: '1',
      executionId: expect.stringMatching(/^manual-/),
    }),
  });
  // A manual run is in the ledger like any other run.
  const [latest] = await store.recentEntries('nightly-report', 1);
  expect(latest).toMatchObject({ requestId: invocation.requestId, trigger: 'manual' });
});

test('run --wait of a run that fails after its retries exits 1 and shows the (scrubbed) error', async () => {
  const file = join(tempDir(), 'payload.json');
  writeFileSync(file, '{"report":"daily","fail":true}');
  const r = await cli(runCommand, 'nightly-report', '--payload', file, '--wait');
  expect(r.code).toBe(1);
  expect(r.out).toMatch(/failed \(manual\)\s+\S+ \S+\s+2\s+-\s+\S+\s+Error: report database unreachable at \[ip\]/);
});

test('run without --wait queues and returns; a job not wired to the Runs app is refused', async () => {
  const queued = await cli(runCommand, 'hourly-sync');
  expect(queued.code).toBe(0);
  expect(queued.out).toMatch(/^queued hourly-sync: request \S+ \(see it with: cloud-cron runs hourly-sync\)$/);
  // Without the job context nothing marks the run as manual: the user is told.
  expect(queued.err).toMatch(
    /hourly-sync has ScheduleContext off, so the Runs app cannot tell this run from a scheduled one/,
  );
  await standin.settled();
  // Without the job context, the event is the schedule's Input as it is.
  expect(standin.invocations[standin.invocations.length - 1].payload).toBe('{"full":false}');
  const unknown = await cli(runCommand, 'not-a-job');
  expect(unknown).toMatchObject({
    code: 1,
    err: expect.stringMatching(/not-a-job is not a job wired to the Runs app/),
  });
});

test('usage errors exit 2, --help exits 0, a missing Runs stack says what to do', async () => {
  expect((await cli(runsCommand)).code).toBe(2);
  expect((await cli(runsCommand, 'x', '--limit', '0')).err).toMatch(
    /--limit "0" must be a whole number from 1 to 1000/,
  );
  expect((await cli(runCommand, 'x', '--bogus')).code).toBe(2);
  expect((await cli(statusCommand, '--help')).code).toBe(0);
  const missing = await cli(statusCommand, '--runs-stack', 'no-such-stack');
  expect(missing).toMatchObject({
    code: 1,
    err: expect.stringMatching(/cannot read the Runs app's stack no-such-stack .* pass --runs-stack or --runs-table/),
  });
});

test('the installed binary honours AWS_ENDPOINT_URL', async () => {
  // Asynchronously: a synchronous spawn would block this process, and with it the stand-in and moto's log pipe.
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [join(ROOT, 'bin', 'cloud-cron.js'), 'runs', 'hourly-sync', '--limit', '1', '--json'],
    { env: { ...process.env }, timeout: 60000 },
  );
  expect(JSON.parse(stdout)).toMatchObject({
    job: 'hourly-sync',
    runs: [expect.objectContaining({ status: 'succeeded' })],
  });
});

/** The keys docs/runs.md shows for each command's --json output (its jsonc block, one comment line per command). */
function documentedKeys(): Record<'runs' | 'status' | 'run' | 'wait', Set<string>> {
  const doc = readFileSync(join(ROOT, 'docs', 'runs.md'), 'utf8');
  const block = /```jsonc\n([\s\S]*?)```/.exec(doc)![1];
  const sections = block.split(/^\/\/ cloud-cron /m).filter(Boolean);
  const keys = (text: string) => new Set([...text.matchAll(/"([A-Za-z0-9]+)":/g)].map((m) => m[1]));
  const find = (prefix: RegExp) => sections.find((x) => prefix.test(x))!;
  return {
    runs: keys(find(/^runs /)),
    status: keys(find(/^status /)),
    run: keys(find(/^run <job> --json/)),
    wait: keys(find(/^run <job> --wait --json/)),
  };
}

/** Every key of a JSON value, at any depth. */
function keysIn(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) keysIn(v, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.add(k);
      keysIn(v, out);
    }
  }
  return out;
}

test('--json: every field each command prints is one docs/runs.md documents, and the version is 1', async () => {
  const doc = documentedKeys();
  const runKeys = doc.runs;
  const outputs = {
    runs: JSON.parse((await cli(runsCommand, 'nightly-report', '--json', '--limit', '50')).out),
    status: JSON.parse(
      (await cli((argv) => statusCommand(argv, undefined, () => new Date('2030-01-09T12:00:00.000Z')), '--json')).out,
    ),
    run: JSON.parse((await cli(runCommand, 'hourly-sync', '--json')).out),
    wait: JSON.parse((await cli(runCommand, 'nightly-report', '--wait', '--json')).out),
  };
  await standin.settled();
  // The ledger now holds succeeded, failed (with an error), manual and missed entries: every run field is exercised.
  expect(new Set(outputs.runs.runs.map((r: { status: string }) => r.status))).toEqual(
    new Set(['succeeded', 'failed', 'missed']),
  );
  for (const [command, value] of Object.entries(outputs) as [keyof typeof outputs, unknown][]) {
    expect((value as { version: number }).version).toBe(1);
    const allowed = new Set([...doc[command], ...(command === 'status' || command === 'wait' ? runKeys : [])]);
    expect([command, [...keysIn(value)].filter((k) => !allowed.has(k))]).toEqual([command, []]);
  }
});
