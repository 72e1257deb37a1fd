/**
 * firesBetween and runsAfter, beyond semantics.test.ts: checks made at the call, laziness, a parsed schedule as
 * input, the rate phase long after its anchor and across daylight saving time, the shape of a year of cron fires in
 * a zone with DST, and runsAfter near its answer's edges (where the zone decides) and far from them.
 */
import {
  type FireOptions,
  firesBetween,
  formatRun,
  parseSchedule,
  runsAfter,
  ScheduleError,
} from '../../../functions/common/schedule';

const D = (iso: string) => new Date(iso);
const fires = (expression: string, options: FireOptions, from: string, until: string) =>
  [...firesBetween(expression, options, D(from), D(until))].map((d) => d.toISOString().replace('.000Z', 'Z'));

describe('firesBetween: checks and laziness', () => {
  const from = D('2026-01-01T00:00:00Z');

  test('bad input fails at the call, with a ScheduleError, before any fire is read', () => {
    expect(() => firesBetween('cron(0 12 * * * *)', {}, from, from)).toThrow(ScheduleError);
    expect(() => firesBetween('cron(0 12 * * ? *)', { timezone: 'Mars/Olympus' }, from, from)).toThrow(
      /not an IANA time zone name/,
    );
    expect(() => firesBetween(parseSchedule('cron(0 12 * * ? *)'), { timezone: '' }, from, from)).toThrow(
      /time zone is empty/,
    );
    expect(() => firesBetween('cron(0 12 * * ? *)', {}, D('nonsense'), from)).toThrow(
      'the window start is not a valid date',
    );
    expect(() => firesBetween('cron(0 12 * * ? *)', { state: 'PAUSED' as 'DISABLED' }, from, from)).toThrow(
      'state "PAUSED" must be ENABLED or DISABLED',
    );
    expect(() => firesBetween('rate(1 hour)', {}, from, from)).toThrow(/give its StartDate or the time it was created/);
  });

  test('an open-ended window is computed only as far as it is read', () => {
    const it = firesBetween('cron(* * * * ? *)', {}, from, D('2199-12-31T00:00:00Z'));
    const first = [it.next().value, it.next().value].map((d) => (d as Date).toISOString());
    expect(first).toEqual(['2026-01-01T00:00:00.000Z', '2026-01-01T00:01:00.000Z']);
  });

  test('takes a parsed schedule as well as an expression', () => {
    const parsed = parseSchedule('cron(30 8 ? * MON *)');
    expect(
      [...firesBetween(parsed, { timezone: 'Asia/Tokyo' }, from, D('2026-01-13T00:00:00Z'))].map((d) =>
        formatRun(d, 'Asia/Tokyo'),
      ),
    ).toEqual(['Mon 2026-01-05 08:30 Asia/Tokyo', 'Mon 2026-01-12 08:30 Asia/Tokyo']);
  });

  test('accepts a Date made in another realm (an iframe, a vm context)', () => {
    const foreign = require('node:vm').runInNewContext('new Date("2026-01-01T10:00:00Z")') as Date;
    expect(foreign instanceof Date).toBe(false);
    expect(fires('cron(0 11 * * ? *)', {}, foreign.toISOString(), '2026-01-02T00:00:00Z')).toEqual([
      '2026-01-01T11:00:00Z',
    ]);
    expect([...firesBetween('cron(0 11 * * ? *)', {}, foreign, D('2026-01-02T00:00:00Z'))]).toHaveLength(1);
  });
});

describe('firesBetween: the rate phase', () => {
  test('a window years after the anchor starts on the phase, without counting from the anchor one by one', () => {
    // 2020-01-01T00:00:03Z + k x 7 min: 3,373,920 minutes to 2026-06-01, the next multiple of 7 is 3 minutes later.
    expect(
      fires('rate(7 minutes)', { anchor: D('2020-01-01T00:00:03Z') }, '2026-06-01T00:00:00Z', '2026-06-01T00:15:00Z'),
    ).toEqual(['2026-06-01T00:03:03Z', '2026-06-01T00:10:03Z']);
  });

  test('rate() ignores the zone and daylight saving time: a day is 24 hours', () => {
    expect(
      fires(
        'rate(1 day)',
        { timezone: 'Europe/Paris', anchor: D('2026-03-28T08:00:00Z') },
        '2026-03-28T00:00:00Z',
        '2026-03-31T00:00:00Z',
      ),
    ).toEqual(['2026-03-28T08:00:00Z', '2026-03-29T08:00:00Z', '2026-03-30T08:00:00Z']);
  });
});

describe('firesBetween: a year of cron(*/5 * * * ? *) in Europe/Paris', () => {
  test('no fire in the spring-forward hour, the repeated autumn hour once, every other fire 5 minutes apart', () => {
    let n = 0;
    const gaps = new Map<number, number>();
    let previous = -1;
    for (const d of firesBetween(
      'cron(*/5 * * * ? *)',
      { timezone: 'Europe/Paris' },
      D('2026-01-01T00:00:00Z'),
      D('2027-01-01T00:00:00Z'),
    )) {
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

describe('runsAfter', () => {
  const now = D('2026-06-01T00:00:00Z');
  test.each([
    ['cron(0 12 * * ? *)', 'UTC', true],
    ['cron(0 12 * * ? 2020-2025)', 'UTC', false],
    ['cron(0 12 * * ? 2020-2026)', 'UTC', true],
    ['cron(0 0 1 1 ? 2026)', 'Europe/Paris', false],
    ['cron(0 0 31 5 ? 2026)', 'UTC', false],
    // Within a day of `now`, the zone decides: 01:00 in Paris on 1 June is 23:00Z the day before.
    ['cron(0 1 1 6 ? 2026)', 'Europe/Paris', false],
    ['cron(0 3 1 6 ? 2026)', 'Europe/Paris', true],
    ['cron(0 0 29 2 ? 2024,2100)', 'UTC', false], // 2100 is not a leap year
    ['cron(0 0 29 2 ? 2024,2104)', 'UTC', true],
    ['cron(0 0 ? 2 6#5 2027-2199)', 'Asia/Tokyo', true], // Friday 29 February 2036
    ['at(2026-06-01T01:00:00)', 'Europe/Paris', false],
    ['at(2026-06-01T03:00:00)', 'Europe/Paris', true],
    ['at(2030-01-01T00:00:00)', 'Asia/Tokyo', true],
  ] as const)('%s in %s: %s', (expression, timezone, expected) => {
    expect(runsAfter(expression, timezone, now)).toBe(expected);
  });
});
