/**
 * When a schedule fires: the next runs after an instant (for people), and every expected fire time in a window
 * (for the watchdog that detects missed runs and the simulator that fires schedules on a fake clock).
 *
 * - rate(): fires at its anchor (the schedule's StartDate, else the moment it was created) and every interval after
 *   it. The anchor is an explicit input: nothing in the expression says when a rate schedule started.
 * - cron(): wall-clock times in the zone (daylight saving gaps skipped, repeated times once), within StartDate and
 *   EndDate when given.
 * - at(): once, in the zone. EventBridge Scheduler ignores StartDate and EndDate for one-time schedules; so does this.
 * - State DISABLED: never fires.
 */
import { atInstant } from './at';
import { DAY } from './calendar';
import { cronFires, matchingDays } from './cron';
import { ScheduleError } from './errors';
import { checkedSchedule } from './parse';
import type { Schedule } from './types';
import { validateTimezone } from './zones';

export type FireOptions = {
  /** IANA zone the expression is read in (default UTC). */
  timezone?: string;
  /** The schedule's StartDate: no fire before it. */
  startDate?: Date;
  /** The schedule's EndDate: no fire after it. */
  endDate?: Date;
  /** ENABLED (default) or DISABLED. */
  state?: 'ENABLED' | 'DISABLED';
  /** Where a rate() schedule's intervals count from when it has no StartDate: the time it was created. */
  anchor?: Date;
};

function ms(d: Date | undefined, what: string): number | undefined {
  if (d === undefined) return undefined;
  // Not `instanceof Date`: a Date from another realm (an iframe, a vm context) is a Date too.
  const t = d !== null && typeof d === 'object' && typeof d.getTime === 'function' ? d.getTime() : Number.NaN;
  if (!Number.isFinite(t)) throw new ScheduleError(`${what} is not a valid date`);
  return t;
}

/**
 * Every instant `expression` fires at with from <= t < until (a half-open window, so consecutive windows never see a
 * fire twice), ascending, lazily. Linear in the number of fires: a year of rate(5 minutes) is 105,120 steps, a year
 * of cron(*\/5 * * * ? *) two UTC-offset look-ups a day. Everything is checked at the call (a bad expression, zone,
 * date or state, a rate with no anchor throw a ScheduleError then, not at the first fire read).
 */
export function firesBetween(
  expression: string | Schedule,
  options: FireOptions,
  from: Date,
  until: Date,
): IterableIterator<Date> {
  const timezone = options.timezone ?? 'UTC';
  if (typeof expression !== 'string') validateTimezone(timezone);
  const schedule = typeof expression === 'string' ? checkedSchedule(expression, timezone) : expression;
  if (options.state !== undefined && options.state !== 'ENABLED' && options.state !== 'DISABLED') {
    throw new ScheduleError(`state "${options.state}" must be ENABLED or DISABLED`);
  }
  let lo = ms(from, 'the window start') as number;
  let hi = ms(until, 'the window end') as number;
  const start = ms(options.startDate, 'StartDate');
  const end = ms(options.endDate, 'EndDate');
  const anchor = schedule.type === 'rate' ? (start ?? ms(options.anchor, 'the rate anchor')) : undefined;
  if (schedule.type === 'rate' && anchor === undefined) {
    throw new ScheduleError(
      'a rate() schedule fires at its start and every interval after it: give its StartDate or the time it was created (anchor)',
    );
  }
  return (function* (): Generator<Date> {
    if (options.state === 'DISABLED') return;
    if (schedule.type === 'at') {
      const t = atInstant(schedule.at, timezone);
      if (t !== undefined && t >= lo && t < hi) yield new Date(t);
      return;
    }
    if (start !== undefined) lo = Math.max(lo, start);
    // EndDate is the last instant a run may happen at: include it.
    if (end !== undefined) hi = Math.min(hi, end + 1);
    if (lo >= hi) return;
    if (schedule.type === 'rate') {
      const step = schedule.intervalMs;
      const k = lo <= anchor! ? 0 : Math.ceil((lo - anchor!) / step);
      for (let t = anchor! + k * step; t < hi; t += step) yield new Date(t);
      return;
    }
    for (const t of cronFires(schedule.spec, timezone, lo - 1)) {
      if (t >= hi) return;
      yield new Date(t);
    }
  })();
}

/**
 * The next `count` run times after `from` (default: now), as EventBridge Scheduler would compute them in
 * `timezone`. Fewer when the schedule runs out (year field, one-time `at()` already past). A `rate()` schedule is
 * taken to start at `from` (as a schedule created then, without StartDate, starts at once).
 */
export function nextRuns(expression: string, timezone: string, count: number, from: Date = new Date()): Date[] {
  const schedule = checkedSchedule(expression, timezone);
  if (!Number.isInteger(count) || count < 0) throw new ScheduleError(`count ${count} must be a whole number >= 0`);
  const fromMs = ms(from, 'the start time') as number;
  if (count === 0) return [];
  switch (schedule.type) {
    case 'rate': {
      const out: Date[] = [];
      for (let i = 0; i < count; i++) out.push(new Date(fromMs + i * schedule.intervalMs));
      return out;
    }
    case 'at': {
      const t = atInstant(schedule.at, timezone);
      return t !== undefined && t > fromMs ? [new Date(t)] : [];
    }
    case 'cron': {
      const out: Date[] = [];
      for (const t of cronFires(schedule.spec, timezone, fromMs)) {
        out.push(new Date(t));
        if (out.length >= count) break;
      }
      return out;
    }
  }
}

/**
 * Whether the schedule can still fire after `after`: false for an at() in the past and for a cron whose years are
 * all past. Such a schedule is valid (a stack whose one-time schedule already ran must stay updatable) but will
 * never run again, which is worth a warning.
 */
export function runsAfter(expression: string, timezone: string, after: Date): boolean {
  const schedule = checkedSchedule(expression, timezone);
  if (schedule.type === 'rate') return true;
  const t = ms(after, 'the time') as number;
  // Wall-clock times two days or more from `after` are on the same side of it in every zone, so most answers need
  // no time zone data (the macro asks for every schedule of a template, on its cold start, and ICU's first load
  // costs milliseconds).
  const margin = 2 * DAY;
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
  return nextRuns(expression, timezone, 1, after).length > 0;
}
