/**
 * The watchdog's work for one tick of its schedule: for every registered job, the slots whose grace ended since
 * the last tick are judged (functions/common/runs/missed.ts); each missed slot is written once (conditional put
 * keyed by job and slot) and announced once on the bus ("Cloud Cron Run Missed", with the recorder's outbox: a
 * claimed notification, then the flag).
 *
 * Progress is one watermark (`checkedUntil`) for all jobs: a tick judges (checkedUntil, now], so a watchdog that
 * was down catches up (at most MAX_CATCH_UP_MS back) and two overlapping ticks write nothing twice. A tick whose
 * reads or writes failed leaves the watermark where it was and fails, so the next tick judges the same slots again;
 * a job whose registration cannot be evaluated is reported and skipped (retrying would not change it).
 */
import { CloudCronError } from '../common/errors';
import { announce, type Bus } from '../common/runs/bus';
import { alertEntry, missedAlert } from '../common/runs/events';
import {
  expiresAt,
  graceMs,
  jobPk,
  LEDGER_VERSION,
  type MissedItem,
  missedSk,
  missedTime,
  type Registration,
  WATCHDOG_KEY,
} from '../common/runs/ledger';
import { judge, readFrom } from '../common/runs/missed';
import type { LedgerStore } from '../common/runs/store';
import { ScheduleError } from '../common/schedule';

export const FIRST_LOOKBACK_MS = 60 * 60_000;
export const MAX_CATCH_UP_MS = 7 * 24 * 60 * 60_000;

export class WatchdogError extends CloudCronError {
  override name = 'WatchdogError';
}

export type Log = {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
};

export type WatchdogDeps = {
  store: LedgerStore;
  bus: Bus;
  busName: string;
  retentionDays: number;
  concurrency: number;
  clock: () => Date;
  log: Log;
};

export type WatchdogSummary = {
  now: string;
  judgeFrom: string;
  jobs: number;
  judged: number;
  missed: { job: string; scheduledTime: string }[];
  notified: number;
  skippedJobs: { job: string; reason: string }[];
};

/** The tick's time: the scheduled event's `time` (when the rule fired), unless it is unreadable or in the future. */
export function tickTime(event: unknown, clock: Date): Date {
  const time = event && typeof event === 'object' ? (event as { time?: unknown }).time : undefined;
  const t = typeof time === 'string' ? Date.parse(time) : Number.NaN;
  return Number.isFinite(t) && t <= clock.getTime() + 60_000 ? new Date(t) : clock;
}

async function mapLimit<T, R>(
  items: T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  const out: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) {
      try {
        out[i] = { status: 'fulfilled', value: await work(items[i]) };
      } catch (reason) {
        out[i] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export function createWatchdog(deps: WatchdogDeps): (event: unknown) => Promise<WatchdogSummary> {
  const { store, bus, busName, retentionDays, concurrency, clock, log } = deps;

  async function checkJob(job: Registration, judgeFrom: number, now: number) {
    const window = { judgeFrom, now };
    const entries = await store.entriesSince(job.job, new Date(readFrom(job, window)).toISOString());
    const { missed, judged } = judge(job, entries, window);
    const graceMinutes = Math.round(graceMs(job) / 60_000);
    const toAnnounce: MissedItem[] = [];
    const found: string[] = [];
    for (const slot of missed) {
      const scheduledTime = new Date(slot).toISOString();
      const item: MissedItem = {
        pk: jobPk(job.job),
        sk: missedSk(scheduledTime),
        t: missedTime(scheduledTime),
        kind: 'missed',
        v: LEDGER_VERSION,
        job: job.job,
        ...(job.functionArn ? { functionArn: job.functionArn } : {}),
        ...(job.task ? { runner: 'ecs' as const, taskDefinitionArn: job.task.taskDefinitionArn } : {}),
        status: 'missed',
        scheduledTime,
        detectedAt: new Date(now).toISOString(),
        graceMinutes,
        expiresAt: expiresAt(scheduledTime, retentionDays),
        notified: false,
      };
      const put = await store.putMissed(item);
      if (put.created) found.push(scheduledTime);
      const stored = put.created ? item : put.existing;
      if (stored && stored.notified === false) toAnnounce.push(stored);
    }
    // Missed slots recorded by an earlier tick whose event never reached the bus.
    for (const e of entries) {
      if (e.kind === 'missed' && e.notified === false && !toAnnounce.some((m) => m.sk === e.sk)) toAnnounce.push(e);
    }
    const announced = await announce(toAnnounce, {
      store,
      bus,
      now: new Date(now),
      entry: (m) => alertEntry(missedAlert(m, job.timezone), busName),
    });
    return { judged, found, notified: announced.length };
  }

  return async (event) => {
    const now = tickTime(event, clock()).getTime();
    const state = await store.getWatchdogState();
    const previous = state ? Date.parse(state.checkedUntil) : now - FIRST_LOOKBACK_MS;
    const judgeFrom = Math.min(now, Math.max(previous, now - MAX_CATCH_UP_MS));
    const jobs = await store.listRegistrations();
    const results = await mapLimit(jobs, concurrency, (job) => checkJob(job, judgeFrom, now));
    const summary: WatchdogSummary = {
      now: new Date(now).toISOString(),
      judgeFrom: new Date(judgeFrom).toISOString(),
      jobs: jobs.length,
      judged: 0,
      missed: [],
      notified: 0,
      skippedJobs: [],
    };
    const failures: { job: string; error: Error }[] = [];
    results.forEach((r, i) => {
      const job = jobs[i].job;
      if (r.status === 'fulfilled') {
        summary.judged += r.value.judged;
        summary.notified += r.value.notified;
        for (const scheduledTime of r.value.found) summary.missed.push({ job, scheduledTime });
      } else if (r.reason instanceof ScheduleError || r.reason instanceof RangeError) {
        summary.skippedJobs.push({ job, reason: (r.reason as Error).message });
        log.error('job registration cannot be evaluated: skipped', { job, reason: (r.reason as Error).message });
      } else {
        failures.push({ job, error: r.reason as Error });
      }
    });
    for (const m of summary.missed) log.warn('missed run', m);
    if (failures.length > 0) {
      for (const f of failures) log.error('job check failed', { job: f.job, error: f.error });
      throw new WatchdogError(
        `${failures.length} of ${jobs.length} job(s) could not be checked (first: ${failures[0].job}: ${failures[0].error.message}); the next tick checks them again`,
        { cause: failures[0].error },
      );
    }
    if (now > previous || !state) {
      await store.putWatchdogState({
        ...WATCHDOG_KEY,
        checkedUntil: new Date(now).toISOString(),
        updatedAt: clock().toISOString(),
      });
    }
    log.info('watchdog tick', {
      now: summary.now,
      judgeFrom: summary.judgeFrom,
      jobs: summary.jobs,
      judged: summary.judged,
      missed: summary.missed.length,
    });
    return summary;
  };
}
