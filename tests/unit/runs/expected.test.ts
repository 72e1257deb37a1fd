/** Expected fire times, as EventBridge Scheduler fires them (the adapter over the shared schedule engine). */
import { expectedFireTimes, type ScheduleSpec } from '../../../functions/common/runs/expected';

const iso = (ts: number[]) => ts.map((t) => new Date(t).toISOString());
const spec = (over: Partial<ScheduleSpec>): ScheduleSpec => ({
  expression: 'rate(5 minutes)',
  timezone: 'UTC',
  state: 'ENABLED',
  flexibleWindowMinutes: 0,
  ...over,
});
const window = (from: string, until: string) => [Date.parse(from), Date.parse(until)] as const;

test('cron in Europe/Paris across the spring DST change: the 02:30 that does not exist is skipped', () => {
  const s = spec({ expression: 'cron(30 2 * * ? *)', timezone: 'Europe/Paris' });
  expect(iso(expectedFireTimes(s, ...window('2030-03-29T00:00:00Z', '2030-04-02T00:00:00Z')))).toEqual([
    '2030-03-29T01:30:00.000Z',
    '2030-03-30T01:30:00.000Z',
    // 2030-03-31: clocks jump from 02:00 to 03:00
    '2030-04-01T00:30:00.000Z',
  ]);
});

test('cron in Europe/Paris across the autumn DST change: the 02:30 that happens twice runs once, the first time', () => {
  const s = spec({ expression: 'cron(30 2 * * ? *)', timezone: 'Europe/Paris' });
  expect(iso(expectedFireTimes(s, ...window('2030-10-26T00:00:00Z', '2030-10-29T00:00:00Z')))).toEqual([
    '2030-10-26T00:30:00.000Z',
    '2030-10-27T00:30:00.000Z',
    '2030-10-28T01:30:00.000Z',
  ]);
});

test('at() fires once, in its zone, if the window holds it', () => {
  const s = spec({ expression: 'at(2030-03-31T03:30:00)', timezone: 'Europe/Paris' });
  expect(iso(expectedFireTimes(s, ...window('2030-03-01T00:00:00Z', '2030-04-01T00:00:00Z')))).toEqual([
    '2030-03-31T01:30:00.000Z',
  ]);
  expect(expectedFireTimes(s, ...window('2030-03-31T01:30:00.001Z', '2030-04-01T00:00:00Z'))).toEqual([]);
});

test('rate() counts from its anchor; StartDate and EndDate bound the window; DISABLED never fires', () => {
  const anchor = '2030-01-01T00:02:30.000Z';
  const s = spec({ rateAnchor: anchor });
  expect(iso(expectedFireTimes(s, ...window('2030-01-01T00:10:00Z', '2030-01-01T00:25:00Z')))).toEqual([
    '2030-01-01T00:12:30.000Z',
    '2030-01-01T00:17:30.000Z',
    '2030-01-01T00:22:30.000Z',
  ]);
  expect(
    iso(
      expectedFireTimes(
        { ...s, endDate: '2030-01-01T00:17:30.000Z' },
        ...window('2030-01-01T00:10:00Z', '2030-01-01T01:00:00Z'),
      ),
    ),
  ).toEqual(['2030-01-01T00:12:30.000Z', '2030-01-01T00:17:30.000Z']);
  const started = spec({ startDate: '2030-01-01T06:00:00.000Z', expression: 'rate(1 hour)' });
  expect(iso(expectedFireTimes(started, ...window('2030-01-01T00:00:00Z', '2030-01-01T08:00:01Z')))).toEqual([
    '2030-01-01T06:00:00.000Z',
    '2030-01-01T07:00:00.000Z',
    '2030-01-01T08:00:00.000Z',
  ]);
  expect(
    expectedFireTimes({ ...s, state: 'DISABLED' }, ...window('2030-01-01T00:00:00Z', '2030-02-01T00:00:00Z')),
  ).toEqual([]);
  expect(() => expectedFireTimes(spec({}), 0, 1)).toThrow(/time it was created \(anchor\)/);
});

test('a long window of a frequent cron is complete and ascending', () => {
  const s = spec({ expression: 'cron(*/10 * * * ? *)' });
  const times = expectedFireTimes(s, ...window('2030-01-01T00:00:00Z', '2030-01-08T00:00:00Z'));
  expect(times.length).toBe(7 * 24 * 6);
  expect(times.every((t, i) => i === 0 || t - times[i - 1] === 600_000)).toBe(true);
});
