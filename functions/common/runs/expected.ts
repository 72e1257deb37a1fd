/**
 * Every time a schedule is expected to fire in a window, as EventBridge Scheduler fires it: time zone and DST,
 * StartDate/EndDate, state DISABLED, one-time at(), and rate() counted from an explicit anchor.
 *
 * The one place the runs code meets the shared schedule engine (functions/common/schedule): a thin adapter over
 * `parseSchedule`/`nextRuns`, so the engine's window API can replace its body without touching its callers.
 */
import { nextRuns, parseSchedule } from '../schedule';

export type ScheduleSpec = {
  expression: string;
  timezone: string;
  state: 'ENABLED' | 'DISABLED';
  /** ISO instants; the schedule does not fire before StartDate nor after EndDate. */
  startDate?: string;
  endDate?: string;
  flexibleWindowMinutes: number;
  /**
   * Where a rate() schedule counts from: its StartDate when it has one, else when it was created (or last changed).
   * Ignored by cron() and at().
   */
  rateAnchor?: string;
};

/** nextRuns computes what it is asked for: ask for a few, then more, so a short window costs a few runs. */
const FIRST_BATCH = 8;
const MAX_BATCH = 512;

/** Fire times t with from <= t < until, ascending, in epoch milliseconds. */
export function expectedFireTimes(spec: ScheduleSpec, from: number, until: number): number[] {
  if (spec.state === 'DISABLED') return [];
  const lo = Math.max(from, spec.startDate ? Date.parse(spec.startDate) : Number.NEGATIVE_INFINITY);
  const hi = Math.min(until, spec.endDate ? Date.parse(spec.endDate) + 1 : Number.POSITIVE_INFINITY);
  if (!(lo < hi)) return [];
  const schedule = parseSchedule(spec.expression);
  if (schedule.type === 'rate') {
    const anchorText = spec.rateAnchor ?? spec.startDate;
    if (!anchorText) throw new RangeError(`rate schedule "${spec.expression}" needs a rateAnchor or a startDate`);
    const anchor = Date.parse(anchorText);
    const step = schedule.intervalMs;
    const out: number[] = [];
    for (let t = anchor + Math.max(0, Math.ceil((lo - anchor) / step)) * step; t < hi; t += step) out.push(t);
    return out;
  }
  const out: number[] = [];
  let cursor = lo - 1;
  for (let size = FIRST_BATCH; ; size = Math.min(size * 2, MAX_BATCH)) {
    const batch = nextRuns(spec.expression, spec.timezone, size, new Date(cursor));
    for (const d of batch) {
      const t = d.getTime();
      if (t >= hi) return out;
      out.push(t);
    }
    if (batch.length < size) return out;
    cursor = batch[batch.length - 1].getTime();
  }
}

/** The interval of a rate() schedule in milliseconds, undefined for cron() and at(). */
export function rateInterval(expression: string): number | undefined {
  const s = parseSchedule(expression);
  return s.type === 'rate' ? s.intervalMs : undefined;
}

/** The first fire time strictly after `after` (epoch ms), or undefined when the schedule will not fire again. */
export function nextFireTime(spec: ScheduleSpec, after: number): number | undefined {
  if (spec.state === 'DISABLED') return undefined;
  const from = Math.max(after + 1, spec.startDate ? Date.parse(spec.startDate) : Number.NEGATIVE_INFINITY);
  const end = spec.endDate ? Date.parse(spec.endDate) : Number.POSITIVE_INFINITY;
  const interval = rateInterval(spec.expression);
  let next: number | undefined;
  if (interval !== undefined) {
    next = expectedFireTimes(spec, from, from + interval + 1)[0];
  } else {
    next = nextRuns(spec.expression, spec.timezone, 1, new Date(from - 1))[0]?.getTime();
  }
  return next !== undefined && next <= end ? next : undefined;
}
