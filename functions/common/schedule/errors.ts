import { CloudCronError } from '../errors';

/** A schedule expression or time zone that EventBridge would refuse, or that could never run. */
export class ScheduleError extends CloudCronError {
  override name = 'ScheduleError';
}

/** Reports a problem with one expression; never returns. */
export type Fail = (problem: string) => never;
