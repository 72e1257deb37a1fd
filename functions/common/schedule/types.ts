/** The parsed forms of a schedule expression, shared by every part of the schedule module. */
export type RateUnit = 'minute' | 'hour' | 'day';
export type DayOfMonthRule =
  | { kind: 'any' }
  | { kind: 'days'; days: number[] }
  | { kind: 'last' }
  | { kind: 'lastWeekday' }
  | { kind: 'nearestWeekday'; day: number };
export type DayOfWeekRule =
  | { kind: 'any' }
  | { kind: 'days'; days: number[] }
  | { kind: 'lastOfMonth'; day: number }
  | { kind: 'nth'; day: number; nth: number };
export type CronSpec = {
  minutes: number[];
  hours: number[];
  dayOfMonth: DayOfMonthRule;
  months: number[];
  dayOfWeek: DayOfWeekRule;
  years: number[];
};
export type LocalDateTime = { year: number; month: number; day: number; hour: number; minute: number; second: number };
export type Schedule =
  | { type: 'rate'; value: number; unit: RateUnit; intervalMs: number }
  | { type: 'cron'; spec: CronSpec }
  | { type: 'at'; at: LocalDateTime };

/**
 * Which service reads the expression: `scheduler` (EventBridge Scheduler: SAM ScheduleV2, AWS::Scheduler::Schedule,
 * the default) or `rule` (classic EventBridge rules: AWS::Events::Rule, SAM Schedule events), which is stricter about
 * rate units.
 */
export type ScheduleDialect = 'scheduler' | 'rule';

export type ScheduleOptions = { dialect?: ScheduleDialect };
