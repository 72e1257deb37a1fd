/**
 * firesBetween: every expected fire time in a window, as a watchdog or a simulator needs it (StartDate, EndDate,
 * state, at(), a rate's anchor), and hasRunAfter, the macro's "will it ever fire again".
 */
import {
  firesBetween,
  formatRun,
  hasRunAfter,
  parseSchedule,
  ScheduleError,
  type ScheduleSettings,
} from '../../../functions/common/schedule';

const D = (iso: string) => new Date(iso);
const fires = (expression: string, settings: ScheduleSettings, from: string, until: string) =>
  [...firesBetween(expression, settings, D(from), D(until))].map((d) => d.toISOString().replace('.000Z', 'Z'));

describe('firesBetween: the window', () => {
  test('is half-open: from is included, until is not, so consecutive windows count each fire once', () => {
    expect(fires('cron(0 * * * ? *)', {}, '2026-01-01T10:00:00Z', '2026-01-01T12:00:00Z')).toEqual([
      '2026-01-01T10:00:00Z',
      '2026-01-01T11:00:00Z',
    ]);
    const whole = fires(
      'cron(*/7 * * * ? *)',
      { timezone: 'Europe/Paris' },
      '2026-03-28T00:00:00Z',
      '2026-03-30T00:00:00Z',
    );
    const parts = [
      ...fires('cron(*/7 * * * ? *)', { timezone: 'Europe/Paris' }, '2026-03-28T00:00:00Z', '2026-03-29T00:56:00Z'),
      ...fires('cron(*/7 * * * ? *)', { timezone: 'Europe/Paris' }, '2026-03-29T00:56:00Z', '2026-03-30T00:00:00Z'),
    ];
    expect(parts).toEqual(whole);
    expect(new Set(whole).size).toBe(whole.length);
  });

  test('an empty or reversed window has no fires', () => {
    expect(
      fires('rate(1 minute)', { createdAt: D('2026-01-01T00:00:00Z') }, '2026-01-02T00:00:00Z', '2026-01-02T00:00:00Z'),
    ).toEqual([]);
    expect(fires('cron(* * * * ? *)', {}, '2026-01-02T00:00:00Z', '2026-01-01T00:00:00Z')).toEqual([]);
  });

  test('is lazy: an open-ended window is read only as far as asked', () => {
    const it = firesBetween('cron(* * * * ? *)', {}, D('2026-01-01T00:00:00Z'), D('2199-12-31T00:00:00Z'));
    const first = [it.next().value, it.next().value].map((d) => (d as Date).toISOString());
    expect(first).toEqual(['2026-01-01T00:00:00.000Z', '2026-01-01T00:01:00.000Z']);
  });

  test('bad input fails at the call, with a ScheduleError', () => {
    const from = D('2026-01-01T00:00:00Z');
    expect(() => firesBetween('cron(0 12 * * * *)', {}, from, from)).toThrow(ScheduleError);
    expect(() => firesBetween('cron(0 12 * * ? *)', { timezone: 'Mars/Olympus' }, from, from)).toThrow(
      /not an IANA time zone name/,
    );
    expect(() => firesBetween('cron(0 12 * * ? *)', { timezone: '' }, from, from)).toThrow(/time zone is empty/);
    expect(() => firesBetween('cron(0 12 * * ? *)', {}, D('nonsense'), from)).toThrow('from is not a valid date');
    expect(() => firesBetween('cron(0 12 * * ? *)', { state: 'PAUSED' as 'DISABLED' }, from, from)).toThrow(
      'state "PAUSED" must be ENABLED or DISABLED',
    );
  });

  test('takes a parsed schedule as well as an expression', () => {
    const parsed = parseSchedule('cron(30 8 ? * MON *)');
    expect(
      [...firesBetween(parsed, { timezone: 'Asia/Tokyo' }, D('2026-01-01T00:00:00Z'), D('2026-01-13T00:00:00Z'))].map(
        (d) => formatRun(d, 'Asia/Tokyo'),
      ),
    ).toEqual(['Mon 2026-01-05 08:30 Asia/Tokyo', 'Mon 2026-01-12 08:30 Asia/Tokyo']);
  });
});

describe('firesBetween: StartDate, EndDate, state', () => {
  const window = ['2026-01-01T00:00:00Z', '2026-01-08T00:00:00Z'] as const;

  test('a cron schedule fires from StartDate (included) to EndDate (included)', () => {
    expect(
      fires(
        'cron(0 12 * * ? *)',
        { startDate: D('2026-01-03T12:00:00Z'), endDate: D('2026-01-05T12:00:00Z') },
        ...window,
      ),
    ).toEqual(['2026-01-03T12:00:00Z', '2026-01-04T12:00:00Z', '2026-01-05T12:00:00Z']);
    expect(fires('cron(0 12 * * ? *)', { startDate: D('2026-01-06T12:00:01Z') }, ...window)).toEqual([
      '2026-01-07T12:00:00Z',
    ]);
  });

  test('DISABLED never fires; ENABLED is the default', () => {
    expect(fires('cron(0 12 * * ? *)', { state: 'DISABLED' }, ...window)).toEqual([]);
    expect(fires('at(2026-01-02T09:00:00)', { state: 'DISABLED' }, ...window)).toEqual([]);
    expect(fires('cron(0 12 * * ? *)', { state: 'ENABLED' }, ...window)).toHaveLength(7);
  });

  test('at() fires once, in its zone, and ignores StartDate and EndDate as Scheduler does', () => {
    const at = 'at(2026-01-02T09:00:00)';
    expect(fires(at, { timezone: 'Europe/Paris' }, ...window)).toEqual(['2026-01-02T08:00:00Z']);
    expect(
      fires(
        at,
        { timezone: 'Europe/Paris', startDate: D('2026-01-05T00:00:00Z'), endDate: D('2026-01-01T00:00:00Z') },
        ...window,
      ),
    ).toEqual(['2026-01-02T08:00:00Z']);
    expect(fires(at, { timezone: 'Europe/Paris' }, '2026-01-02T08:00:01Z', '2026-01-08T00:00:00Z')).toEqual([]);
  });
});

describe('firesBetween: rate() is anchored at its start', () => {
  test('no StartDate: the first fire is when it was created, then every interval', () => {
    expect(
      fires('rate(2 hours)', { createdAt: D('2026-01-01T09:17:30Z') }, '2026-01-01T00:00:00Z', '2026-01-01T16:00:00Z'),
    ).toEqual(['2026-01-01T09:17:30Z', '2026-01-01T11:17:30Z', '2026-01-01T13:17:30Z', '2026-01-01T15:17:30Z']);
  });

  test('with StartDate: its phase comes from StartDate, whatever the creation time', () => {
    expect(
      fires(
        'rate(2 hours)',
        { startDate: D('2026-01-01T10:05:00Z'), createdAt: D('2025-12-01T00:00:00Z') },
        '2026-01-01T00:00:00Z',
        '2026-01-01T15:00:00Z',
      ),
    ).toEqual(['2026-01-01T10:05:00Z', '2026-01-01T12:05:00Z', '2026-01-01T14:05:00Z']);
  });

  test('a window long after the anchor starts on the phase, without counting from the anchor one by one', () => {
    expect(
      fires(
        'rate(7 minutes)',
        { createdAt: D('2020-01-01T00:00:03Z') },
        '2026-06-01T00:00:00Z',
        '2026-06-01T00:15:00Z',
      ),
    ).toEqual(['2026-06-01T00:03:03Z', '2026-06-01T00:10:03Z']);
  });

  test('rate() ignores the zone and daylight saving time: a day is 24 hours', () => {
    expect(
      fires(
        'rate(1 day)',
        { timezone: 'Europe/Paris', createdAt: D('2026-03-28T08:00:00Z') },
        '2026-03-28T00:00:00Z',
        '2026-03-31T00:00:00Z',
      ),
    ).toEqual(['2026-03-28T08:00:00Z', '2026-03-29T08:00:00Z', '2026-03-30T08:00:00Z']);
  });

  test('EndDate stops it; no anchor at all is refused, naming both ways to give one', () => {
    expect(
      fires(
        'rate(1 hour)',
        { createdAt: D('2026-01-01T00:00:00Z'), endDate: D('2026-01-01T02:00:00Z') },
        '2026-01-01T00:00:00Z',
        '2026-01-02T00:00:00Z',
      ),
    ).toEqual(['2026-01-01T00:00:00Z', '2026-01-01T01:00:00Z', '2026-01-01T02:00:00Z']);
    expect(() => firesBetween('rate(1 hour)', {}, D('2026-01-01T00:00:00Z'), D('2026-01-02T00:00:00Z'))).toThrow(
      'a rate() schedule fires every interval from its start: give its startDate, or createdAt (when it was created)',
    );
  });
});

describe('firesBetween: a year of every-5-minutes fires in one linear pass', () => {
  const from = D('2026-01-01T00:00:00Z');
  const until = D('2027-01-01T00:00:00Z');

  test('rate(5 minutes): 105,120 fires exactly 5 minutes apart', () => {
    let n = 0;
    let previous = -1;
    let evenlySpaced = true;
    for (const d of firesBetween('rate(5 minutes)', { createdAt: from }, from, until)) {
      const t = d.getTime();
      if (previous >= 0 && t - previous !== 300_000) evenlySpaced = false;
      previous = t;
      n++;
    }
    expect(n).toBe(105_120);
    expect(evenlySpaced).toBe(true);
    expect(new Date(previous).toISOString()).toBe('2026-12-31T23:55:00.000Z');
  });

  test('cron(*/5 * * * ? *) in Europe/Paris: the spring-forward hour has no fires, the repeated hour runs once', () => {
    let n = 0;
    const gaps = new Map<number, number>();
    let previous = -1;
    for (const d of firesBetween('cron(*/5 * * * ? *)', { timezone: 'Europe/Paris' }, from, until)) {
      const t = d.getTime();
      if (previous >= 0) gaps.set(t - previous, (gaps.get(t - previous) ?? 0) + 1);
      previous = t;
      n++;
    }
    // 365 days x 288, less the 12 wall-clock times 02:00-02:55 that do not exist on 29 March.
    expect(n).toBe(105_120 - 12);
    // In real time the fires stay 5 minutes apart across March's jump (01:55 CET is 00:55Z, 03:00 CEST is 01:00Z);
    // in October the repeated 02:00-02:55 runs only once, so one gap is 65 minutes (02:55 CEST -> 03:00 CET).
    expect(Object.fromEntries(gaps)).toEqual({ 300000: n - 2, 3900000: 1 });
  });
});

describe('hasRunAfter', () => {
  const now = D('2026-06-01T00:00:00Z');
  test.each([
    ['rate(5 minutes)', undefined, true],
    ['cron(0 12 * * ? *)', undefined, true],
    ['cron(0 12 * * ? 2020-2025)', undefined, false],
    ['cron(0 12 * * ? 2020-2026)', undefined, true],
    ['cron(0 0 1 1 ? 2026)', 'Europe/Paris', false],
    ['cron(0 0 31 5 ? 2026)', 'UTC', false],
    ['cron(0 1 1 6 ? 2026)', 'Europe/Paris', false], // 01:00 in Paris is 23:00Z the day before
    ['cron(0 3 1 6 ? 2026)', 'Europe/Paris', true],
    ['cron(0 0 29 2 ? 2024,2100)', 'UTC', false], // 2100 is not a leap year
    ['cron(0 0 29 2 ? 2024,2104)', 'UTC', true],
    ['at(2020-01-01T00:00:00)', undefined, false],
    ['at(2026-06-01T01:00:00)', 'Europe/Paris', false],
    ['at(2026-06-01T03:00:00)', 'Europe/Paris', true],
    ['at(2030-01-01T00:00:00)', 'Asia/Tokyo', true],
  ] as const)('%s in %s: %s', (expression, timezone, expected) => {
    expect(hasRunAfter(expression, timezone, now)).toBe(expected);
  });

  test('refuses what validateSchedule refuses', () => {
    expect(() => hasRunAfter('cron(0 12 * * * *)', undefined, now)).toThrow(ScheduleError);
    expect(() => hasRunAfter('at(2030-01-01T00:00:00)', '', now)).toThrow(/time zone is empty/);
  });
});
