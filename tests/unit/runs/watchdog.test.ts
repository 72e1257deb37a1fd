/** The watchdog: each missed slot written and announced once; progress kept; failures retried by the next tick. */
import type { BusEntry } from '../../../functions/common/runs/events';
import type { Registration } from '../../../functions/common/runs/ledger';
import { createWatchdog, tickTime } from '../../../functions/runs-watchdog/watchdog';
import { createMemoryStore } from '../../../tooling/simulator/memory-store';

const T0 = Date.parse('2030-01-01T00:00:00.000Z');
const MIN = 60_000;
const reg = (job: string, over: Partial<Registration> = {}): Registration => ({
  pk: 'JOBS',
  sk: job,
  kind: 'job',
  v: 1,
  job,
  functionArn: `arn:aws:lambda:us-east-1:123456789012:function:${job}`,
  stackId: `stack-${job}`,
  stackName: `stack-${job}`,
  scheduleArn: 'arn:aws:scheduler:us-east-1:123456789012:schedule/default/s',
  expression: 'rate(10 minutes)',
  timezone: 'UTC',
  state: 'ENABLED',
  flexibleWindowMinutes: 0,
  rateAnchor: new Date(T0).toISOString(),
  timeoutSeconds: 60,
  maximumRetryAttempts: 0,
  missedRunGraceMinutes: 4,
  scheduleContext: false,
  scheduleModifiedAt: new Date(T0).toISOString(),
  since: new Date(T0).toISOString(),
  registeredAt: new Date(T0).toISOString(),
  updatedAt: new Date(T0).toISOString(),
  ...over,
});
const tick = (t: number) => ({ 'detail-type': 'Scheduled Event', time: new Date(t).toISOString() });

function setup() {
  const store = createMemoryStore();
  const entries: BusEntry[] = [];
  let failBus = false;
  const watchdog = createWatchdog({
    store,
    bus: {
      async put(e) {
        if (failBus) throw new Error('bus down');
        entries.push(...e);
      },
    },
    busName: 'cloud-cron-runs',
    retentionDays: 30,
    concurrency: 4,
    clock: () => new Date(T0 + 365 * 86_400_000),
    log: { info() {}, warn() {}, error() {} },
  });
  return { store, entries, watchdog, breakBus: (v: boolean) => (failBus = v) };
}

test('with no run at all, each slot is reported once as its grace passes, across ticks', async () => {
  const { store, entries, watchdog } = setup();
  await store.putRegistration(reg('a'));
  // grace = 60 s + 4 min = 5 min; slots every 10 minutes from T0 (T0 itself is the registration).
  await store.putWatchdogState({
    pk: 'WATCHDOG',
    sk: 'STATE',
    checkedUntil: new Date(T0).toISOString(),
    updatedAt: '',
  });
  for (let t = T0 + 5 * MIN; t <= T0 + 40 * MIN; t += 5 * MIN) await watchdog(tick(t));
  const missed = store.entries('a').map((e) => e.kind === 'missed' && e.scheduledTime);
  expect(missed).toEqual(['2030-01-01T00:10:00.000Z', '2030-01-01T00:20:00.000Z', '2030-01-01T00:30:00.000Z']);
  expect(entries.map((e) => JSON.parse(e.Detail).scheduledTime)).toEqual(missed);
  expect(entries.every((e) => e.DetailType === 'Cloud Cron Run Missed' && e.Source === 'cloud-cron.runs')).toBe(true);
  // The same tick again, or an older one, changes nothing.
  await watchdog(tick(T0 + 40 * MIN));
  await watchdog(tick(T0 + 20 * MIN));
  expect(entries).toHaveLength(3);
});

test('two ticks racing over the same window write and announce nothing twice', async () => {
  const { store, entries, watchdog } = setup();
  await store.putRegistration(reg('a'));
  await store.putWatchdogState({
    pk: 'WATCHDOG',
    sk: 'STATE',
    checkedUntil: new Date(T0).toISOString(),
    updatedAt: '',
  });
  await Promise.all([watchdog(tick(T0 + 16 * MIN)), watchdog(tick(T0 + 16 * MIN))]);
  expect(store.entries('a').filter((e) => e.kind === 'missed')).toHaveLength(1);
  expect(entries).toHaveLength(1);
});

test('an alert that could not be put is put by the next tick; the failed tick keeps the watermark', async () => {
  const { store, entries, watchdog, breakBus } = setup();
  await store.putRegistration(reg('a'));
  await store.putWatchdogState({
    pk: 'WATCHDOG',
    sk: 'STATE',
    checkedUntil: new Date(T0).toISOString(),
    updatedAt: '',
  });
  breakBus(true);
  await expect(watchdog(tick(T0 + 16 * MIN))).rejects.toThrow(/1 of 1 job\(s\) could not be checked .*bus down/);
  expect((await store.getWatchdogState())?.checkedUntil).toBe(new Date(T0).toISOString());
  expect(store.entries('a')[0]).toMatchObject({ kind: 'missed', notified: false });
  breakBus(false);
  const summary = await watchdog(tick(T0 + 17 * MIN));
  expect(summary.missed).toEqual([]);
  expect(summary.notified).toBe(1);
  expect(entries).toHaveLength(1);
  expect(store.entries('a')[0].notified).toBe(true);
});

test('a job whose registration cannot be evaluated is reported and skipped; the others are checked', async () => {
  const { store, watchdog } = setup();
  await store.putRegistration(reg('bad', { expression: 'cron(0 8 * * MON *)' }));
  await store.putRegistration(reg('good'));
  await store.putWatchdogState({
    pk: 'WATCHDOG',
    sk: 'STATE',
    checkedUntil: new Date(T0).toISOString(),
    updatedAt: '',
  });
  const summary = await watchdog(tick(T0 + 16 * MIN));
  expect(summary.skippedJobs).toEqual([{ job: 'bad', reason: expect.stringMatching(/day-of-month and day-of-week/) }]);
  expect(summary.missed).toEqual([{ job: 'good', scheduledTime: '2030-01-01T00:10:00.000Z' }]);
});

test('the first tick looks back one hour; a watchdog down for weeks catches up at most 7 days', async () => {
  const { store, watchdog } = setup();
  await store.putRegistration(
    reg('a', { expression: 'rate(1 day)', rateAnchor: '2029-01-01T00:00:00.000Z', since: '2029-01-01T00:00:00.000Z' }),
  );
  const first = await watchdog(tick(T0 + 30 * MIN));
  expect(first.judgeFrom).toBe('2029-12-31T23:30:00.000Z');
  expect(first.missed).toEqual([{ job: 'a', scheduledTime: '2030-01-01T00:00:00.000Z' }]);
  const later = await watchdog(tick(T0 + 30 * 86_400_000));
  expect(later.judgeFrom).toBe(new Date(T0 + 23 * 86_400_000).toISOString());
  expect(later.missed).toHaveLength(7);
});

test("the tick's time is the scheduled event's time, unless it is unreadable or ahead of the clock", () => {
  const clock = new Date('2030-01-01T12:00:00Z');
  expect(tickTime({ time: '2030-01-01T11:55:00Z' }, clock).toISOString()).toBe('2030-01-01T11:55:00.000Z');
  expect(tickTime({ time: '2031-01-01T00:00:00Z' }, clock)).toBe(clock);
  expect(tickTime({}, clock)).toBe(clock);
});

test('a task job: a skipped run counts for its slot; a slot with no run is missed, about the task definition', async () => {
  const { store, entries, watchdog } = setup();
  const taskDefinitionArn = 'arn:aws:ecs:us-east-1:123456789012:task-definition/cloud-cron-t:3';
  const { functionArn: _none, ...lambdaOnly } = reg('cloud-cron-t');
  await store.putRegistration({
    ...lambdaOnly,
    runner: 'ecs',
    task: {
      clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/c',
      taskDefinitionArn,
      containerName: 'job',
      monitorFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:m',
    },
    scheduleContext: true,
  });
  await store.putWatchdogState({
    pk: 'WATCHDOG',
    sk: 'STATE',
    checkedUntil: new Date(T0).toISOString(),
    updatedAt: '',
  });
  // The 00:10 run was skipped (an earlier run still ran): the schedule fired, so the slot is not missed.
  const slot = '2030-01-01T00:10:00.000Z';
  await store.putRun({
    pk: 'JOB#cloud-cron-t',
    sk: 'RUN#t1#TaskStopped',
    t: `2030-01-01T00:10:40.000Z#t1`,
    kind: 'run',
    v: 1,
    job: 'cloud-cron-t',
    runner: 'ecs',
    status: 'skipped',
    condition: 'TaskStopped',
    requestId: 't1',
    endedAt: '2030-01-01T00:10:40.000Z',
    attempts: 1,
    scheduledTime: slot,
    trigger: 'schedule',
    recordedAt: '2030-01-01T00:10:41.000Z',
    expiresAt: 0,
  });
  await watchdog(tick(T0 + 30 * MIN));
  expect(store.entries('cloud-cron-t').filter((e) => e.kind === 'missed')).toEqual([
    expect.objectContaining({ scheduledTime: '2030-01-01T00:20:00.000Z', runner: 'ecs', taskDefinitionArn }),
  ]);
  expect(entries).toHaveLength(1);
  expect(entries[0].Resources).toEqual([taskDefinitionArn]);
  const alert = JSON.parse(entries[0].Detail);
  expect(alert).toMatchObject({ kind: 'missed', job: 'cloud-cron-t', taskDefinitionArn });
  expect(alert.functionArn).toBeUndefined();
  expect(alert.summary).toMatch(/runs ECS refused to start/);
});
