import { CloudCronError } from '../../../functions/common/errors';
import {
  formatInZone,
  nextRuns,
  ScheduleError,
  validateSchedule,
  validateTimezone,
} from '../../../functions/common/schedule';

/** The message validateSchedule throws, or undefined when it accepts. */
function refusal(expression: string, timezone?: string): string | undefined {
  try {
    validateSchedule(expression, timezone);
    return undefined;
  } catch (e) {
    expect(e).toBeInstanceOf(ScheduleError);
    return (e as Error).message;
  }
}

const iso = (dates: Date[]) => dates.map((d) => d.toISOString().replace('.000Z', 'Z'));

describe('validateSchedule refuses, naming what is wrong', () => {
  // [expression, time zone, fragment the message must contain]
  const bad: [string, string | undefined, string][] = [
    // rate()
    ['rate(0 minutes)', undefined, 'rate value 0 must be a positive whole number'],
    ['rate(-1 hours)', undefined, 'rate value "-1" must be a positive whole number'],
    ['rate(1.5 hours)', undefined, 'rate value "1.5" must be a positive whole number'],
    ['rate(30 seconds)', undefined, 'the unit "seconds" is not supported: EventBridge runs at most once a minute'],
    ['rate(2 weeks)', undefined, 'the unit "weeks" is not one of minute, minutes, hour, hours, day, days'],
    ['rate(5 Minutes)', undefined, 'write the unit "minutes" in lower case'],
    ['rate(5)', undefined, 'rate expressions are "rate(value unit)" with two parts'],
    // form
    ['', undefined, 'schedule expression is empty'],
    ['every 5 minutes', undefined, 'write "rate(value unit)", "cron(minutes hours'],
    ['CRON(0 12 * * ? *)', undefined, 'write "cron(" in lower case'],
    [' rate(5 minutes)', undefined, 'remove the spaces before or after the expression'],
    ['cron(0 12 * * ? *', undefined, 'it must end with ")"'],
    ['cron (0 12 * * ? *)', undefined, 'remove the space between "cron" and "("'],
    ['schedule(0 12 * * ? *)', undefined, '"schedule(...)" is not a schedule type'],
    // cron(): field count
    ['cron(0 12 * * ?)', undefined, 'has 5; AWS cron has a year field and no seconds field'],
    ['cron(0 0 12 * * ? *)', undefined, 'has 7; AWS cron has no seconds field: remove the first field'],
    // cron(): ranges of values
    ['cron(60 * * * ? *)', undefined, 'minutes "60": 60 is out of range: minutes values are 0-59'],
    ['cron(0 24 * * ? *)', undefined, 'hours "24": 24 is out of range: hours values are 0-23'],
    ['cron(0 0 0 * ? *)', undefined, 'day-of-month "0": 0 is out of range: day-of-month values are 1-31'],
    ['cron(0 0 32 * ? *)', undefined, 'day-of-month "32": 32 is out of range'],
    ['cron(0 0 ? 13 * *)', undefined, 'month "13": 13 is out of range: month values are 1-12 (or JAN-DEC)'],
    [
      'cron(0 0 ? * 0 *)',
      undefined,
      'day-of-week "0": 0 is out of range: day-of-week values are 1-7 (1 = SUN ... 7 = SAT)',
    ],
    ['cron(0 0 ? * 8 *)', undefined, 'day-of-week "8": 8 is out of range'],
    ['cron(0 0 * * ? 1969)', undefined, 'year "1969": 1969 is out of range: year values are 1970-2199'],
    ['cron(0 0 * * ? 2200)', undefined, 'year "2200": 2200 is out of range'],
    ['cron(x 0 * * ? *)', undefined, 'minutes "x": "X" is not a number'],
    // cron(): names
    ['cron(0 0 * JANUARY ? *)', undefined, '"JANUARY" is not a month name; use JAN-DEC or 1-12'],
    ['cron(0 0 ? * MON-FRY *)', undefined, '"FRY" is not a day-of-week name; use SUN-SAT or 1-7'],
    // cron(): the "?" rule
    [
      'cron(0 12 * * * *)',
      undefined,
      'day-of-month and day-of-week are both set; exactly one of them must be "?" (e.g. "cron(0 12 * * ? *)")',
    ],
    ['cron(0 12 1 * MON *)', undefined, '(e.g. "cron(0 12 1 * ? *)" or "cron(0 12 ? * MON *)")'],
    ['cron(0 12 ? * ? *)', undefined, 'day-of-month and day-of-week are both "?"'],
    ['cron(? 0 * * ? *)', undefined, 'minutes "?": "?" is only allowed in day-of-month or day-of-week'],
    ['cron(0 0 1,? * ? *)', undefined, '"?" must stand alone'],
    // cron(): ranges, steps, lists
    [
      'cron(0 0 * * ? 2030-2026)',
      undefined,
      'year "2030-2026": the range "2030-2026" runs backwards and year values do not wrap around: write the earlier value first ("2026-2030")',
    ],
    ['cron(0/0 * * * ? *)', undefined, 'the step "/0" must be a positive whole number'],
    ['cron(0/60 * * * ? *)', undefined, 'the step "/60" is too large: minutes steps are 1-59'],
    ['cron(0 0/24 * * ? *)', undefined, 'the step "/24" is too large: hours steps are 1-23'],
    ['cron(0 0 1,,2 * ? *)', undefined, 'a list has an empty item'],
    ['cron(0 1-2-3 * * ? *)', undefined, '"1-2-3" is not a value or a range'],
    ['cron(0 0 ? * 2/2 *)', undefined, 'AWS does not allow "/" in day-of-week'],
    // cron(): L W #
    ['cron(0 0 L-3 * ? *)', undefined, 'AWS does not document "L-n"'],
    ['cron(0 0 15W,20 * ? *)', undefined, '"L" and "W" must stand alone in day-of-month'],
    ['cron(0 0 32W * ? *)', undefined, '"W" needs a day 1-31'],
    ['cron(0 L * * ? *)', undefined, 'hours "L": "L" is only allowed in day-of-month or day-of-week'],
    ['cron(0 0 ? * 15W *)', undefined, 'day-of-week "15W": "W" is only allowed in day-of-month'],
    ['cron(0 0 ? # * *)', undefined, 'month "#": "#" is only allowed in day-of-week'],
    ['cron(0 0 1#2 * ? *)', undefined, '"#" is only allowed in day-of-week'],
    ['cron(0 0 ? * 3#6 *)', undefined, 'the occurrence "#6" must be 1-5'],
    ['cron(0 0 ? * 3#0 *)', undefined, 'the occurrence "#0" must be 1-5'],
    ['cron(0 0 ? * 8#1 *)', undefined, 'day-of-week "8#1": 8 is out of range'],
    ['cron(0 0 ? * 3#1,6#3 *)', undefined, 'a "#" day-of-week must be the only expression in the field'],
    ['cron(0 0 ? * FRY#2 *)', undefined, 'day-of-week "FRY#2": "FRY" is not a day-of-week name'],
    ['cron(0 0 ? * 2-3#2 *)', undefined, '"#" takes a day 1-7 (or SUN-SAT) and an occurrence 1-5'],
    ['cron(0 0 ? * L-2 *)', undefined, 'AWS documents no offset after "L" in day-of-week'],
    ['cron(0 0 ? * 8L *)', undefined, 'day-of-week "8L": 8 is out of range'],
    ['cron(0 0 ? * L,2 *)', undefined, '"L" must stand alone in day-of-week'],
    ['cron(0 0 ? * 9L *)', undefined, 'day-of-week "9L": 9 is out of range'],
    // cron(): dates that never occur
    ['cron(0 0 30 2 ? *)', undefined, 'day-of-month "30" never occurs in month "2" (FEB); it would never run'],
    ['cron(0 0 31 APR,JUN ? *)', undefined, 'never occurs in month "APR,JUN" (APR,JUN)'],
    ['cron(0 0 29 2 ? 2025)', undefined, 'day-of-month "29", month "2" and year "2025" never fall on the same date'],
    [
      'cron(0 0 ? 2 6#5 2025-2030)',
      undefined,
      'day-of-week "6#5", month "2" and year "2025-2030" never fall on the same date',
    ],
    // at()
    ['at(2025-02-29T10:00:00)', undefined, '2025-02-29 is not a date: February 2025 has 28 days'],
    ['at(2025-04-31T10:00:00)', undefined, '2025-04-31 is not a date: April 2025 has 30 days'],
    ['at(2025-13-01T10:00:00)', undefined, 'month 13 does not exist: months are 01-12'],
    ['at(2025-01-01T24:00:00)', undefined, 'hour 24 does not exist: hours are 00-23'],
    ['at(2025-01-01T10:60:00)', undefined, 'minute 60 does not exist'],
    ['at(2025-01-01T10:00)', undefined, 'add the seconds: "at(2025-01-01T10:00:00)"'],
    ['at(2025-01-01T10:00:00Z)', undefined, 'leave out the "Z" or UTC offset'],
    ['at(2025-01-01T10:00:00+02:00)', undefined, 'leave out the "Z" or UTC offset'],
    ['at(2025-01-01 10:00:00)', undefined, 'separate date and time with "T": "at(2025-01-01T10:00:00)"'],
    ['at(tomorrow)', undefined, 'one-time schedules are "at(yyyy-mm-ddThh:mm:ss)"'],
    [
      'at(2024-03-10T02:30:00)',
      'America/New_York',
      'does not exist in America/New_York (clocks move forward 60 minutes',
    ],
    ['at(2025-03-30T02:15:00)', 'Europe/Berlin', '2025-03-30T02:15:00 does not exist in Europe/Berlin'],
    // time zones
    [
      'rate(5 minutes)',
      'Europe/Pariss',
      'time zone "Europe/Pariss" is not an IANA time zone name (e.g. "Europe/Paris")',
    ],
    ['rate(5 minutes)', 'America/New_Yrok', '(e.g. "America/New_York")'],
    ['rate(5 minutes)', 'Paris', 'time zone "Paris" is not an IANA time zone name (e.g. "Europe/Paris")'],
    ['rate(5 minutes)', 'europe/paris', 'time zone names are case-sensitive; write "Europe/Paris"'],
    ['rate(5 minutes)', 'utc', 'write "UTC"'],
    ['rate(5 minutes)', 'PST', 'time zone "PST" is a legacy abbreviation, not an IANA time zone name'],
    ['rate(5 minutes)', '+02:00', 'time zone "+02:00" is a UTC offset, not an IANA time zone name'],
    ['rate(5 minutes)', 'UTC+2', '"Etc/GMT-2" (POSIX sign, inverted)'],
    ['rate(5 minutes)', '', 'time zone is empty'],
    ['rate(5 minutes)', ' UTC', 'has spaces around it'],
  ];

  test('there are plenty of distinct cases', () => {
    expect(new Set(bad.map(([e, tz]) => `${e}|${tz}`)).size).toBe(bad.length);
    expect(bad.length).toBeGreaterThanOrEqual(25);
  });

  test.each(bad)('%j in %j', (expression, timezone, fragment) => {
    const message = refusal(expression, timezone);
    expect(message).toBeDefined();
    expect(message).toContain(fragment);
    if (expression && !message!.startsWith('time zone')) expect(message).toContain(`"${expression}"`);
  });

  test('a value that is not a string (an unresolved intrinsic) is named as such', () => {
    expect(() => validateSchedule({ Ref: 'Expr' } as unknown as string)).toThrow(
      'schedule expression {"Ref":"Expr"} is not a string',
    );
  });

  test('the error is a named CloudCronError', () => {
    expect(() => validateSchedule('rate(0 minutes)')).toThrow(ScheduleError);
    try {
      validateSchedule('rate(0 minutes)');
    } catch (e) {
      expect(e).toBeInstanceOf(CloudCronError);
      expect((e as Error).name).toBe('ScheduleError');
    }
  });

  test('messages match the documented wording exactly', () => {
    expect(refusal('cron(0 12 * * * *)')).toBe(
      'schedule expression "cron(0 12 * * * *)": day-of-month and day-of-week are both set; exactly one of them must be "?" (e.g. "cron(0 12 * * ? *)")',
    );
    expect(refusal('rate(0 minutes)')).toBe(
      'schedule expression "rate(0 minutes)": rate value 0 must be a positive whole number: the smallest rate is "rate(1 minute)"',
    );
    expect(refusal('rate(1 minute)', 'Europe/Pariss')).toBe(
      'time zone "Europe/Pariss" is not an IANA time zone name (e.g. "Europe/Paris")',
    );
  });
});

describe('validateSchedule accepts what AWS accepts', () => {
  const good: string[] = [
    'rate(1 minute)',
    'rate(5 minutes)',
    'rate(1 hour)',
    'rate(12 hours)',
    'rate(1 day)',
    'rate(7 days)',
    'cron(0 12 * * ? *)',
    'cron(* * * * ? *)',
    'cron(0/15 * * * ? *)',
    'cron(*/5 8-17 ? * MON-FRI *)',
    'cron(0/15 8-17/2 ? jan-mar,DEC mon-fri 2025-2030/2)',
    'cron(15 10 ? * 6L 2026-2030)',
    'cron(0 0 L * ? *)',
    'cron(0 0 LW * ? *)',
    'cron(0 9 15W * ? *)',
    'cron(0 9 1W * ? *)',
    'cron(0 8 ? * 3#2 *)',
    'cron(0 8 ? * 1#5 *)',
    'cron(0 0 ? * L *)',
    'cron(0 18 ? * SUN,sat *)',
    'cron(0 0 1,15 JAN,JUL ? *)',
    'cron(5,35 14 * * ? *)',
    'cron(0 0 29 2 ? *)',
    'cron(0 0 ? 2 6#5 *)',
    'cron(0 0 1 1 ? 1970)',
    'cron(0 0 1 1 ? 2199)',
    'cron(0 10 * * ? *)',
    'cron(0 0 1-10/3 * ? *)',
    // ranges that wrap around, AWS's own example first
    'cron(0/30 20-2 ? * MON-FRI *)',
    'cron(0 9-5 ? * MON-FRI *)',
    'cron(0 9 ? * 6-2 *)',
    // a day before "#" or "L" by name, as Quartz (whose syntax AWS's is) reads it
    'cron(30 7 ? * MON#1 *)',
    'cron(0 0 ? * fri#2 *)',
    'cron(0 18 ? * SATL *)',
    'cron(15 10 ? * friL 2026-2030)',
    'at(2030-01-31T09:30:00)',
    'at(2028-02-29T23:59:59)',
    'at(2024-11-03T01:30:00)', // happens twice in New York: runs once
  ];

  test.each(good)('%s', (expression) => {
    expect(refusal(expression)).toBeUndefined();
    expect(refusal(expression, 'America/New_York')).toBeUndefined();
  });

  test.each([
    'UTC',
    'Etc/UTC',
    'GMT',
    'Europe/Paris',
    'America/New_York',
    'America/Argentina/Buenos_Aires',
    'Asia/Kolkata',
    'Asia/Calcutta',
    'Europe/Kyiv',
    'US/Eastern',
    'Etc/GMT+5',
    'Australia/Lord_Howe',
  ])('time zone %s', (timezone) => {
    expect(() => validateTimezone(timezone)).not.toThrow();
  });

  // How fast validation is belongs to the benchmark (npm run bench -- --only macro), never to a timed test.
  test('validates the schedules of a 20-function template (mixed zones, ranges, steps, years)', () => {
    const schedules = Array.from({ length: 20 }, (_, i) => [
      i % 2 ? `cron(${i} 8-17/2 ? JAN-MAR,DEC MON-FRI 2025-2030/2)` : `rate(${i + 2} minutes)`,
      i % 3 ? 'Europe/Berlin' : 'America/New_York',
    ]);
    for (const [expression, tz] of schedules) expect(() => validateSchedule(expression, tz)).not.toThrow();
  });
});

describe('nextRuns', () => {
  test('day-of-week 1 is Sunday, 7 is Saturday', () => {
    const from = new Date('2025-01-01T00:00:00Z'); // a Wednesday
    expect(iso(nextRuns('cron(0 12 ? * 1 *)', 'UTC', 2, from))).toEqual([
      '2025-01-05T12:00:00Z',
      '2025-01-12T12:00:00Z',
    ]);
    expect(iso(nextRuns('cron(0 12 ? * 2 *)', 'UTC', 1, from))).toEqual(['2025-01-06T12:00:00Z']);
    expect(iso(nextRuns('cron(0 12 ? * 7 *)', 'UTC', 1, from))).toEqual(['2025-01-04T12:00:00Z']);
    expect(iso(nextRuns('cron(0 12 ? * SUN *)', 'UTC', 1, from))).toEqual(['2025-01-05T12:00:00Z']);
    for (const d of nextRuns('cron(0 9 ? * MON-FRI *)', 'UTC', 20, from))
      expect([1, 2, 3, 4, 5]).toContain(d.getUTCDay());
  });

  test('spring forward in America/New_York: the skipped 02:30 does not run', () => {
    const runs = nextRuns('cron(30 2 * * ? *)', 'America/New_York', 3, new Date('2024-03-09T00:00:00Z'));
    expect(iso(runs)).toEqual(['2024-03-09T07:30:00Z', '2024-03-11T06:30:00Z', '2024-03-12T06:30:00Z']);
    expect(runs.map((d) => formatInZone(d, 'America/New_York'))).toEqual([
      '2024-03-09T02:30:00-05:00',
      '2024-03-11T02:30:00-04:00',
      '2024-03-12T02:30:00-04:00',
    ]);
  });

  test('fall back in America/New_York: the repeated hour runs once', () => {
    const runs = nextRuns('cron(0/30 1-2 * * ? *)', 'America/New_York', 5, new Date('2024-11-03T04:00:00Z'));
    expect(iso(runs)).toEqual([
      '2024-11-03T05:00:00Z', // 01:00 EDT
      '2024-11-03T05:30:00Z', // 01:30 EDT (not again at 01:30 EST)
      '2024-11-03T07:00:00Z', // 02:00 EST
      '2024-11-03T07:30:00Z',
      '2024-11-04T06:00:00Z',
    ]);
    expect(iso(nextRuns('at(2024-11-03T01:30:00)', 'America/New_York', 5, new Date('2024-11-01T00:00:00Z')))).toEqual([
      '2024-11-03T05:30:00Z',
    ]);
  });

  test('Europe/Berlin: local time is kept across the change, a Sunday 02:30 in the gap is skipped', () => {
    const from = new Date('2025-03-22T00:00:00Z');
    expect(iso(nextRuns('cron(0 9 * * ? *)', 'Europe/Berlin', 10, from)).slice(7, 10)).toEqual([
      '2025-03-29T08:00:00Z',
      '2025-03-30T07:00:00Z',
      '2025-03-31T07:00:00Z',
    ]);
    expect(iso(nextRuns('cron(30 2 ? * 1 *)', 'Europe/Berlin', 2, from))).toEqual([
      '2025-03-23T01:30:00Z',
      '2025-04-06T00:30:00Z',
    ]);
  });

  test('leap day only: cron(0 0 29 2 ? *)', () => {
    expect(iso(nextRuns('cron(0 0 29 2 ? *)', 'UTC', 3, new Date('2025-01-01T00:00:00Z')))).toEqual([
      '2028-02-29T00:00:00Z',
      '2032-02-29T00:00:00Z',
      '2036-02-29T00:00:00Z',
    ]);
    expect(iso(nextRuns('cron(0 0 L 2 ? *)', 'UTC', 2, new Date('2024-01-01T00:00:00Z')))).toEqual([
      '2024-02-29T00:00:00Z',
      '2025-02-28T00:00:00Z',
    ]);
  });

  test('the fifth Friday of February (a leap-year Friday 29th), found without brute force', () => {
    const from = new Date('2025-01-01T00:00:00Z');
    const expected: string[] = [];
    for (let y = 2025; y <= 2199; y++) {
      const d = new Date(Date.UTC(y, 1, 29));
      if (d.getUTCMonth() === 1 && d.getUTCDay() === 5) expected.push(`${y}-02-29T00:00:00Z`);
    }
    expect(expected.slice(0, 2)).toEqual(['2036-02-29T00:00:00Z', '2064-02-29T00:00:00Z']);
    const started = performance.now();
    const runs = nextRuns('cron(0 0 ? 2 6#5 *)', 'UTC', 100, from);
    expect(performance.now() - started).toBeLessThan(200);
    expect(iso(runs)).toEqual(expected); // the year field ends the search at 2199
  });

  test('L, W and # pick the right days', () => {
    const utc = (e: string, from: string, n = 1) => iso(nextRuns(e, 'UTC', n, new Date(from)));
    expect(utc('cron(0 0 15W * ? *)', '2025-02-01T00:00:00Z')).toEqual(['2025-02-14T00:00:00Z']); // 15th is a Saturday
    expect(utc('cron(0 0 1W * ? *)', '2025-03-01T00:00:00Z')).toEqual(['2025-03-03T00:00:00Z']); // 1st is a Saturday
    expect(utc('cron(0 0 31W * ? *)', '2023-12-01T00:00:00Z')).toEqual(['2023-12-29T00:00:00Z']); // 31st is a Sunday
    expect(utc('cron(0 0 LW * ? *)', '2025-08-01T00:00:00Z')).toEqual(['2025-08-29T00:00:00Z']); // 31st is a Sunday
    expect(utc('cron(0 0 ? * 6L *)', '2025-01-01T00:00:00Z')).toEqual(['2025-01-31T00:00:00Z']);
    expect(utc('cron(0 0 ? * 3#2 *)', '2025-01-01T00:00:00Z', 2)).toEqual([
      '2025-01-14T00:00:00Z',
      '2025-02-11T00:00:00Z',
    ]);
    expect(utc('cron(0 0 ? * L *)', '2025-01-01T00:00:00Z')).toEqual(['2025-01-04T00:00:00Z']); // Saturday
  });

  test('runs are strictly after from, in minute steps', () => {
    expect(iso(nextRuns('cron(*/20 * * * ? *)', 'UTC', 3, new Date('2025-05-05T10:05:30Z')))).toEqual([
      '2025-05-05T10:20:00Z',
      '2025-05-05T10:40:00Z',
      '2025-05-05T11:00:00Z',
    ]);
    expect(iso(nextRuns('cron(0 12 * * ? *)', 'UTC', 1, new Date('2025-05-05T12:00:00Z')))).toEqual([
      '2025-05-06T12:00:00Z',
    ]);
  });

  test('a half-hour zone: Asia/Kolkata', () => {
    expect(iso(nextRuns('cron(0 9 * * ? *)', 'Asia/Kolkata', 1, new Date('2025-01-01T00:00:00Z')))).toEqual([
      '2025-01-01T03:30:00Z',
    ]);
  });

  test('the year field bounds the runs', () => {
    const runs = nextRuns('cron(0 0 1 1 ? 2026-2027)', 'UTC', 5, new Date('2025-06-01T00:00:00Z'));
    expect(iso(runs)).toEqual(['2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z']);
    expect(nextRuns('cron(0 0 1 1 ? 2020)', 'UTC', 5, new Date('2025-06-01T00:00:00Z'))).toEqual([]);
  });

  test('rate() starts at from; a day is 24 hours even across DST', () => {
    const from = new Date('2025-03-29T12:00:00Z');
    expect(iso(nextRuns('rate(15 minutes)', 'UTC', 3, from))).toEqual([
      '2025-03-29T12:00:00Z',
      '2025-03-29T12:15:00Z',
      '2025-03-29T12:30:00Z',
    ]);
    expect(iso(nextRuns('rate(1 day)', 'Europe/Berlin', 2, from))).toEqual([
      '2025-03-29T12:00:00Z',
      '2025-03-30T12:00:00Z',
    ]);
  });

  test('at() gives its one time in the zone, or nothing once past', () => {
    const at = 'at(2030-06-01T09:00:00)';
    expect(iso(nextRuns(at, 'Europe/Berlin', 5, new Date('2025-01-01T00:00:00Z')))).toEqual(['2030-06-01T07:00:00Z']);
    expect(nextRuns(at, 'Europe/Berlin', 5, new Date('2030-06-01T07:00:00Z'))).toEqual([]);
  });

  test('refuses what validateSchedule refuses', () => {
    expect(() => nextRuns('cron(0 12 * * * *)', 'UTC', 5)).toThrow(ScheduleError);
    expect(() => nextRuns('rate(5 minutes)', 'Mars/Olympus', 5)).toThrow(/not an IANA time zone name/);
    expect(() => nextRuns('rate(5 minutes)', 'UTC', -1)).toThrow(/count -1/);
  });

  test('formatInZone writes the offset', () => {
    const d = new Date('2025-07-01T10:00:00Z');
    expect(formatInZone(d, 'Europe/Paris')).toBe('2025-07-01T12:00:00+02:00');
    expect(formatInZone(d, 'America/St_Johns')).toBe('2025-07-01T07:30:00-02:30');
    expect(formatInZone(d, 'UTC')).toBe('2025-07-01T10:00:00+00:00');
  });
});

describe('rate units: EventBridge rules need agreement, EventBridge Scheduler does not', () => {
  test.each([
    ['rate(1 minutes)', 'use the singular unit "minute" when the value is 1'],
    ['rate(1 days)', 'use the singular unit "day" when the value is 1'],
    ['rate(5 minute)', 'use the plural unit "minutes" when the value is not 1'],
    ['rate(2 hour)', 'use the plural unit "hours" when the value is not 1'],
  ])('%s: refused for a rule, accepted by Scheduler', (expression, message) => {
    expect(() => validateSchedule(expression, undefined, { dialect: 'rule' })).toThrow(message);
    expect(() => validateSchedule(expression, 'UTC')).not.toThrow();
    expect(() => validateSchedule(expression, 'UTC', { dialect: 'scheduler' })).not.toThrow();
  });

  test('agreeing units pass both; the interval is the same either way', () => {
    for (const e of ['rate(1 minute)', 'rate(5 minutes)', 'rate(1 hour)', 'rate(2 days)']) {
      expect(() => validateSchedule(e, undefined, { dialect: 'rule' })).not.toThrow();
    }
    expect(nextRuns('rate(5 minute)', 'UTC', 2, new Date('2026-01-01T00:00:00Z'))).toEqual(
      nextRuns('rate(5 minutes)', 'UTC', 2, new Date('2026-01-01T00:00:00Z')),
    );
  });
});
