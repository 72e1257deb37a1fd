/**
 * When a schedule fires: every fire time in a window (for a watchdog or a simulator), the next N runs (for the CLI),
 * and whether any run is left (for the macro's warning). Lazy and linear: a year of every-5-minutes fires is one pass
 * over the days, with two UTC-offset look-ups a day (more only on the days clocks change).
 *
 * As EventBridge Scheduler documents it: a cron time that daylight saving time skips does not run; one it repeats runs
 * once, at its first occurrence (AWS says "runs only once", not which; we take the first). StartDate and EndDate bound
 * recurring schedules and are ignored by at(); a DISABLED schedule never fires; a rate() schedule fires at its start
 * (StartDate, else when it was created), then every interval, whatever the zone.
 */
import { atInstant } from './at';
import { DAY, HOUR, MINUTE } from './calendar';
import { matchingDays } from './cron';
import { ScheduleError } from './errors';
import { checkedSchedule } from './parse';
import { rateInstants } from './rate';
import type { CronSpec, Schedule, ScheduleSettings } from './types';
import { DEFAULT_TIMEZONE, localToInstant, offsetMs, steadyOffset, validateTimezone } from './zones';

/** The last instant a Date can hold. */
const MAX_DATE = 8.64e15;

/** After every year a cron expression can name (1970-2199). */
const END_OF_CRON_TIME = Date.UTC(2200, 0, 2);

/**
 * Every time `schedule` fires from `from` (included) until `until` (excluded), ascending, as EventBridge Scheduler
 * would fire it with these settings. The window is half-open so that consecutive windows ([a, b), [b, c)) count each
 * fire exactly once. Settings are checked at once (a ScheduleError for a bad expression or zone, or a rate() with no
 * anchor); the fires are computed as they are read.
 */
export function firesBetween(
  schedule: string | Schedule,
  settings: ScheduleSettings,
  from: Date,
  until: Date,
): IterableIterator<Date> {
  const timezone = settings.timezone ?? DEFAULT_TIMEZONE;
  const parsed = typeof schedule === 'string' ? checkedSchedule(schedule, timezone) : checkedObject(schedule, timezone);
  const lo = instant(from, 'from');
  const hi = instant(until, 'until') - 1;
  const startMs = settings.startDate === undefined ? undefined : instant(settings.startDate, 'startDate');
  const endMs = settings.endDate === undefined ? undefined : instant(settings.endDate, 'endDate');
  if (settings.state !== undefined && settings.state !== 'ENABLED' && settings.state !== 'DISABLED') {
    throw new ScheduleError(`state "${settings.state}" must be ENABLED or DISABLED`);
  }
  let anchor: number | undefined;
  if (parsed.type === 'rate') {
    anchor = startMs ?? (settings.createdAt === undefined ? undefined : instant(settings.createdAt, 'createdAt'));
    if (anchor === undefined) {
      throw new ScheduleError(
        'a rate() schedule fires every interval from its start: give its startDate, or createdAt (when it was created)',
      );
    }
  }
  return dates(
    (function* (): Generator<number> {
      if (settings.state === 'DISABLED') return;
      if (parsed.type === 'at') {
        const t = atInstant(parsed.at, timezone);
        if (t !== undefined && t >= lo && t <= hi) yield t;
        return;
      }
      const first = Math.max(lo, startMs ?? lo);
      const last = Math.min(hi, endMs ?? hi);
      if (first > last) return;
      if (parsed.type === 'rate') yield* rateInstants(parsed, anchor!, first, last);
      else yield* cronInstants(parsed.spec, timezone, first, last);
    })(),
  );
}

/**
 * The next `count` run times after `from` (default: now), as EventBridge Scheduler would compute them in `timezone`.
 * Fewer when the schedule runs out (year field, one-time `at()` already past). A `rate()` schedule is taken to start
 * at `from` (as one created then, without StartDate, starts at once): its first run is `from` itself.
 */
export function nextRuns(expression: string, timezone: string, count: number, from: Date = new Date()): Date[] {
  const schedule = checkedSchedule(expression, timezone);
  if (!Number.isInteger(count) || count < 0) throw new ScheduleError(`count ${count} must be a whole number >= 0`);
  const fromMs = instant(from, 'from');
  const out: Date[] = [];
  if (count === 0) return out;
  const fires =
    schedule.type === 'rate'
      ? firesBetween(
          schedule,
          { timezone, createdAt: from },
          from,
          new Date(Math.min(fromMs + count * schedule.intervalMs, MAX_DATE)),
        )
      : firesBetween(schedule, { timezone }, new Date(fromMs + 1), new Date(END_OF_CRON_TIME));
  for (const t of fires) {
    out.push(t);
    if (out.length >= count) break;
  }
  return out;
}

/**
 * Whether `expression` (read in `timezone`, default UTC) has any run after `after`: false for an at() already past
 * and a cron() whose years are all past. Throws a ScheduleError as validateSchedule does.
 */
export function hasRunAfter(expression: string, timezone: string | undefined, after: Date): boolean {
  const zone = timezone ?? DEFAULT_TIMEZONE;
  const schedule = checkedSchedule(expression, zone);
  const t = instant(after, 'after');
  // Wall-clock times two days or more from `after` are on the same side of it in every zone: most answers need no
  // time zone data at all (the macro asks for every schedule of a template, on its cold start).
  const margin = 2 * DAY;
  if (schedule.type === 'rate') return true;
  if (schedule.type === 'at') {
    const { year, month, day, hour, minute, second } = schedule.at;
    const naive = Date.UTC(year, month - 1, day, hour, minute, second);
    if (naive > t + margin) return true;
    if (naive < t - margin) return false;
  } else {
    const { spec } = schedule;
    if (Date.UTC(spec.years[spec.years.length - 1] + 1, 0, 1) < t - margin) return false;
    for (const y of spec.years) {
      if (Date.UTC(y, 0, 1) < t + margin) continue;
      if (spec.months.some((m) => matchingDays(spec, y, m).length > 0)) return true;
    }
  }
  return nextRuns(expression, zone, 1, after).length > 0;
}

/** Cron fire instants t with lo <= t <= hi (ms), ascending. */
function* cronInstants(spec: CronSpec, timezone: string, lo: number, hi: number): Generator<number> {
  const loNaive = lo + offsetMs(timezone, lo);
  const hiNaive = hi + offsetMs(timezone, hi);
  const start = new Date(loNaive);
  const sy = start.getUTCFullYear();
  const sm = start.getUTCMonth() + 1;
  const sd = start.getUTCDate();
  // Wall-clock order is fire order (a skipped time is left out, a repeated one taken at its first occurrence), so a
  // day more than a day past `hi` in wall-clock time ends the search whatever the offsets.
  const stop = hiNaive + DAY;
  for (const y of spec.years) {
    if (y < sy) continue;
    if (Date.UTC(y, 0, 1) > stop) return;
    for (const m of spec.months) {
      if (y === sy && m < sm) continue;
      if (Date.UTC(y, m - 1, 1) > stop) return;
      for (const d of matchingDays(spec, y, m)) {
        if (y === sy && m === sm && d < sd) continue;
        const midnight = Date.UTC(y, m - 1, d);
        if (midnight > stop) return;
        const steady = steadyOffset(timezone, midnight);
        for (const h of spec.hours) {
          for (const mi of spec.minutes) {
            const naive = midnight + h * HOUR + mi * MINUTE;
            const t = steady === undefined ? localToInstant(timezone, naive) : naive - steady;
            if (t === undefined || t < lo) continue;
            if (t > hi) return;
            yield t;
          }
        }
      }
    }
  }
}

function* dates(instants: Iterator<number>): Generator<Date> {
  for (let r = instants.next(); !r.done; r = instants.next()) yield new Date(r.value);
}

function instant(date: Date, name: string): number {
  // Not `instanceof Date`: a Date from another realm (an iframe, a vm context) is a Date too.
  const t =
    date !== null && typeof date === 'object' && typeof date.getTime === 'function' ? date.getTime() : Number.NaN;
  if (!Number.isFinite(t)) throw new ScheduleError(`${name} is not a valid date`);
  return t;
}

function checkedObject(schedule: Schedule, timezone: string): Schedule {
  validateTimezone(timezone);
  return schedule;
}
