/** The parsed forms of schedule expressions, shared by every file of the module. */

export type RateUnit = 'minute' | 'hour' | 'day';

export type DayOfMonthRule =
  | { kind: 'any' }
  | { kind: 'days'; days: number[] }
  | { kind: 'last' }
  | { kind: 'lastWeekday' }
  | { kind: 'nearestWeekday'; day: number };

/** Day-of-week numbers are AWS's: 1 = SUN ... 7 = SAT. */
export type DayOfWeekRule =
  | { kind: 'any' }
  | { kind: 'days'; days: number[] }
  | { kind: 'lastOfMonth'; day: number }
  | { kind: 'nth'; day: number; nth: number };

/** Every field as the sorted set of values it matches (a wrap-around range such as 20-2 is 0,1,2,20,21,22,23). */
export type CronSpec = {
  minutes: number[];
  hours: number[];
  dayOfMonth: DayOfMonthRule;
  months: number[];
  dayOfWeek: DayOfWeekRule;
  years: number[];
  /** The six fields as written, for messages and descriptions. */
  fields: readonly [string, string, string, string, string, string];
  /** Names of the fields with a range that wraps around (e.g. "hours" for 20-2). */
  wrapped: string[];
};

/** A wall-clock date-time, with no zone. */
export type LocalDateTime = { year: number; month: number; day: number; hour: number; minute: number; second: number };

export type Schedule =
  | { type: 'rate'; value: number; unit: RateUnit; intervalMs: number }
  | { type: 'cron'; spec: CronSpec }
  | { type: 'at'; at: LocalDateTime };

export type ScheduleState = 'ENABLED' | 'DISABLED';

/**
 * What EventBridge Scheduler keeps beside the expression and that decides when it fires (the properties of
 * AWS::Scheduler::Schedule / CreateSchedule of the same names).
 */
export type ScheduleSettings = {
  /** IANA zone the expression is read in (ScheduleExpressionTimezone). Default UTC, as when the property is omitted. */
  timezone?: string;
  /**
   * StartDate: no fire before it. A rate() schedule with a StartDate fires first at it, then every interval.
   * Ignored by at(), as EventBridge Scheduler ignores it for one-time schedules.
   */
  startDate?: Date;
  /** EndDate: no fire after it. Ignored by at(). */
  endDate?: Date;
  /** DISABLED: the schedule never fires. Default ENABLED. */
  state?: ScheduleState;
  /**
   * When the schedule was created (or its expression last changed): a rate() schedule without StartDate fires first
   * then, then every interval. Required for rate() without startDate, ignored otherwise.
   */
  createdAt?: Date;
};
