/**
 * From a job to the EventBridge Scheduler schedule it needs (or the reason it needs none): one pure function, so
 * the stream reconciler, the sweep and the tests agree on every field.
 *
 * - Every schedule targets the dispatcher with the small Input of dispatch-input.ts, through the app's scheduler
 *   role, with a retry policy and the app's dead-letter queue for fires that could not be delivered.
 * - One-time at() schedules delete themselves after they run (ActionAfterCompletion DELETE, which only the API can
 *   set; CloudFormation and SAM cannot).
 * - A paused job keeps its schedule, DISABLED; so does a definition with state DISABLED.
 * - A job with no run left (maxRuns reached, an at() or an endDate in the past, a cron whose years are over) has
 *   no schedule.
 * - A startDate in the past is not sent as it is: for cron() it changes nothing and is left out; for rate() it sets
 *   the phase, so the next fire time on that phase is sent instead.
 */
import { type ResolvedJob, resolveJob } from '../common/jobs/definition';
import { scheduleInputText } from '../common/jobs/dispatch-input';
import { definitionOf, type JobItem } from '../common/jobs/table';
import { nextRun } from '../common/jobs/view';
import { firesBetween } from '../common/schedule';

export type ScheduleSettings = {
  groupName: string;
  dispatcherArn: string;
  roleArn: string;
  deadLetterArn: string;
};

/** What CreateSchedule and UpdateSchedule are given (UpdateSchedule replaces every field, so both get all of it). */
export type ScheduleRequest = {
  Name: string;
  GroupName: string;
  ScheduleExpression: string;
  ScheduleExpressionTimezone?: string;
  StartDate?: Date;
  EndDate?: Date;
  State: 'ENABLED' | 'DISABLED';
  FlexibleTimeWindow: { Mode: 'OFF' } | { Mode: 'FLEXIBLE'; MaximumWindowInMinutes: number };
  Description?: string;
  ActionAfterCompletion: 'NONE' | 'DELETE';
  Target: {
    Arn: string;
    RoleArn: string;
    Input: string;
    RetryPolicy: { MaximumEventAgeInSeconds: number; MaximumRetryAttempts: number };
    DeadLetterConfig: { Arn: string };
  };
};

/** Undeliverable fires (the dispatcher throttled or unavailable) are retried for an hour, then dead-lettered. */
export const DELIVERY_RETRY = { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 185 };

export type Plan =
  | { kind: 'upsert'; request: ScheduleRequest; status: 'active' | 'disabled' }
  | { kind: 'delete'; reason: string };

export function planSchedule(item: JobItem, runCount: number, now: Date, settings: ScheduleSettings): Plan {
  const job: ResolvedJob = resolveJob(definitionOf(item));
  const s = job.schedule;
  if (job.maxRuns !== undefined && runCount >= job.maxRuns) {
    return { kind: 'delete', reason: `maxRuns reached (${runCount} of ${job.maxRuns} runs)` };
  }
  if (!nextRun(job, now, { runCount })) {
    return {
      kind: 'delete',
      reason: `no run left after ${now.toISOString()} (${s.expression}${s.endDate ? `, endDate ${s.endDate}` : ''})`,
    };
  }
  const disabled = item.paused || s.state === 'DISABLED';
  const request: ScheduleRequest = {
    Name: job.id,
    GroupName: settings.groupName,
    ScheduleExpression: s.expression,
    State: disabled ? 'DISABLED' : 'ENABLED',
    FlexibleTimeWindow:
      s.flexibleWindowMinutes > 0
        ? { Mode: 'FLEXIBLE', MaximumWindowInMinutes: s.flexibleWindowMinutes }
        : { Mode: 'OFF' },
    ActionAfterCompletion: job.oneTime ? 'DELETE' : 'NONE',
    Target: {
      Arn: settings.dispatcherArn,
      RoleArn: settings.roleArn,
      Input: scheduleInputText(job.id, item.version),
      RetryPolicy: { ...DELIVERY_RETRY },
      DeadLetterConfig: { Arn: settings.deadLetterArn },
    },
  };
  if (s.timezone !== undefined) request.ScheduleExpressionTimezone = s.timezone;
  if (job.description !== undefined && job.description !== '') request.Description = job.description;
  if (!job.oneTime) {
    if (s.startDate !== undefined) {
      const start = Date.parse(s.startDate);
      if (start > now.getTime()) request.StartDate = new Date(start);
      else if (s.expression.startsWith('rate(')) {
        const next = firesBetween(
          s.expression,
          { startDate: new Date(start) },
          now,
          new Date(Date.UTC(2200, 0, 1)),
        ).next();
        if (!next.done) request.StartDate = next.value;
      }
    }
    if (s.endDate !== undefined) request.EndDate = new Date(s.endDate);
  }
  return { kind: 'upsert', request, status: disabled ? 'disabled' : 'active' };
}
