/**
 * Ranges that wrap around (AWS's own `cron(0/30 20-2 ? * MON-FRI *)`), in every cyclic field, with steps, across
 * midnight and daylight saving time, matched field by field; and the fire times checked against a brute-force
 * oracle that looks at every minute of the window.
 */
import {
  type CronSpec,
  firesBetween,
  formatRun,
  nextRuns,
  parseSchedule,
  ScheduleError,
  validateSchedule,
} from '../../../functions/common/schedule';

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

  test('years do not wrap: a backwards year range is refused, naming the range that works', () => {
    expect(() => validateSchedule('cron(0 0 1 1 ? 2030-2025)')).toThrow(ScheduleError);
    expect(() => validateSchedule('cron(0 0 1 1 ? 2030-2025)')).toThrow('write the earlier year first ("2025-2030")');
  });

  test('no message ever suggests writing the smaller value first (it changes the meaning)', () => {
    for (const e of ['cron(0 20-2 * * ? *)', 'cron(0 0 ? * SAT-MON *)', 'cron(0 0 1 DEC-JAN ? *)']) {
      expect(() => validateSchedule(e, 'Europe/Paris')).not.toThrow();
    }
    for (const bad of ['cron(0 20-2 * * * *)', 'cron(0 20-24 * * ? *)', 'cron(0 0 ? * SAT-MON/2 *)']) {
      let message = '';
      try {
        validateSchedule(bad);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).not.toBe('');
      expect(message).not.toMatch(/smaller value first/);
    }
  });
});

describe("AWS's documented example cron(0/30 20-2 ? * MON-FRI *), field by field", () => {
  const example = 'cron(0/30 20-2 ? * MON-FRI *)';

  test('Friday evening runs to 23:30; Saturday after midnight does not run; Monday 00:00-02:30 does', () => {
    // Fri 2026-12-04 at noon, Paris: the rest of Friday, then nothing before Monday.
    expect(runs(example, 'Europe/Paris', 16, '2026-12-04T11:00:00Z')).toEqual([
      'Fri 2026-12-04 20:00 Europe/Paris',
      'Fri 2026-12-04 20:30 Europe/Paris',
      'Fri 2026-12-04 21:00 Europe/Paris',
      'Fri 2026-12-04 21:30 Europe/Paris',
      'Fri 2026-12-04 22:00 Europe/Paris',
      'Fri 2026-12-04 22:30 Europe/Paris',
      'Fri 2026-12-04 23:00 Europe/Paris',
      'Fri 2026-12-04 23:30 Europe/Paris',
      'Mon 2026-12-07 00:00 Europe/Paris',
      'Mon 2026-12-07 00:30 Europe/Paris',
      'Mon 2026-12-07 01:00 Europe/Paris',
      'Mon 2026-12-07 01:30 Europe/Paris',
      'Mon 2026-12-07 02:00 Europe/Paris',
      'Mon 2026-12-07 02:30 Europe/Paris',
      'Mon 2026-12-07 20:00 Europe/Paris',
      'Mon 2026-12-07 20:30 Europe/Paris',
    ]);
  });

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

  test('in UTC (the rules of classic EventBridge) the same pattern, at the same wall-clock times', () => {
    expect(runs(example, 'UTC', 3, '2026-12-05T00:00:00Z')).toEqual([
      'Mon 2026-12-07 00:00 UTC',
      'Mon 2026-12-07 00:30 UTC',
      'Mon 2026-12-07 01:00 UTC',
    ]);
  });
});

describe('wrapped ranges across midnight and daylight saving time in Europe/Paris', () => {
  test('spring forward (Sun 2026-03-29, 02:00 -> 03:00): 02:00 and 02:30 do not exist and do not run', () => {
    expect(runs('cron(0/30 22-2 * * ? *)', 'Europe/Paris', 12, '2026-03-28T20:00:00Z')).toEqual([
      'Sat 2026-03-28 22:00 Europe/Paris',
      'Sat 2026-03-28 22:30 Europe/Paris',
      'Sat 2026-03-28 23:00 Europe/Paris',
      'Sat 2026-03-28 23:30 Europe/Paris',
      'Sun 2026-03-29 00:00 Europe/Paris',
      'Sun 2026-03-29 00:30 Europe/Paris',
      'Sun 2026-03-29 01:00 Europe/Paris',
      'Sun 2026-03-29 01:30 Europe/Paris',
      'Sun 2026-03-29 22:00 Europe/Paris',
      'Sun 2026-03-29 22:30 Europe/Paris',
      'Sun 2026-03-29 23:00 Europe/Paris',
      'Sun 2026-03-29 23:30 Europe/Paris',
    ]);
    const utc = nextRuns('cron(0/30 22-2 * * ? *)', 'Europe/Paris', 8, new Date('2026-03-28T20:00:00Z')).map((d) =>
      d.toISOString(),
    );
    expect(utc.slice(3, 8)).toEqual([
      '2026-03-28T22:30:00.000Z', // 23:30 CET
      '2026-03-28T23:00:00.000Z', // 00:00 CET
      '2026-03-28T23:30:00.000Z',
      '2026-03-29T00:00:00.000Z', // 01:00 CET
      '2026-03-29T00:30:00.000Z', // 01:30 CET, then the clocks jump to 03:00 CEST
    ]);
  });

  test('fall back (Sun 2026-10-25, 03:00 -> 02:00): the repeated 02:00 and 02:30 run once, at the first', () => {
    const fires = nextRuns('cron(0/30 23-2 * * ? *)', 'Europe/Paris', 10, new Date('2026-10-24T20:00:00Z'));
    expect(fires.map((d) => `${formatRun(d, 'Europe/Paris')} = ${d.toISOString().slice(11, 16)}Z`)).toEqual([
      'Sat 2026-10-24 23:00 Europe/Paris = 21:00Z',
      'Sat 2026-10-24 23:30 Europe/Paris = 21:30Z',
      'Sun 2026-10-25 00:00 Europe/Paris = 22:00Z',
      'Sun 2026-10-25 00:30 Europe/Paris = 22:30Z',
      'Sun 2026-10-25 01:00 Europe/Paris = 23:00Z',
      'Sun 2026-10-25 01:30 Europe/Paris = 23:30Z',
      'Sun 2026-10-25 02:00 Europe/Paris = 00:00Z', // 02:00 CEST; not again at 02:00 CET (01:00Z)
      'Sun 2026-10-25 02:30 Europe/Paris = 00:30Z',
      'Sun 2026-10-25 23:00 Europe/Paris = 22:00Z',
      'Sun 2026-10-25 23:30 Europe/Paris = 22:30Z',
    ]);
  });

  test('a step on a wrapped range: 20-2/2 runs at 20:00, 22:00, 00:00 and 02:00', () => {
    expect(runs('cron(0 20-2/2 * * ? *)', 'Europe/Paris', 6, '2026-12-01T12:00:00Z')).toEqual([
      'Tue 2026-12-01 20:00 Europe/Paris',
      'Tue 2026-12-01 22:00 Europe/Paris',
      'Wed 2026-12-02 00:00 Europe/Paris',
      'Wed 2026-12-02 02:00 Europe/Paris',
      'Wed 2026-12-02 20:00 Europe/Paris',
      'Wed 2026-12-02 22:00 Europe/Paris',
    ]);
  });

  test('months NOV-FEB: from the end of February straight to November, and on through the new year', () => {
    expect(runs('cron(0 9 1 NOV-FEB ? *)', 'Europe/Paris', 5, '2026-02-15T00:00:00Z')).toEqual([
      'Sun 2026-11-01 09:00 Europe/Paris',
      'Tue 2026-12-01 09:00 Europe/Paris',
      'Fri 2027-01-01 09:00 Europe/Paris',
      'Mon 2027-02-01 09:00 Europe/Paris',
      'Mon 2027-11-01 09:00 Europe/Paris',
    ]);
  });

  test('day-of-week FRI-MON: Friday, Saturday, Sunday and Monday, never Tuesday to Thursday', () => {
    expect(runs('cron(0 9 ? * FRI-MON *)', 'Europe/Paris', 6, '2026-12-01T00:00:00Z')).toEqual([
      'Fri 2026-12-04 09:00 Europe/Paris',
      'Sat 2026-12-05 09:00 Europe/Paris',
      'Sun 2026-12-06 09:00 Europe/Paris',
      'Mon 2026-12-07 09:00 Europe/Paris',
      'Fri 2026-12-11 09:00 Europe/Paris',
      'Sat 2026-12-12 09:00 Europe/Paris',
    ]);
  });

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
