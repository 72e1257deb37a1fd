/**
 * `at(yyyy-mm-ddThh:mm:ss)`: a one-time schedule at a real calendar date-time in the schedule's time zone. A time
 * that daylight saving time skips would never run, so it is refused when the zone is known.
 */
import { DAY, daysInMonth, formatNaive, MINUTE, MONTH_LONG, pad2 } from './calendar';
import { type Fail, ScheduleError } from './errors';
import type { LocalDateTime } from './types';
import { localToInstant, offsetMs } from './zones';

export function parseAt(inner: string, fail: Fail): LocalDateTime {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(inner);
  if (!m) {
    if (/(Z|[+-]\d{2}:?\d{2})$/i.test(inner) && /T/.test(inner)) {
      fail('leave out the "Z" or UTC offset: the time zone is set separately (ScheduleExpressionTimezone)');
    }
    if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d+$/.test(inner)) fail('leave out the fraction of a second');
    if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(inner)) fail(`add the seconds: "at(${inner}:00)"`);
    if (/^\d{4}-\d{2}-\d{2}[ t]\d{2}:\d{2}:\d{2}$/.test(inner))
      fail(`separate date and time with "T": "at(${inner.slice(0, 10)}T${inner.slice(11)})"`);
    fail('one-time schedules are "at(yyyy-mm-ddThh:mm:ss)", e.g. "at(2030-01-31T09:30:00)"');
  }
  const [year, month, day, hour, minute, second] = m!.slice(1).map(Number);
  if (month < 1 || month > 12) fail(`month ${pad2(month)} does not exist: months are 01-12`);
  const dim = daysInMonth(year, month);
  if (day < 1 || day > dim) {
    fail(`${inner.slice(0, 10)} is not a date: ${MONTH_LONG[month - 1]} ${year} has ${dim} days`);
  }
  if (hour > 23) fail(`hour ${pad2(hour)} does not exist: hours are 00-23`);
  if (minute > 59) fail(`minute ${pad2(minute)} does not exist: minutes are 00-59`);
  if (second > 59) fail(`second ${pad2(second)} does not exist: seconds are 00-59`);
  return { year, month, day, hour, minute, second };
}

export function checkAtExists(expression: string, at: LocalDateTime, timezone: string): void {
  const naive = Date.UTC(at.year, at.month - 1, at.day, at.hour, at.minute, at.second);
  if (localToInstant(timezone, naive) !== undefined) return;
  const before = offsetMs(timezone, naive - DAY);
  const after = offsetMs(timezone, naive + DAY);
  const jump = Math.round((after - before) / MINUTE);
  throw new ScheduleError(
    `schedule expression "${expression}": ${formatNaive(naive)} does not exist in ${timezone} ` +
      `(clocks move forward ${jump} minutes for daylight saving time that day), so it would never run; choose another time`,
  );
}

/** The instant an at() schedule fires in `timezone`, or undefined when that local time does not exist there. */
export function atInstant(at: LocalDateTime, timezone: string): number | undefined {
  return localToInstant(timezone, Date.UTC(at.year, at.month - 1, at.day, at.hour, at.minute, at.second));
}
