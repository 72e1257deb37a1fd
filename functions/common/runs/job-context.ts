/**
 * The job context (`ScheduleContext: 'true'` in template-scheduled-lambda.yaml): what the schedule adds to the
 * event so a job can tell which slot it runs for, and the ledger can attribute retries to that slot.
 *
 * With the context on, the event a job receives is always this envelope (never merged into the user's payload,
 * so no key of the payload can collide with ours):
 *
 *   {
 *     "payload":  <SchedulePayload, unchanged>,
 *     "cloudCron": {
 *       "scheduledTime": "2030-01-31T08:00:00Z",     the slot (EventBridge Scheduler <aws.scheduler.scheduled-time>)
 *       "executionId":   "a1b2c3d4-...",             one per slot (<aws.scheduler.execution-id>)
 *       "attempt":       "1",                        the scheduler's delivery attempt (<aws.scheduler.attempt-number>)
 *       "scheduleArn":   "arn:aws:scheduler:...",    (<aws.scheduler.schedule-arn>)
 *       "trigger":       "schedule"                  "schedule", or "manual" for `cloud-cron run`
 *     }
 *   }
 *
 * Every field of `cloudCron` is a string: EventBridge Scheduler substitutes its context attributes only inside the
 * target's Input text, so the template writes them inside JSON strings. Lambda's own retries (MaximumRetryAttempts)
 * deliver the same event again: scheduledTime and executionId stay the same, which makes the scheduled time a
 * good idempotency key for the job.
 */

export const CONTEXT_KEY = 'cloudCron';
export const PAYLOAD_KEY = 'payload';

export type Trigger = 'schedule' | 'manual';

export type JobContext = {
  scheduledTime: string;
  executionId: string;
  attempt: string;
  scheduleArn: string;
  trigger: Trigger;
};

export type JobEnvelope<P = unknown> = { payload: P; cloudCron: JobContext };

/**
 * The `cloudCron` object of the schedule's Input, with the Scheduler's placeholders. The template builds the same
 * text with Fn::Sub (tests compare the two).
 */
export const SCHEDULER_CONTEXT_TEMPLATE: JobContext = {
  scheduledTime: '<aws.scheduler.scheduled-time>',
  executionId: '<aws.scheduler.execution-id>',
  attempt: '<aws.scheduler.attempt-number>',
  scheduleArn: '<aws.scheduler.schedule-arn>',
  trigger: 'schedule',
};

/** The schedule's Input text when the context is on: the payload text is inserted as it is (it is JSON). */
export function scheduleInput(payloadText: string): string {
  return `{"${PAYLOAD_KEY}":${payloadText},"${CONTEXT_KEY}":${JSON.stringify(SCHEDULER_CONTEXT_TEMPLATE)}}`;
}

/**
 * What EventBridge Scheduler does to the Input before it invokes the target: replaces each placeholder with the
 * value for this invocation. The simulator and `cloud-cron run` use it, so a manual run travels exactly like a
 * scheduled one.
 */
export function substituteSchedulerContext(
  input: string,
  values: { scheduledTime: string; executionId: string; attempt: number; scheduleArn: string },
): string {
  return input
    .replaceAll('<aws.scheduler.scheduled-time>', values.scheduledTime)
    .replaceAll('<aws.scheduler.execution-id>', values.executionId)
    .replaceAll('<aws.scheduler.attempt-number>', String(values.attempt))
    .replaceAll('<aws.scheduler.schedule-arn>', values.scheduleArn);
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
const EXECUTION_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const SCHEDULE_ARN = /^arn:[a-z-]+:scheduler:[a-z0-9-]+:\d{12}:schedule\/[0-9a-zA-Z._-]{1,64}\/[0-9a-zA-Z._-]{1,64}$/;

/**
 * Reads the job context from an event, or undefined when the event is not an envelope (context off, or a
 * hand-made event). Only well-formed values are returned: nothing else of the event is looked at.
 */
export function readJobContext(event: unknown): JobContext | undefined {
  if (!event || typeof event !== 'object' || Array.isArray(event)) return undefined;
  const raw = (event as Record<string, unknown>)[CONTEXT_KEY];
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const c = raw as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const scheduledTime = str(c.scheduledTime);
  if (!scheduledTime || !ISO_INSTANT.test(scheduledTime) || Number.isNaN(Date.parse(scheduledTime))) return undefined;
  const executionId = str(c.executionId) ?? '';
  const attempt = str(c.attempt) ?? (typeof c.attempt === 'number' ? String(c.attempt) : '');
  const scheduleArn = str(c.scheduleArn) ?? '';
  return {
    scheduledTime: new Date(scheduledTime).toISOString(),
    executionId: EXECUTION_ID.test(executionId) ? executionId : '',
    attempt: /^\d{1,4}$/.test(attempt) ? attempt : '',
    scheduleArn: SCHEDULE_ARN.test(scheduleArn) ? scheduleArn : '',
    trigger: c.trigger === 'manual' ? 'manual' : 'schedule',
  };
}
