import { CloudCronError } from '../errors';

/** A schedule expression or time zone that EventBridge would refuse, or that could never run. */
export class ScheduleError extends CloudCronError {
  override name = 'ScheduleError';
}

/** Throws a ScheduleError naming the expression, for the parsers of each schedule type. */
export type Fail = (problem: string) => never;
