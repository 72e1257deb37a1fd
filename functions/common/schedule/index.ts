/**
 * Schedule expressions of EventBridge Scheduler (and classic EventBridge rules), a domain of their own: validation
 * with messages that say what to fix, when a schedule fires (in an IANA time zone, across daylight saving time, with
 * StartDate, EndDate, state and a rate's anchor), and descriptions for people.
 *
 * Pure (no AWS SDK, no I/O, no Node API: Intl only), so the CloudCron macro, the `cloud-cron` CLI, `npm start`, the
 * runs watchdog and simulator and a browser bundle all use the same rules. This file is the public API; each concern
 * lives in its own file:
 * - parse.ts: which type an expression is; rate.ts, at.ts, cron.ts: each type's rules (cron.ts documents wrap-around
 *   ranges and field-by-field matching);
 * - runs.ts: fire times (firesBetween, nextRuns, hasRunAfter); zones.ts: time zone names, offsets and formatting;
 * - describe.ts: descriptions and notes; calendar.ts, types.ts, errors.ts: what they share.
 */
import { checkedSchedule } from './parse';

export { describeSchedule, scheduleNotes } from './describe';
export { ScheduleError } from './errors';
export { parseSchedule } from './parse';
export { firesBetween, hasRunAfter, nextRuns } from './runs';
export type {
  CronSpec,
  DayOfMonthRule,
  DayOfWeekRule,
  LocalDateTime,
  RateUnit,
  Schedule,
  ScheduleSettings,
  ScheduleState,
} from './types';
export { DEFAULT_TIMEZONE, formatInZone, formatRun, validateTimezone } from './zones';

/**
 * Throws a ScheduleError naming what is wrong with `expression` (and `timezone`, when given) and how to fix it. An
 * empty `timezone` is refused: CloudFormation and the Scheduler API refuse an empty ScheduleExpressionTimezone
 * (1-50 characters); leave it out (undefined) for UTC.
 */
export function validateSchedule(expression: string, timezone?: string): void {
  checkedSchedule(expression, timezone);
}
