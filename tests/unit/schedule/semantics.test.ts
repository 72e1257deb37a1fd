/**
 * The schedule engine against AWS's documented semantics: wrap-around ranges, field-by-field matching, daylight
 * saving time, windows of expected fires (StartDate, EndDate, DISABLED, at(), the rate anchor), one rule for an
 * empty time zone in the macro and the CLI, spent schedules, run times with their weekday, descriptions.
 */
import { run as cli } from '../../../cli/schedule';
import {
  describeSchedule,
  firesBetween,
  formatRun,
  nextRuns,
  runsAfter,
  ScheduleError,
  validateSchedule,
} from '../../../functions/common/schedule';
import { handler } from '../../../functions/macro/index';
import { transform } from '../../../functions/macro/transform';
import type { Template } from '../../../tooling/cfn-yaml';

const iso = (dates: Date[]) => dates.map((d) => d.toISOString().replace('.000Z', 'Z'));
const local = (dates: Date[], tz: string) => dates.map((d) => formatRun(d, tz));
const at = (text: string) => new Date(text);

describe('wrap-around ranges', () => {
  test("AWS's documented cron(0/30 20-2 ? * MON-FRI *) runs 20:00 to 02:30 on weekday dates, field by field", () => {
    // Friday 2026-03-06 noon UTC to the next Tuesday: Friday evening, nothing on the weekend (Saturday 00:00-02:30
    // is a Saturday, not MON-FRI), then Monday 00:00-02:30 and Monday evening.
    const runs = nextRuns('cron(0/30 20-2 ? * MON-FRI *)', 'UTC', 22, at('2026-03-06T12:00:00Z'));
    expect(local(runs, 'UTC')).toEqual([
      'Fri 2026-03-06 20:00 UTC',
      'Fri 2026-03-06 20:30 UTC',
      'Fri 2026-03-06 21:00 UTC',
      'Fri 2026-03-06 21:30 UTC',
      'Fri 2026-03-06 22:00 UTC',
      'Fri 2026-03-06 22:30 UTC',
      'Fri 2026-03-06 23:00 UTC',
      'Fri 2026-03-06 23:30 UTC',
      'Mon 2026-03-09 00:00 UTC',
      'Mon 2026-03-09 00:30 UTC',
      'Mon 2026-03-09 01:00 UTC',
      'Mon 2026-03-09 01:30 UTC',
      'Mon 2026-03-09 02:00 UTC',
      'Mon 2026-03-09 02:30 UTC',
      'Mon 2026-03-09 20:00 UTC',
      'Mon 2026-03-09 20:30 UTC',
      'Mon 2026-03-09 21:00 UTC',
      'Mon 2026-03-09 21:30 UTC',
      'Mon 2026-03-09 22:00 UTC',
      'Mon 2026-03-09 22:30 UTC',
      'Mon 2026-03-09 23:00 UTC',
      'Mon 2026-03-09 23:30 UTC',
    ]);
  });

  test('a step counts on across the wrap: 20-2/2 is 20, 22, 0, 2', () => {
    const runs = nextRuns('cron(0 20-2/2 * * ? *)', 'UTC', 5, at('2026-01-01T12:00:00Z'));
    expect(iso(runs)).toEqual([
      '2026-01-01T20:00:00Z',
      '2026-01-01T22:00:00Z',
      '2026-01-02T00:00:00Z',
      '2026-01-02T02:00:00Z',
      '2026-01-02T20:00:00Z',
    ]);
  });

  test('wrapped hours across both daylight saving changes in Europe/Paris', () => {
    // 2026-03-29: 02:00 does not exist (clocks go to 03:00), so that run is skipped.
    const spring = nextRuns('cron(0 23-2 * * ? *)', 'Europe/Paris', 8, at('2026-03-28T12:00:00Z'));
    expect(local(spring, 'Europe/Paris')).toEqual([
      'Sat 2026-03-28 23:00 Europe/Paris',
      'Sun 2026-03-29 00:00 Europe/Paris',
      'Sun 2026-03-29 01:00 Europe/Paris',
      'Sun 2026-03-29 23:00 Europe/Paris',
      'Mon 2026-03-30 00:00 Europe/Paris',
      'Mon 2026-03-30 01:00 Europe/Paris',
      'Mon 2026-03-30 02:00 Europe/Paris',
      'Mon 2026-03-30 23:00 Europe/Paris',
    ]);
    expect(iso(spring).slice(0, 4)).toEqual([
      '2026-03-28T22:00:00Z',
      '2026-03-28T23:00:00Z',
      '2026-03-29T00:00:00Z',
      '2026-03-29T21:00:00Z',
    ]);
    // 2026-10-25: 02:00 happens twice (03:00 CEST falls back to 02:00 CET); it runs once, at the first.
    const autumn = nextRuns('cron(0 1-2 * * ? *)', 'Europe/Paris', 3, at('2026-10-24T12:00:00Z'));
    expect(iso(autumn)).toEqual(['2026-10-24T23:00:00Z', '2026-10-25T00:00:00Z', '2026-10-26T00:00:00Z']);
  });

  test('months wrap: NOV-FEB is November, December, January, February', () => {
    const runs = nextRuns('cron(0 9 1 NOV-FEB ? *)', 'UTC', 5, at('2026-10-15T00:00:00Z'));
    expect(iso(runs)).toEqual([
      '2026-11-01T09:00:00Z',
      '2026-12-01T09:00:00Z',
      '2027-01-01T09:00:00Z',
      '2027-02-01T09:00:00Z',
      '2027-11-01T09:00:00Z',
    ]);
    expect(nextRuns('cron(0 9 1 11-2 ? *)', 'UTC', 5, at('2026-10-15T00:00:00Z'))).toEqual(runs);
  });

  test('days of the week wrap: FRI-MON is Friday, Saturday, Sunday, Monday', () => {
    const runs = nextRuns('cron(0 9 ? * FRI-MON *)', 'UTC', 5, at('2026-12-02T00:00:00Z'));
    expect(local(runs, 'UTC')).toEqual([
      'Fri 2026-12-04 09:00 UTC',
      'Sat 2026-12-05 09:00 UTC',
      'Sun 2026-12-06 09:00 UTC',
      'Mon 2026-12-07 09:00 UTC',
      'Fri 2026-12-11 09:00 UTC',
    ]);
    expect(nextRuns('cron(0 9 ? * 6-2 *)', 'UTC', 5, at('2026-12-02T00:00:00Z'))).toEqual(runs);
  });

  test('minutes and days of the month wrap too; years do not', () => {
    expect(iso(nextRuns('cron(55-5/5 10 * * ? *)', 'UTC', 4, at('2026-01-01T00:00:00Z')))).toEqual([
      '2026-01-01T10:00:00Z',
      '2026-01-01T10:05:00Z',
      '2026-01-01T10:55:00Z',
      '2026-01-02T10:00:00Z',
    ]);
    // 30-2 is days 30, 31, 1, 2; February has no 30th or 31st.
    expect(iso(nextRuns('cron(0 0 30-2 * ? *)', 'UTC', 6, at('2026-01-29T12:00:00Z')))).toEqual([
      '2026-01-30T00:00:00Z',
      '2026-01-31T00:00:00Z',
      '2026-02-01T00:00:00Z',
      '2026-02-02T00:00:00Z',
      '2026-03-01T00:00:00Z',
      '2026-03-02T00:00:00Z',
    ]);
    expect(() => validateSchedule('cron(0 0 * * ? 2030-2026)')).toThrow(/year values do not wrap around/);
  });

  test('a backwards range is never answered with "write the smaller value first"', () => {
    for (const e of ['cron(0 20-10 * * ? *)', 'cron(0 0 ? * SAT-MON *)', 'cron(0 0 1 DEC-JAN ? *)']) {
      expect(() => validateSchedule(e, 'UTC')).not.toThrow();
    }
    let message = '';
    try {
      validateSchedule('cron(0 0 * * ? 2030-2026)');
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).not.toMatch(/smaller value first/);
  });
});

describe('firesBetween: every expected fire in a window', () => {
  test('half-open windows: consecutive windows never see a fire twice or miss one', () => {
    const expr = 'cron(0 * * * ? *)';
    const a = [...firesBetween(expr, {}, at('2026-01-01T00:00:00Z'), at('2026-01-01T03:00:00Z'))];
    const b = [...firesBetween(expr, {}, at('2026-01-01T03:00:00Z'), at('2026-01-01T06:00:00Z'))];
    expect(iso(a)).toEqual(['2026-01-01T00:00:00Z', '2026-01-01T01:00:00Z', '2026-01-01T02:00:00Z']);
    expect(iso(b)[0]).toBe('2026-01-01T03:00:00Z');
    expect(a.length + b.length).toBe(6);
  });

  test('StartDate and EndDate bound a cron; EndDate itself may fire', () => {
    const runs = [
      ...firesBetween(
        'cron(0 12 * * ? *)',
        { startDate: at('2026-01-03T00:00:00Z'), endDate: at('2026-01-05T12:00:00Z') },
        at('2026-01-01T00:00:00Z'),
        at('2026-02-01T00:00:00Z'),
      ),
    ];
    expect(iso(runs)).toEqual(['2026-01-03T12:00:00Z', '2026-01-04T12:00:00Z', '2026-01-05T12:00:00Z']);
  });

  test('DISABLED never fires', () => {
    const runs = [
      ...firesBetween(
        'rate(1 minute)',
        { state: 'DISABLED', anchor: at('2026-01-01T00:00:00Z') },
        at('2026-01-01T00:00:00Z'),
        at('2026-01-02T00:00:00Z'),
      ),
    ];
    expect(runs).toEqual([]);
  });

  test('at() fires once in its zone and ignores StartDate/EndDate, as Scheduler does', () => {
    const runs = [
      ...firesBetween(
        'at(2026-07-01T09:00:00)',
        { timezone: 'Europe/Paris', startDate: at('2027-01-01T00:00:00Z'), endDate: at('2026-01-02T00:00:00Z') },
        at('2026-01-01T00:00:00Z'),
        at('2027-01-01T00:00:00Z'),
      ),
    ];
    expect(iso(runs)).toEqual(['2026-07-01T07:00:00Z']);
    expect([
      ...firesBetween(
        'at(2026-07-01T09:00:00)',
        { timezone: 'Europe/Paris' },
        at('2026-07-01T07:00:01Z'),
        at('2027-01-01T00:00:00Z'),
      ),
    ]).toEqual([]);
  });

  test('a rate counts from its StartDate, else from the anchor (its creation); without either it says so', () => {
    const fromStart = [
      ...firesBetween(
        'rate(10 minutes)',
        { startDate: at('2026-01-01T00:03:00Z') },
        at('2026-01-01T00:00:00Z'),
        at('2026-01-01T00:30:00Z'),
      ),
    ];
    expect(iso(fromStart)).toEqual(['2026-01-01T00:03:00Z', '2026-01-01T00:13:00Z', '2026-01-01T00:23:00Z']);
    const fromAnchor = [
      ...firesBetween(
        'rate(1 hour)',
        { anchor: at('2025-12-31T22:15:00Z') },
        at('2026-01-01T00:00:00Z'),
        at('2026-01-01T02:00:00Z'),
      ),
    ];
    expect(iso(fromAnchor)).toEqual(['2026-01-01T00:15:00Z', '2026-01-01T01:15:00Z']);
    expect(() => [...firesBetween('rate(1 hour)', {}, at('2026-01-01T00:00:00Z'), at('2026-01-02T00:00:00Z'))]).toThrow(
      ScheduleError,
    );
  });

  test('a year of rate(5 minutes) is 105,120 fires, the cron equivalent too, in order and distinct', () => {
    const from = at('2025-01-01T00:00:00Z');
    const until = at('2026-01-01T00:00:00Z');
    let count = 0;
    let last = 0;
    for (const d of firesBetween('rate(5 minutes)', { anchor: from }, from, until)) {
      expect(d.getTime() > last).toBe(true);
      last = d.getTime();
      count += 1;
    }
    expect(count).toBe(105_120);
    expect([...firesBetween('cron(0/5 * * * ? *)', {}, from, until)].length).toBe(105_120);
  });

  test('daylight saving in a window: Europe/Paris spring day has no 02:30, autumn day one 02:30', () => {
    const day = (d: string) => [
      ...firesBetween('cron(30 2 * * ? *)', { timezone: 'Europe/Paris' }, at(`${d}T00:00:00Z`), at(`${d}T23:59:00Z`)),
    ];
    expect(day('2026-03-29')).toEqual([]);
    expect(iso(day('2026-10-25'))).toEqual(['2026-10-25T00:30:00Z']);
  });
});

describe('spent schedules', () => {
  const now = at('2026-12-02T00:00:00Z');
  test('runsAfter says whether any run is left', () => {
    expect(runsAfter('at(2020-01-01T10:00:00)', 'UTC', now)).toBe(false);
    expect(runsAfter('cron(0 0 1 1 ? 2020-2025)', 'UTC', now)).toBe(false);
    expect(runsAfter('cron(0 0 1 1 ? 2020-2027)', 'UTC', now)).toBe(true);
    expect(runsAfter('rate(1 day)', 'UTC', now)).toBe(true);
  });

  const job = (expression: string): Template => ({
    Resources: {
      Job: {
        Type: 'AWS::Serverless::Function',
        Properties: { Events: { Tick: { Type: 'ScheduleV2', Properties: { ScheduleExpression: expression } } } },
      },
    },
  });

  test('the macro accepts an at() in the past and a cron whose years are over, with a warning', () => {
    const warnings: string[] = [];
    expect(() => transform(job('at(2020-01-01T10:00:00)'), {}, { warnings, now })).not.toThrow();
    expect(() => transform(job('cron(0 0 1 1 ? 2019-2020)'), {}, { warnings, now })).not.toThrow();
    expect(warnings).toEqual([
      'Job event Tick: schedule expression "at(2020-01-01T10:00:00)" has no run after 2026-12-02T00:00:00.000Z; it will never fire',
      'Job event Tick: schedule expression "cron(0 0 1 1 ? 2019-2020)" has no run after 2026-12-02T00:00:00.000Z; it will never fire',
    ]);
    const none: string[] = [];
    transform(job('at(2099-01-01T10:00:00)'), {}, { warnings: none, now });
    expect(none).toEqual([]);
  });

  test('the macro handler answers success and logs the warning', async () => {
    const writes: string[] = [];
    // Powertools' Logger writes WARN lines through its own Console on stderr.
    const capture = (chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    };
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation(capture);
    const out = jest.spyOn(process.stdout, 'write').mockImplementation(capture);
    try {
      const r = await handler({
        region: 'us-east-1',
        accountId: '123456789012',
        transformId: '123456789012::CloudCron',
        requestId: 'r-1',
        params: {},
        templateParameterValues: {},
        fragment: job('at(2020-01-01T10:00:00)'),
      });
      expect(r.status).toBe('success');
    } finally {
      spy.mockRestore();
      out.mockRestore();
    }
    const line = writes.map((w) => w.trim()).find((w) => w.includes('template accepted with a warning'));
    expect(line).toBeDefined();
    expect(JSON.parse(line as string)).toMatchObject({ level: 'WARN', requestId: 'r-1' });
    expect(line).toContain('has no run after');
  });
});

describe('one rule for an empty time zone: the macro and the CLI both refuse it', () => {
  test('the macro', () => {
    const f: Template = {
      Resources: {
        Job: {
          Type: 'AWS::Serverless::Function',
          Properties: {
            Events: {
              Tick: {
                Type: 'ScheduleV2',
                Properties: { ScheduleExpression: 'rate(5 minutes)', ScheduleExpressionTimezone: '' },
              },
            },
          },
        },
      },
    };
    expect(() => transform(f)).toThrow(
      'Job event Tick: time zone is empty: give an IANA time zone name (e.g. "UTC" or "Europe/Paris"), or leave the time zone out for UTC',
    );
    // Left out (or AWS::NoValue): UTC, accepted.
    delete (f.Resources.Job.Properties as { Events: { Tick: { Properties: Record<string, unknown> } } }).Events.Tick
      .Properties.ScheduleExpressionTimezone;
    expect(() => transform(f)).not.toThrow();
  });

  test('the CLI, with the same message', async () => {
    const err: string[] = [];
    const spy = jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      expect(await cli(['rate(5 minutes)', '--tz='])).toBe(1);
    } finally {
      spy.mockRestore();
      log.mockRestore();
    }
    expect(err.join('\n')).toBe(
      'time zone is empty: give an IANA time zone name (e.g. "UTC" or "Europe/Paris"), or leave the time zone out for UTC',
    );
  });
});

describe('run times and words', () => {
  test('formatRun shows the weekday, the wall-clock time and the zone; seconds only when set', () => {
    expect(formatRun(at('2026-12-07T07:00:00Z'), 'Europe/Paris')).toBe('Mon 2026-12-07 08:00 Europe/Paris');
    expect(formatRun(at('2026-12-07T07:00:30Z'), 'Europe/Paris')).toBe('Mon 2026-12-07 08:00:30 Europe/Paris');
    expect(formatRun(at('2026-12-06T23:30:00Z'), 'America/New_York')).toBe('Sun 2026-12-06 18:30 America/New_York');
  });

  test.each([
    ['rate(5 minutes)', 'every 5 minutes'],
    ['rate(1 day)', 'every day'],
    ['cron(0 8 ? * MON-FRI *)', 'at 08:00 on weekdays'],
    ['cron(0 8 ? * 1-5 *)', 'at 08:00 on Sunday, Monday, Tuesday, Wednesday and Thursday'],
    ['cron(0/30 20-2 ? * MON-FRI *)', 'every 30 minutes from 20:00 to 02:30 on weekdays'],
    ['cron(0/15 * * * ? *)', 'every 15 minutes'],
    ['cron(0 9,17 ? * SAT,SUN *)', 'at 09:00 and 17:00 on weekends'],
    ['cron(0 12 L * ? *)', 'at 12:00 on the last day of the month'],
    ['cron(0 10 ? * 3#2 *)', 'at 10:00 on the second Tuesday of the month'],
    ['cron(0 0 1 JAN ? 2030)', 'at 00:00 on day 1 of the month in January in 2030'],
    ['at(2030-01-31T09:00:00)', 'once, on 2030-01-31 at 09:00'],
  ])('%s is "%s"', (expression, words) => {
    expect(describeSchedule(expression)).toBe(words);
  });
});
