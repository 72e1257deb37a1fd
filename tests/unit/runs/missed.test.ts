/** The watchdog's judgement: which slots have no run once their grace has passed. */

import { graceMs, type LedgerEntry, type Registration, type RunItem } from '../../../functions/common/runs/ledger';
import { earlyToleranceMs, judge } from '../../../functions/common/runs/missed';

const T0 = Date.parse('2030-01-01T00:00:00.000Z');
const MIN = 60_000;
const reg = (over: Partial<Registration> = {}): Registration => ({
  pk: 'JOBS',
  sk: 'job',
  kind: 'job',
  v: 1,
  job: 'job',
  functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:job',
  stackId: 'stack',
  stackName: 'stack',
  scheduleArn: 'arn:aws:scheduler:us-east-1:123456789012:schedule/default/s',
  expression: 'rate(5 minutes)',
  timezone: 'UTC',
  state: 'ENABLED',
  flexibleWindowMinutes: 0,
  rateAnchor: new Date(T0).toISOString(),
  timeoutSeconds: 60,
  maximumRetryAttempts: 2,
  missedRunGraceMinutes: 5,
  scheduleContext: false,
  scheduleModifiedAt: new Date(T0).toISOString(),
  since: new Date(T0).toISOString(),
  registeredAt: new Date(T0).toISOString(),
  updatedAt: new Date(T0).toISOString(),
  ...over,
});
let n = 0;
const run = (endedAt: number, over: Partial<RunItem> = {}): RunItem => {
  n += 1;
  const e = new Date(endedAt).toISOString();
  return {
    pk: 'JOB#job',
    sk: `RUN#r${n}#Success`,
    t: `${e}#r${n}`,
    kind: 'run',
    v: 1,
    job: 'job',
    functionArn: 'x',
    status: 'succeeded',
    condition: 'Success',
    requestId: `r${n}`,
    endedAt: e,
    attempts: 1,
    recordedAt: e,
    expiresAt: 0,
    ...over,
  };
};
const iso = (ts: number[]) => ts.map((t) => new Date(t).toISOString());

test('grace: flexible window + every attempt at its timeout + Lambda backoff + MissedRunGraceMinutes', () => {
  expect(graceMs(reg())).toBe(3 * 60_000 + 3 * MIN + 5 * MIN);
  expect(graceMs(reg({ flexibleWindowMinutes: 15, maximumRetryAttempts: 0, timeoutSeconds: 900 }))).toBe(35 * MIN);
  expect(earlyToleranceMs('rate(5 minutes)')).toBe(150_000);
  expect(earlyToleranceMs('rate(1 day)')).toBe(5 * MIN);
  expect(earlyToleranceMs('cron(0 8 * * ? *)')).toBe(MIN);
});

test('every slot but the skipped one has a run: exactly that slot is missed, once its grace has passed', () => {
  const job = reg();
  const grace = graceMs(job);
  const slots = Array.from({ length: 12 }, (_, i) => T0 + 5 * MIN * (i + 1));
  const runs = slots.filter((_, i) => i !== 3).map((s) => run(s + 2000));
  const skipped = slots[3];
  // Before its grace has passed: nothing.
  expect(judge(job, runs, { judgeFrom: T0, now: skipped + grace - 1 }).missed).toEqual([]);
  // After: exactly the skipped slot, whatever the window's start.
  const now = slots[11] + 2 * MIN;
  expect(iso(judge(job, runs, { judgeFrom: T0, now: skipped + grace }).missed)).toEqual(iso([skipped]));
  expect(iso(judge(job, runs, { judgeFrom: skipped + grace - 1, now: skipped + grace + MIN }).missed)).toEqual(
    iso([skipped]),
  );
  // Not judged again by a window that starts after its grace ended.
  expect(judge(job, runs, { judgeFrom: skipped + grace, now }).missed).toEqual([]);
});

test('a slot already recorded as missed is not reported again', () => {
  const job = reg();
  const slot = T0 + 5 * MIN;
  const missed: LedgerEntry = {
    pk: 'JOB#job',
    sk: `MISSED#${new Date(slot).toISOString()}`,
    t: `${new Date(slot).toISOString()}#missed`,
    kind: 'missed',
    v: 1,
    job: 'job',
    functionArn: 'x',
    status: 'missed',
    scheduledTime: new Date(slot).toISOString(),
    detectedAt: '',
    graceMinutes: 11,
    expiresAt: 0,
  };
  expect(judge(job, [missed], { judgeFrom: T0, now: slot + graceMs(job) }).missed).toEqual([]);
});

test('a failed run and a run that needed its retries still count for their slot', () => {
  const job = reg();
  const slots = [T0 + 5 * MIN, T0 + 10 * MIN, T0 + 15 * MIN];
  const runs = [
    run(slots[0] + 3 * 60_000 + 3 * MIN + 1000, { status: 'failed', condition: 'RetriesExhausted', attempts: 3 }),
    run(slots[1] + 1000),
    run(slots[2] + 1000),
  ];
  expect(judge(job, runs, { judgeFrom: T0, now: slots[2] + graceMs(job) }).missed).toEqual([]);
});

test('with the job context the slot is known exactly; manual runs never stand in for a slot', () => {
  const job = reg({ scheduleContext: true, expression: 'cron(0 8 * * ? *)', rateAnchor: undefined });
  const day = 86_400_000;
  const slots = [0, 1, 2].map((d) => T0 + d * day + 8 * 60 * MIN);
  const runs = [
    run(slots[0] + 1000, { scheduledTime: new Date(slots[0]).toISOString() }),
    // Day 2's run never happened; a manual run ended that morning.
    run(slots[1] + 1000, { scheduledTime: new Date(slots[1] + 1000).toISOString(), trigger: 'manual' }),
    // Day 3's run ended late (after day 2's grace) but names its own slot.
    run(slots[2] + 20 * MIN, { scheduledTime: new Date(slots[2]).toISOString() }),
  ];
  expect(iso(judge(job, runs, { judgeFrom: T0, now: slots[2] + graceMs(job) }).missed)).toEqual(iso([slots[1]]));
});

test('slots before the registration (or the last schedule change) are never judged', () => {
  const job = reg({ since: new Date(T0 + 12 * MIN).toISOString() });
  expect(iso(judge(job, [], { judgeFrom: T0, now: T0 + 20 * MIN + graceMs(job) }).missed)).toEqual(
    iso([T0 + 15 * MIN, T0 + 20 * MIN]),
  );
});

test('an at() job: its one slot is missed once, and nothing else ever is', () => {
  const at = Date.parse('2030-03-31T01:30:00.000Z');
  const job = reg({ expression: 'at(2030-03-31T03:30:00)', timezone: 'Europe/Paris', rateAnchor: undefined });
  const grace = graceMs(job);
  expect(judge(job, [], { judgeFrom: at - MIN, now: at + grace - 1 }).missed).toEqual([]);
  expect(iso(judge(job, [], { judgeFrom: at - MIN, now: at + grace }).missed)).toEqual(iso([at]));
  expect(judge(job, [run(at + 1000)], { judgeFrom: at - MIN, now: at + grace }).missed).toEqual([]);
  expect(judge(job, [], { judgeFrom: at + grace, now: at + 365 * 86_400_000 }).missed).toEqual([]);
});

test('a disabled schedule is never missed', () => {
  const job = reg({ state: 'DISABLED' });
  expect(judge(job, [], { judgeFrom: T0, now: T0 + 86_400_000 }).missed).toEqual([]);
});

test('StartDate and EndDate: no slot before the start or after the end is ever expected, so none is missed', () => {
  const hour = 60 * MIN;
  const job = reg({
    expression: 'cron(0 * * * ? *)',
    rateAnchor: undefined,
    startDate: new Date(T0 + 3 * hour).toISOString(),
    endDate: new Date(T0 + 6 * hour).toISOString(),
  });
  const grace = graceMs(job);
  const day = { judgeFrom: T0, now: T0 + 24 * hour };
  // No run at all: exactly the four slots 03:00..06:00 (EndDate itself is a run time) are missed.
  expect(iso(judge(job, [], day).missed)).toEqual(iso([3, 4, 5, 6].map((h) => T0 + h * hour)));
  expect(judge(job, [], day).judged).toBe(4);
  // Every slot in the dates ran, the third skipped: only it.
  const runs = [3, 4, 6].map((h) => run(T0 + h * hour + 1000));
  expect(iso(judge(job, runs, day).missed)).toEqual(iso([T0 + 5 * hour]));
  // A schedule whose EndDate has passed is never judged again.
  expect(judge(job, [], { judgeFrom: T0 + 6 * hour + grace, now: T0 + 30 * 24 * hour }).missed).toEqual([]);
  // rate() with a StartDate counts from it (the registrar anchors it there): 01:30, 02:30, 03:30 (grace 11 min).
  const rate = reg({
    expression: 'rate(1 hour)',
    rateAnchor: undefined,
    startDate: new Date(T0 + 90 * MIN).toISOString(),
  });
  expect(iso(judge(rate, [], { judgeFrom: T0, now: T0 + 4 * hour }).missed)).toEqual(
    iso([90, 150, 210].map((m) => T0 + m * MIN)),
  );
});

test('a flexible window: a run that started late within it counts for its slot; a slot is missed only after the window too', () => {
  const window = 15;
  const hour = 60 * MIN;
  for (const scheduleContext of [false, true]) {
    const job = reg({ expression: 'rate(1 hour)', flexibleWindowMinutes: window, scheduleContext });
    const grace = graceMs(job);
    expect(grace).toBe(window * MIN + 3 * 60_000 + 3 * MIN + 5 * MIN);
    const slots = [1, 2, 3, 4].map((h) => T0 + h * hour);
    // Each run starts up to 14 minutes late and ends a minute later; the third slot's run never happens.
    const runs = slots
      .filter((_, i) => i !== 2)
      .map((s, i) =>
        run(s + (14 - i) * MIN + MIN, scheduleContext ? { scheduledTime: new Date(s).toISOString() } : {}),
      );
    // Before the third slot's grace (which includes the window) has passed: nothing.
    expect(judge(job, runs, { judgeFrom: T0, now: slots[2] + grace - 1 }).missed).toEqual([]);
    expect(iso(judge(job, runs, { judgeFrom: T0, now: slots[3] + grace }).missed)).toEqual(iso([slots[2]]));
  }
});

test('with the job context, a scheduledTime up to the flexible window after its slot still names that slot', () => {
  const hour = 60 * MIN;
  const job = reg({
    expression: 'cron(0 * * * ? *)',
    rateAnchor: undefined,
    flexibleWindowMinutes: 20,
    scheduleContext: true,
  });
  const slots = [1, 2, 3].map((h) => T0 + h * hour);
  const runs = [
    run(slots[0] + 1000, { scheduledTime: new Date(slots[0]).toISOString() }),
    // Should the Scheduler ever name the time it actually invoked within the window:
    run(slots[1] + 18 * MIN, { scheduledTime: new Date(slots[1] + 17 * MIN).toISOString() }),
    // A scheduledTime past the window names no slot: the third slot is missed.
    run(slots[2] + 40 * MIN, { scheduledTime: new Date(slots[2] + 39 * MIN).toISOString() }),
  ];
  expect(iso(judge(job, runs, { judgeFrom: T0, now: slots[2] + graceMs(job) }).missed)).toEqual(iso([slots[2]]));
});

test('a disabled schedule, and a disabled at() job, are never missed however long the window', () => {
  expect(
    judge(reg({ state: 'DISABLED', expression: 'cron(0 8 * * ? *)', rateAnchor: undefined }), [], {
      judgeFrom: T0,
      now: T0 + 30 * 86_400_000,
    }).judged,
  ).toBe(0);
  expect(
    judge(reg({ state: 'DISABLED', expression: 'at(2030-01-01T08:00:00)', rateAnchor: undefined }), [], {
      judgeFrom: T0,
      now: T0 + 86_400_000,
    }).missed,
  ).toEqual([]);
});
