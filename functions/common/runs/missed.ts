/**
 * Which expected slots of a job have no run: the watchdog's judgement, as a pure function of the registration,
 * the ledger entries around the window and the clock.
 *
 * A run is matched to a slot by what the ledger knows of it:
 * - exact (ScheduleContext on): its scheduledTime is the slot, within a tolerance (the Scheduler names the slot it
 *   fired for; rate() anchors are known to the second only). AWS documents scheduled-time as the time the schedule
 *   was set to invoke, not when a flexible window let it run; should it ever carry the later time, a scheduledTime up
 *   to the flexible window after a slot still counts for that slot;
 * - by its end (context off): the latest slot at or before the end, or, when that slot already has a run (a slow
 *   run, a retry finishing late), the latest earlier slot still without one, as long as the run ended within the
 *   job's grace of it. Runs that outlast their interval cannot be told apart this way: such jobs should turn
 *   ScheduleContext on.
 * Manual runs (`cloud-cron run`, trigger "manual") never stand in for a slot.
 *
 * A slot is missed when its grace has passed (now >= slot + grace) and no run matched it. The judged slots are
 * those whose grace ended in (judgeFrom, now]; slots at or before the registration's `since` are never judged.
 */
import { expectedFireTimes, rateInterval } from './expected';
import { graceMs, type LedgerEntry, type Registration } from './ledger';

const MINUTE = 60_000;

export type JobWindow = {
  /** Slots are judged when their grace ended after this instant (exclusive) ... */
  judgeFrom: number;
  /** ... and at or before now. */
  now: number;
};

export type Judgement = {
  /** Slots found missed now (never already recorded as missed), ascending epoch ms. */
  missed: number[];
  /** How many slots this window judged (missed or not). */
  judged: number;
};

/** How early (before the slot) a run may be and still count for it. */
export function earlyToleranceMs(expression: string): number {
  const interval = rateInterval(expression);
  return interval === undefined ? MINUTE : Math.min(interval / 2, 5 * MINUTE);
}

/** The earliest `t` (index byTime) the watchdog must read for a window: runs that can match a judged slot. */
export function readFrom(job: Registration, window: JobWindow): number {
  const grace = graceMs(job);
  return window.judgeFrom - 2 * grace - earlyToleranceMs(job.expression);
}

function spec(job: Registration) {
  return {
    expression: job.expression,
    timezone: job.timezone,
    state: job.state,
    startDate: job.startDate,
    endDate: job.endDate,
    flexibleWindowMinutes: job.flexibleWindowMinutes,
    rateAnchor: job.rateAnchor,
  };
}

/** Latest index i with slots[i] <= t, or -1. */
function latestAtOrBefore(slots: number[], t: number): number {
  let lo = 0;
  let hi = slots.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (slots[mid] <= t) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/**
 * The slot a run's scheduledTime names: the latest slot at most `early` after it, if that slot is at most `early`
 * before it, or at most `late` (the flexible window) before it. -1 when none.
 */
export function exactSlot(slots: number[], ref: number, early: number, late: number): number {
  const i = latestAtOrBefore(slots, ref + early);
  return i >= 0 && ref - slots[i] <= Math.max(early, late) ? i : -1;
}

export function judge(job: Registration, entries: LedgerEntry[], window: JobWindow): Judgement {
  const grace = graceMs(job);
  const early = earlyToleranceMs(job.expression);
  const late = job.flexibleWindowMinutes * MINUTE;
  const since = Date.parse(job.since);
  const judgeLo = window.judgeFrom - grace;
  const judgeHi = window.now - grace;
  if (judgeHi <= judgeLo) return { missed: [], judged: 0 };
  const contextFrom = Math.max(since, readFrom(job, window) - grace);
  const slots = expectedFireTimes(spec(job), contextFrom, window.now + early + 1);
  if (slots.length === 0) return { missed: [], judged: 0 };
  const matched = new Uint8Array(slots.length);
  const known = new Set<number>();
  const byEnd: number[] = [];
  for (const e of entries) {
    if (e.kind === 'missed') {
      known.add(Date.parse(e.scheduledTime));
      continue;
    }
    if (e.trigger === 'manual') continue;
    if (e.scheduledTime) {
      const j = exactSlot(slots, Date.parse(e.scheduledTime), early, late);
      if (j >= 0) matched[j] = 1;
    } else byEnd.push(Date.parse(e.endedAt));
  }
  byEnd.sort((a, b) => a - b);
  for (const end of byEnd) {
    for (let j = latestAtOrBefore(slots, end + early); j >= 0 && slots[j] >= end - grace; j--) {
      if (!matched[j]) {
        matched[j] = 1;
        break;
      }
    }
  }
  const missed: number[] = [];
  let judged = 0;
  for (let j = 0; j < slots.length; j++) {
    const s = slots[j];
    if (s <= judgeLo || s > judgeHi || s <= since) continue;
    judged += 1;
    if (!matched[j] && !known.has(s)) missed.push(s);
  }
  return { missed, judged };
}
