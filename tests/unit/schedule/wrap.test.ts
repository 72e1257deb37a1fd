/**
 * Ranges that wrap around, beyond semantics.test.ts: the values each wrapped field stands for, a whole week of AWS's
 * own `cron(0/30 20-2 ? * MON-FRI *)`, a wrapped day-of-month in February, and fire times across midnight and
 * daylight saving time (Europe/Paris, New York, Sydney, Lord Howe's half-hour shift, Kolkata) checked against a
 * brute-force oracle that looks at every minute of the window.
 */
import { type CronSpec, firesBetween, formatRun, nextRuns, parseSchedule } from '../../../functions/common/schedule';

const spec = (expression: string): CronSpec => {
  const s = parseSchedule(expression);
  if (s.type !== 'cron') throw new Error(`${expression} is not a cron expression`);
  return s.spec;
};
const runs = (expression: string, timezone: string, count: number, from: string) =>
  nextRuns(expression, timezone, count, new Date(from)).map((d) => formatRun(d, timezone));

describe('wrap-around ranges are accepted and mean what Quartz and AWS mean', () => {
  test.each([
    ['cron(0 20-2 * * ? *)', 'hours', [0, 1, 2, 20, 21, 22, 23]],
    ['cron(0 20-2/2 * * ? *)', 'hours', [0, 2, 20, 22]],
    ['cron(0 22-1/2 * * ? *)', 'hours', [0, 22]],
    ['cron(50-10 * * * ? *)', 'minutes', [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59]],
    ['cron(45-15/10 * * * ? *)', 'minutes', [5, 15, 45, 55]],
    ['cron(0 9 ? NOV-FEB * *)', 'months', [1, 2, 11, 12]],
    ['cron(0 9 ? 11-2/2 * *)', 'months', [1, 11]],
  ] as const)('%s: %s %j', (expression, field, values) => {
    expect(spec(expression)[field]).toEqual(values);
  });

  test('day-of-week FRI-MON, SAT-SUN and 6-2; day-of-month 28-3', () => {
    expect(spec('cron(0 9 ? * FRI-MON *)').dayOfWeek).toEqual({ kind: 'days', days: [1, 2, 6, 7] });
    expect(spec('cron(0 9 ? * 6-2 *)').dayOfWeek).toEqual({ kind: 'days', days: [1, 2, 6, 7] });
    expect(spec('cron(0 9 ? * SAT-SUN *)').dayOfWeek).toEqual({ kind: 'days', days: [1, 7] });
    expect(spec('cron(0 0 28-3 * ? *)').dayOfMonth).toEqual({ kind: 'days', days: [1, 2, 3, 28, 29, 30, 31] });
    expect(spec('cron(0 0 30-2/2 * ? *)').dayOfMonth).toEqual({ kind: 'days', days: [1, 30] });
  });
});

describe("AWS's documented example cron(0/30 20-2 ? * MON-FRI *), field by field", () => {
  const example = 'cron(0/30 20-2 ? * MON-FRI *)';

  test('a whole week: 14 runs a weekday, none on Saturday or Sunday', () => {
    const fires = [
      ...firesBetween(
        example,
        { timezone: 'Europe/Paris' },
        new Date('2026-12-06T23:00:00Z'), // Mon 2026-12-07 00:00 in Paris
        new Date('2026-12-13T23:00:00Z'), // Mon 2026-12-14 00:00 in Paris
      ),
    ].map((d) => formatRun(d, 'Europe/Paris'));
    expect(fires).toHaveLength(5 * 14);
    const perDay = new Map<string, number>();
    for (const f of fires) perDay.set(f.slice(0, 3), (perDay.get(f.slice(0, 3)) ?? 0) + 1);
    expect(Object.fromEntries(perDay)).toEqual({ Mon: 14, Tue: 14, Wed: 14, Thu: 14, Fri: 14 });
    expect(fires.filter((f) => f.startsWith('Tue')).map((f) => f.slice(15, 20))).toEqual([
      '00:00',
      '00:30',
      '01:00',
      '01:30',
      '02:00',
      '02:30',
      '20:00',
      '20:30',
      '21:00',
      '21:30',
      '22:00',
      '22:30',
      '23:00',
      '23:30',
    ]);
  });
});

describe('a wrapped day-of-month', () => {
  test('day-of-month 28-3 in February of a common year: 28, then 1-3 of March (no 29-31)', () => {
    expect(runs('cron(0 0 28-3 * ? *)', 'UTC', 5, '2027-02-27T00:00:00Z')).toEqual([
      'Sun 2027-02-28 00:00 UTC',
      'Mon 2027-03-01 00:00 UTC',
      'Tue 2027-03-02 00:00 UTC',
      'Wed 2027-03-03 00:00 UTC',
      'Sun 2027-03-28 00:00 UTC',
    ]);
  });
});

/**
 * The oracle: every whole minute of the window, its wall-clock fields in the zone read with a DateTimeFormat of its
 * own, matched field by field; a wall-clock time seen twice (clocks fall back) counts once, at the first.
 */
function oracle(s: CronSpec, timezone: string, from: Date, until: Date): string[] {
  const f = new Intl.DateTimeFormat('en-US', {
    timeZone: timezone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    weekday: 'short',
  });
  const dows = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const seen = new Set<string>();
  const out: string[] = [];
  for (let t = Math.ceil(from.getTime() / 60000) * 60000; t < until.getTime(); t += 60000) {
    const p = Object.fromEntries(f.formatToParts(new Date(t)).map((x) => [x.type, x.value]));
    const [y, mo, d, h, mi] = [p.year, p.month, p.day, p.hour, p.minute].map(Number);
    const dow = dows.indexOf(p.weekday) + 1;
    const wall = `${y}-${mo}-${d} ${h}:${mi}`;
    const dayOk =
      s.dayOfMonth.kind === 'days'
        ? s.dayOfMonth.days.includes(d)
        : s.dayOfWeek.kind === 'days'
          ? s.dayOfWeek.days.includes(dow)
          : false;
    if (s.minutes.includes(mi) && s.hours.includes(h) && s.months.includes(mo) && s.years.includes(y) && dayOk) {
      if (!seen.has(wall)) out.push(new Date(t).toISOString());
    }
    seen.add(wall);
  }
  return out;
}

describe('fire times agree with a minute-by-minute oracle', () => {
  const cases: [string, string, string][] = [
    // [expression, zone, window start; each window is 9 days]
    ['cron(0/30 20-2 ? * MON-FRI *)', 'Europe/Paris', '2026-03-24T00:00:00Z'],
    ['cron(0/30 20-2 ? * MON-FRI *)', 'Europe/Paris', '2026-10-20T00:00:00Z'],
    ['cron(15 22-3/2 ? * FRI-MON *)', 'America/New_York', '2026-03-05T00:00:00Z'],
    ['cron(15 22-3/2 ? * FRI-MON *)', 'America/New_York', '2026-10-29T00:00:00Z'],
    ['cron(50-10/5 1-3 28-3 * ? *)', 'Australia/Sydney', '2026-03-30T00:00:00Z'],
    ['cron(50-10/5 1-3 28-3 * ? *)', 'Australia/Sydney', '2026-09-29T00:00:00Z'],
    ['cron(0,45 0-1 ? * SAT-SUN *)', 'Australia/Lord_Howe', '2026-04-01T00:00:00Z'],
    ['cron(*/20 23-1 * DEC-JAN ? 2026-2027)', 'Asia/Kolkata', '2026-12-27T00:00:00Z'],
  ];

  test.each(cases)('%s in %s, 9 days from %s', (expression, timezone, start) => {
    const from = new Date(start);
    const until = new Date(from.getTime() + 9 * 86_400_000);
    const expected = oracle(spec(expression), timezone, from, until);
    expect(expected.length).toBeGreaterThan(5);
    const got = [...firesBetween(expression, { timezone }, from, until)].map((d) => d.toISOString());
    expect(got).toEqual(expected);
  });
});
