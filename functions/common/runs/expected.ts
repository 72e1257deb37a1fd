/**
 * Every time a schedule is expected to fire in a window, as EventBridge Scheduler fires it: time zone and DST,
 * StartDate/EndDate, state DISABLED, one-time at(), and rate() counted from an explicit anchor.
 *
 * The one place the runs code meets the shared schedule engine: a thin adapter from a registration's schedule
 * (ISO strings, epoch milliseconds) to `firesBetween` (functions/common/schedule/runs.ts).
 */
import { firesBetween, parseSchedule } from '../schedule';

export type ScheduleSpec = {
  expression: string;
  timezone: string;
  state: 'ENABLED' | 'DISABLED';
  /** ISO instants; the schedule does not fire before StartDate nor after EndDate (at() ignores both, as AWS does). */
  startDate?: string;
  endDate?: string;
  flexibleWindowMinutes: number;
  /**
   * Where a rate() schedule counts from: its StartDate when it has one, else when it was created (or last changed).
   * Ignored by cron() and at().
   */
  rateAnchor?: string;
};

const date = (iso?: string) => (iso ? new Date(iso) : undefined);

function options(spec: ScheduleSpec) {
  return {
    timezone: spec.timezone,
    state: spec.state,
    startDate: date(spec.startDate),
    endDate: date(spec.endDate),
    anchor: date(spec.rateAnchor),
  };
}

/** Fire times t with from <= t < until, ascending, in epoch milliseconds. */
export function expectedFireTimes(spec: ScheduleSpec, from: number, until: number): number[] {
  if (!(from < until)) return [];
  const out: number[] = [];
  for (const d of firesBetween(spec.expression, options(spec), new Date(from), new Date(until))) out.push(d.getTime());
  return out;
}

/** The first fire time strictly after `after` (epoch ms), or undefined when the schedule will not fire again. */
export function nextFireTime(spec: ScheduleSpec, after: number): number | undefined {
  // Lazily: the first fire is all that is computed, however far ahead (a cron's year field can reach 2199).
  const horizon = new Date(Date.UTC(2200, 0, 1));
  for (const d of firesBetween(spec.expression, options(spec), new Date(after + 1), horizon)) return d.getTime();
  return undefined;
}

/** The interval of a rate() schedule in milliseconds, undefined for cron() and at(). */
export function rateInterval(expression: string): number | undefined {
  const s = parseSchedule(expression);
  return s.type === 'rate' ? s.intervalMs : undefined;
}
