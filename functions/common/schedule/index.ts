/**
 * Schedule expressions of EventBridge Scheduler (and classic EventBridge rules): validation with messages that say
 * what to fix, run times in an IANA time zone, and a description in words.
 *
 * A domain of its own, split by concern: rate.ts, at.ts, cron.ts (each form's rules and parser), zones.ts (IANA
 * names, offsets, daylight saving), runs.ts (next runs, every fire in a window), format.ts, describe.ts. Pure
 * (no AWS SDK, no I/O, no Node-only API: Intl only), so the macro, the CLI, the runs watchdog, the simulator and a
 * browser page all use the same rules.
 *
 * Daylight saving time, as EventBridge Scheduler documents it: a cron time that does not exist (clocks jump
 * forward) is skipped; a time that occurs twice (clocks fall back) runs once, at its first occurrence (AWS says
 * "runs only once"; which of the two is not documented, we take the first). A one-time `at()` that falls in a
 * skipped hour would never run, so it is refused when a time zone is given.
 */
export { describeSchedule } from './describe';
export { ScheduleError } from './errors';
export { formatInZone, formatRun } from './format';
export { checkedSchedule, parseSchedule, validateSchedule } from './parse';
export { rateAgrees } from './rate';
export { type FireOptions, firesBetween, nextRuns, runsAfter } from './runs';
export type {
  CronSpec,
  DayOfMonthRule,
  DayOfWeekRule,
  LocalDateTime,
  RateUnit,
  Schedule,
  ScheduleDialect,
  ScheduleOptions,
} from './types';
export { validateTimezone } from './zones';
