/**
 * The watchdog against moto, driven by the simulator's clock: the real ledger store on DynamoDB, the real bus on
 * EventBridge. Each wired job misses exactly the slot the scheduler skipped, once: a daily cron in Europe/Paris
 * across both DST changes (the 02:30 that does not exist is never expected, the one that happens twice once),
 * and one-time at() jobs. The job stack's alert rule (the template's pattern) forwards the alert to the job's
 * failure topic. The built watchdog bundle does the same with its own wiring.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createBus } from '../../../functions/common/runs/bus';
import type { Registration } from '../../../functions/common/runs/ledger';
import { createLedgerStore, type LedgerStore } from '../../../functions/common/runs/store';
import { createRecorder } from '../../../functions/runs-recorder/recorder';
import { createWatchdog, type WatchdogSummary } from '../../../functions/runs-watchdog/watchdog';
import { buildAll } from '../../../tooling/build';
import { invokeBundle } from '../../../tooling/invoke';
import { type Moto, startMoto } from '../../../tooling/moto';
import { ROOT } from '../../../tooling/paths';
import {
  deployRunsLocally,
  drain,
  type LocalRuns,
  putDestinationRecord,
  wireJobLocally,
} from '../../../tooling/runs-local';
import { createClock, type SimulatedJob, Simulator } from '../../../tooling/simulator/simulator';

let moto: Moto;
let runs: LocalRuns;
let store: LedgerStore;
let clients: { ddb: DynamoDBClient; events: EventBridgeClient; sqs: SQSClient; sns: SNSClient };
const quiet = { info() {}, warn() {}, error() {} };

beforeAll(async () => {
  await buildAll(ROOT, ['runs-watchdog']);
  moto = await startMoto();
  clients = {
    ddb: new DynamoDBClient(moto.client),
    events: new EventBridgeClient(moto.client),
    sqs: new SQSClient(moto.client),
    sns: new SNSClient(moto.client),
  };
}, 120000);

/** Each test has its own Runs app (ledger, bus, watermark): simulated windows go back in time between tests. */
let deployments = 0;
beforeEach(async () => {
  deployments += 1;
  runs = await deployRunsLocally(clients, { prefix: `wd${deployments}` });
  store = createLedgerStore(clients.ddb, runs.tableName);
});

afterAll(async () => {
  await moto?.stop();
});

const registration = (job: string, since: string, over: Partial<Registration>): Registration => ({
  pk: 'JOBS',
  sk: job,
  kind: 'job',
  v: 1,
  job,
  functionArn: `arn:aws:lambda:us-east-1:123456789012:function:${job}`,
  stackId: `arn:aws:cloudformation:us-east-1:123456789012:stack/${job}/1`,
  stackName: job,
  scheduleArn: `arn:aws:scheduler:us-east-1:123456789012:schedule/default/${job}`,
  expression: 'rate(1 day)',
  timezone: 'UTC',
  state: 'ENABLED',
  flexibleWindowMinutes: 0,
  timeoutSeconds: 120,
  maximumRetryAttempts: 2,
  missedRunGraceMinutes: 5,
  scheduleContext: false,
  scheduleModifiedAt: since,
  since,
  registeredAt: since,
  updatedAt: since,
  ...over,
});

/** One window of simulated time: the jobs fire, records travel through the moto bus, the watchdog ticks hourly. */
async function simulateWindow(from: string, until: string, jobs: SimulatedJob[], skip: Record<string, number[]>) {
  const clock = createClock(new Date(from));
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
    concurrency: 4,
    clock: () => clock.now(),
    log: quiet,
  });
  const sim = new Simulator({
    from: new Date(from),
    until: new Date(until),
    clock,
    jobs,
    busArn: runs.busArn,
    skip: (f) => skip[f.job]?.includes(f.index) ?? false,
    deliver: async (record) => {
      await putDestinationRecord(clients.events, runs.busArn, record);
      for (const event of await drain(clients.sqs, runs.recorderQueueUrl)) await recorder(event);
    },
    watchdog: { rateMinutes: 60, run: (event) => watchdog(event) },
  });
  const result = await sim.run();
  const missed = result.ticks.flatMap((t) => (t.result as WatchdogSummary).missed);
  return { result, missed };
}

const paris = {
  expression: 'cron(30 2 * * ? *)',
  timezone: 'Europe/Paris',
  state: 'ENABLED' as const,
  flexibleWindowMinutes: 0,
};

test('a daily 02:30 Europe/Paris job across the spring change: exactly the skipped slot, once; no slot on the missing day', async () => {
  const since = '2030-03-28T12:00:00.000Z';
  await store.putRegistration(
    registration('paris-daily', since, { expression: paris.expression, timezone: paris.timezone }),
  );
  const topic = (await clients.sns.send(new CreateTopicCommand({ Name: 'paris-daily-failures' }))).TopicArn!;
  const inbox = (await clients.sqs.send(new CreateQueueCommand({ QueueName: 'paris-daily-inbox' }))).QueueUrl!;
  const inboxArn = (
    await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: inbox, AttributeNames: ['QueueArn'] }))
  ).Attributes!.QueueArn!;
  await clients.sns.send(
    new SubscribeCommand({
      TopicArn: topic,
      Protocol: 'sqs',
      Endpoint: inboxArn,
      Attributes: { RawMessageDelivery: 'true' },
    }),
  );
  const wired = await wireJobLocally(clients, runs, { job: 'paris-daily', failureTopicArn: topic, prefix: 'wd1' });

  const jobs: SimulatedJob[] = [{ name: 'paris-daily', schedule: paris, timeoutSeconds: 120, handler: () => 'ok' }];
  // Fires: 03-29 01:30Z, 03-30 01:30Z, (03-31: no 02:30 in Paris), 04-01 00:30Z, 04-02 00:30Z. The third is skipped.
  const { result, missed } = await simulateWindow('2030-03-29T00:00:00Z', '2030-04-03T00:00:00Z', jobs, {
    'paris-daily': [3],
  });
  expect(result.fires.map((f) => `${f.slot}${f.skipped ? ' skipped' : ''}`)).toEqual([
    '2030-03-29T01:30:00.000Z',
    '2030-03-30T01:30:00.000Z',
    '2030-04-01T00:30:00.000Z skipped',
    '2030-04-02T00:30:00.000Z',
  ]);
  expect(missed).toEqual([{ job: 'paris-daily', scheduledTime: '2030-04-01T00:30:00.000Z' }]);
  const entries = await store.entriesSince('paris-daily', '2030');
  expect(entries.map((e) => e.kind)).toEqual(['run', 'run', 'missed', 'run']);

  // The job stack's rule forwards the alert to its failure topic, with the job's own permission.
  const forwarded = (await wired.relayAlerts()) as Record<string, unknown>[];
  expect(forwarded).toEqual([
    expect.objectContaining({
      kind: 'missed',
      job: 'paris-daily',
      scheduledTime: '2030-04-01T00:30:00.000Z',
      title: 'Cloud Cron: paris-daily did not run at 2030-04-01 02:30 Europe/Paris',
    }),
  ]);
  const delivered = await drain<Record<string, unknown>>(clients.sqs, inbox);
  expect(delivered).toEqual([expect.objectContaining({ kind: 'missed', scheduledTime: '2030-04-01T00:30:00.000Z' })]);
}, 120000);

test('the same job across the autumn change: the 02:30 that happens twice is one slot, the skipped one is missed once', async () => {
  await store.putRegistration(
    registration('paris-daily', '2030-10-25T12:00:00.000Z', { expression: paris.expression, timezone: paris.timezone }),
  );
  const jobs: SimulatedJob[] = [{ name: 'paris-daily', schedule: paris, timeoutSeconds: 120, handler: () => 'ok' }];
  // Fires: 10-26 00:30Z, 10-27 00:30Z (the first 02:30), 10-28 01:30Z, 10-29 01:30Z. The second is skipped.
  const { result, missed } = await simulateWindow('2030-10-26T00:00:00Z', '2030-10-30T00:00:00Z', jobs, {
    'paris-daily': [2],
  });
  expect(result.fires.map((f) => f.slot)).toEqual([
    '2030-10-26T00:30:00.000Z',
    '2030-10-27T00:30:00.000Z',
    '2030-10-28T01:30:00.000Z',
    '2030-10-29T01:30:00.000Z',
  ]);
  expect(missed).toEqual([{ job: 'paris-daily', scheduledTime: '2030-10-27T00:30:00.000Z' }]);
}, 120000);

test('one-time at() jobs: the one that never fired is missed once, the one that ran is not', async () => {
  const since = '2030-03-30T00:00:00.000Z';
  const at = (t: string) => ({
    expression: `at(${t})`,
    timezone: 'Europe/Paris',
    state: 'ENABLED' as const,
    flexibleWindowMinutes: 0,
  });
  await store.putRegistration(
    registration('once-skipped', since, { expression: 'at(2030-03-31T03:30:00)', timezone: 'Europe/Paris' }),
  );
  await store.putRegistration(
    registration('once-ran', since, { expression: 'at(2030-03-31T09:00:00)', timezone: 'Europe/Paris' }),
  );
  const jobs: SimulatedJob[] = [
    { name: 'once-skipped', schedule: at('2030-03-31T03:30:00'), handler: () => 'ok' },
    { name: 'once-ran', schedule: at('2030-03-31T09:00:00'), handler: () => 'ok' },
  ];
  const { missed, result } = await simulateWindow('2030-03-31T00:00:00Z', '2030-04-02T00:00:00Z', jobs, {
    'once-skipped': [1],
  });
  expect(result.fires.map((f) => [f.job, f.slot])).toEqual([
    ['once-skipped', '2030-03-31T01:30:00.000Z'],
    ['once-ran', '2030-03-31T07:00:00.000Z'],
  ]);
  expect(missed.filter((m) => m.job.startsWith('once'))).toEqual([
    { job: 'once-skipped', scheduledTime: '2030-03-31T01:30:00.000Z' },
  ]);
}, 120000);

test('a flexible window, StartDate/EndDate and DISABLED: exactly the skipped slot of each job, once, and nothing else', async () => {
  const since = '2030-05-31T12:00:00.000Z';
  const flex = {
    expression: 'cron(0 */2 * * ? *)',
    timezone: 'Europe/Paris',
    state: 'ENABLED' as const,
    flexibleWindowMinutes: 45,
  };
  const dated = {
    expression: 'cron(15 * * * ? *)',
    timezone: 'UTC',
    state: 'ENABLED' as const,
    flexibleWindowMinutes: 0,
    startDate: '2030-06-01T06:00:00.000Z',
    endDate: '2030-06-01T10:15:00.000Z',
  };
  const disabled = { ...flex, state: 'DISABLED' as const, flexibleWindowMinutes: 0 };
  await store.putRegistration(registration('flex', since, flex));
  await store.putRegistration(registration('dated', since, dated));
  await store.putRegistration(registration('disabled', since, disabled));
  const jobs: SimulatedJob[] = [
    // Every run starts late within its 45-minute window (the simulator spreads them) and takes a minute: without the
    // window in its grace (45 + 2 x 3 + 3 + 5 minutes), the runs that started more than 13 minutes late would count
    // for no slot.
    { name: 'flex', schedule: flex, timeoutSeconds: 120, handler: () => 'ok', durationMs: () => 60_000 },
    { name: 'dated', schedule: dated, timeoutSeconds: 120, handler: () => 'ok' },
    { name: 'disabled', schedule: disabled, handler: () => 'ok' },
  ];
  const { result, missed } = await simulateWindow('2030-06-01T00:00:00Z', '2030-06-02T00:00:00Z', jobs, {
    flex: [4],
    dated: [2],
  });
  const fired = (job: string) => result.fires.filter((f) => f.job === job);
  expect(fired('flex')).toHaveLength(12);
  // 06:15 .. 10:15 UTC: EndDate is the last run time.
  expect(fired('dated').map((f) => f.slot.slice(11, 16))).toEqual(['06:15', '07:15', '08:15', '09:15', '10:15']);
  expect(fired('disabled')).toEqual([]);
  // The flexible runs really did start late, some by more than half an hour.
  const late = result.invocations
    .filter((i) => i.job === 'flex')
    .map((i) => (Date.parse(i.endedAt) - Date.parse(i.slot!)) / 60_000 - 1);
  expect(Math.max(...late)).toBeGreaterThan(30);
  expect(missed.sort((a, b) => a.job.localeCompare(b.job))).toEqual([
    { job: 'dated', scheduledTime: '2030-06-01T07:15:00.000Z' },
    { job: 'flex', scheduledTime: fired('flex')[3].slot },
  ]);
}, 120000);

test('the built watchdog, with its own wiring, records a missed slot on the real clock once', async () => {
  const now = Date.now();
  const since = new Date(now - 3 * 3_600_000).toISOString();
  await store.putRegistration(
    registration('hourly-never-ran', since, {
      expression: 'rate(1 hour)',
      rateAnchor: since,
      timeoutSeconds: 60,
      maximumRetryAttempts: 0,
    }),
  );
  const env = { ...moto.env, ...runs.env('WatchdogFunction') };
  const tick = { 'detail-type': 'Scheduled Event', source: 'aws.events', time: new Date(now).toISOString() };
  const [first, second] = await invokeBundle<WatchdogSummary>('runs-watchdog', [tick, tick], env);
  if (!first.ok || !second.ok) throw new Error(`watchdog failed: ${first.logs}`);
  // A first tick looks back one hour: the slot of an hour ago (its 6-minute grace is over), not older ones.
  expect(first.result.missed.map((m) => m.scheduledTime)).toEqual([new Date(now - 3_600_000).toISOString()]);
  expect(second.result.missed).toEqual([]);
  expect(first.logs).toMatch(/"message":"missed run"/);
});
