/** Schedules in words, the notes beside them, and run times with their weekday. */
import {
  describeSchedule,
  formatRun,
  parseSchedule,
  ScheduleError,
  scheduleNotes,
} from '../../../functions/common/schedule';

describe('describeSchedule', () => {
  test.each([
    ['cron(0 8 ? * MON-FRI *)', 'every weekday at 08:00'],
    ['cron(0 8 ? * 2-6 *)', 'every weekday at 08:00'],
    ['cron(0 8 ? * 1-5 *)', 'every SUN-THU at 08:00'],
    ['cron(0 9 ? * FRI-MON *)', 'every FRI-MON at 09:00'],
    ['cron(0 18 ? * MON,WED,FRI *)', 'every MON, WED and FRI at 18:00'],
    ['cron(0 12 * * ? *)', 'every day at 12:00'],
    ['cron(5,35 14 * * ? *)', 'every day at 14:05 and 14:35'],
    ['cron(*/5 * * * ? *)', 'every 5 minutes'],
    ['cron(* * * * ? *)', 'every minute'],
    ['cron(5/15 * * * ? *)', 'every 15 minutes from minute 5 of each hour'],
    ['cron(0 * * * ? *)', 'every hour at :00'],
    ['cron(0/30 20-2 ? * MON-FRI *)', 'every weekday, every 30 minutes from 20:00 to 02:30'],
    [
      'cron(0/10 8-11,14-17 ? * MON-FRI *)',
      'every weekday, every 10 minutes from 08:00 to 11:50 and from 14:00 to 17:50',
    ],
    ['cron(0 20-2/2 * * ? *)', 'every day at 00:00, 02:00, 20:00 and 22:00'],
    ['cron(0 20-4/2 * * ? *)', 'every day at minute 0 of hours 0, 2, 4, 20 and 22'],
    ['cron(15 8-17 * * ? *)', 'every hour from 08:15 to 17:15'],
    ['cron(* 9-10 ? * SAT *)', 'every SAT, every minute from 09:00 to 10:59'],
    ['cron(0/30 8,12,18 * * ? *)', 'every day at minutes 0 and 30 of hours 8, 12 and 18'],
    ['cron(0 0 L * ? *)', 'on the last day of the month at 00:00'],
    ['cron(0 0 LW * ? *)', 'on the last weekday of the month at 00:00'],
    ['cron(0 9 15W * ? *)', 'on the weekday nearest day 15 of the month at 09:00'],
    ['cron(0 0 1,15 JAN,JUL ? *)', 'on days 1 and 15 of JAN and JUL at 00:00'],
    ['cron(0 0 28-3 * ? *)', 'on days 28-3 of the month at 00:00'],
    ['cron(0 9 1 NOV-FEB ? *)', 'on day 1 of NOV-FEB at 09:00'],
    ['cron(0 8 ? * 3#2 *)', 'on the second TUE of the month at 08:00'],
    ['cron(15 10 ? * 6L 2026-2030)', 'on the last FRI of the month at 10:15 in 2026-2030'],
    ['cron(0 9 ? JAN-MAR MON-FRI 2027)', 'every weekday in JAN-MAR at 09:00 in 2027'],
    ['cron(7,19,42 8-11 * * ? *)', 'every day at minutes 7, 19 and 42 of hours 8-11'],
    ['rate(1 minute)', 'every minute, counted from its start'],
    ['rate(12 hours)', 'every 12 hours, counted from its start'],
    ['at(2030-01-31T09:30:00)', 'once, on Thu 2030-01-31 at 09:30'],
    ['at(2030-01-31T09:30:15)', 'once, on Thu 2030-01-31 at 09:30:15'],
  ])('%s: %s', (expression, words) => {
    expect(describeSchedule(expression)).toBe(words);
    expect(describeSchedule(parseSchedule(expression))).toBe(words);
  });

  test('refuses what parseSchedule refuses', () => {
    expect(() => describeSchedule('cron(0 8 * * * *)')).toThrow(ScheduleError);
  });
});

describe('scheduleNotes', () => {
  test('day-of-week in numbers: what they mean in names', () => {
    expect(scheduleNotes('cron(0 8 ? * 1-5 *)')).toEqual([
      'day-of-week "1-5" is in numbers, which AWS counts from Sunday (1 = SUN, 2 = MON ... 7 = SAT): "1-5" is SUN-THU; write the days by name to say it plainly',
    ]);
    expect(scheduleNotes('cron(0 8 ? * 2,4,6 *)')[0]).toContain('"2,4,6" is MON,WED,FRI');
    expect(scheduleNotes('cron(0 8 ? * 6L *)')[0]).toContain('"6L" is FRIL');
    expect(scheduleNotes('cron(0 8 ? * 3#2 *)')[0]).toContain('"3#2" is TUE#2');
  });

  test('hours past midnight with chosen days: each run is matched on its own day', () => {
    const [note] = scheduleNotes('cron(0/30 20-2 ? * MON-FRI *)');
    expect(note).toBe(
      'hours "20-2" run past midnight, and AWS matches each run field by field on the day it falls on: a run after midnight happens only if that day matches day-of-week "MON-FRI" too, not because the day before did',
    );
    expect(scheduleNotes('cron(0 22-2 1 * ? *)')[0]).toContain('day-of-month "1"');
  });

  test('nothing to say', () => {
    for (const e of ['cron(0 8 ? * MON-FRI *)', 'cron(0 20-2 * * ? *)', 'cron(0 8 1 * ? *)', 'rate(5 minutes)']) {
      expect(scheduleNotes(e)).toEqual([]);
    }
    expect(scheduleNotes('at(2030-01-01T00:00:00)')).toEqual([]);
  });
});

describe('formatRun', () => {
  test('weekday, date, time and zone; seconds only when there are any', () => {
    expect(formatRun(new Date('2026-12-07T07:00:00Z'), 'Europe/Paris')).toBe('Mon 2026-12-07 08:00 Europe/Paris');
    expect(formatRun(new Date('2026-12-06T23:30:00Z'), 'Asia/Tokyo')).toBe('Mon 2026-12-07 08:30 Asia/Tokyo');
    expect(formatRun(new Date('2026-12-07T03:00:00Z'), 'America/New_York')).toBe(
      'Sun 2026-12-06 22:00 America/New_York',
    );
    expect(formatRun(new Date('2026-12-07T07:00:15.700Z'), 'UTC')).toBe('Mon 2026-12-07 07:00:15 UTC');
  });
});
