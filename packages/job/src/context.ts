/**
 * The job context. With `ScheduleContext=true` on the scheduled job, the event is always this envelope (never mixed
 * into the payload, so no key of the payload can collide):
 *
 *   { "payload": <SchedulePayload, unchanged>,
 *     "cloudCron": { "scheduledTime": "2030-01-07T07:00:00Z", "executionId": "...", "attempt": "1",
 *                    "scheduleArn": "arn:aws:scheduler:...", "trigger": "schedule" } }
 *
 * Every field is a string: EventBridge Scheduler fills its context attributes (<aws.scheduler.scheduled-time> and
 * the rest) only inside the target's Input text. Lambda's retries deliver the same event again, so `scheduledTime`
 * and `executionId` stay the same across retries of one slot. `cloud-cron run` sends the same envelope with
 * `trigger: "manual"`, the current time as `scheduledTime` and an `executionId` starting with "manual-".
 *
 * The reading rules are the Runs app's (functions/common/runs/job-context.ts in the Cloud Cron repository): a test
 * there keeps the two the same, so the job and the run ledger always agree on which slot a run is for.
 */

export type Trigger = 'schedule' | 'manual';

export type JobContext = {
  /** The slot this run is for, ISO 8601 UTC with milliseconds (2030-01-07T07:00:00.000Z). */
  scheduledTime: string;
  /** The Scheduler's id of this slot's invocation; "" when absent or malformed. */
  executionId: string;
  /** The Scheduler's delivery attempt ("1", "2", ...); "" when absent or malformed. */
  attempt: string;
  /** The schedule's ARN; "" when absent or malformed. */
  scheduleArn: string;
  /** "schedule", or "manual" for a run started with `cloud-cron run`. */
  trigger: Trigger;
};

export type JobEvent<P> = {
  /** The SchedulePayload: the envelope's `payload`, or the whole event when it is not an envelope. */
  payload: P;
  /** The job context, or undefined when the event carries none (ScheduleContext off, or a hand-made event). */
  context: JobContext | undefined;
};

export const CONTEXT_KEY = 'cloudCron';
export const PAYLOAD_KEY = 'payload';

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
const EXECUTION_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const SCHEDULE_ARN = /^arn:[a-z-]+:scheduler:[a-z0-9-]+:\d{12}:schedule\/[0-9a-zA-Z._-]{1,64}\/[0-9a-zA-Z._-]{1,64}$/;

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * The job context of an event, or undefined when it has none. Only well-formed values are kept: a scheduledTime that
 * is not an ISO instant means no context; other malformed fields become "".
 */
export function readJobContext(event: unknown): JobContext | undefined {
  if (!isObject(event)) return undefined;
  const raw = event[CONTEXT_KEY];
  if (!isObject(raw)) return undefined;
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const scheduledTime = str(raw.scheduledTime);
  if (!scheduledTime || !ISO_INSTANT.test(scheduledTime) || Number.isNaN(Date.parse(scheduledTime))) return undefined;
  const executionId = str(raw.executionId) ?? '';
  const attempt = str(raw.attempt) ?? (typeof raw.attempt === 'number' ? String(raw.attempt) : '');
  const scheduleArn = str(raw.scheduleArn) ?? '';
  return {
    scheduledTime: new Date(scheduledTime).toISOString(),
    executionId: EXECUTION_ID.test(executionId) ? executionId : '',
    attempt: /^\d{1,4}$/.test(attempt) ? attempt : '',
    scheduleArn: SCHEDULE_ARN.test(scheduleArn) ? scheduleArn : '',
    trigger: raw.trigger === 'manual' ? 'manual' : 'schedule',
  };
}

/**
 * Splits an event into the payload and the job context. An event is an envelope when it has a `payload` key and a
 * well-formed `cloudCron` context; anything else is the payload itself, without context. The payload is not
 * validated: that is the job's own business.
 */
export function readEvent<P = unknown>(event: unknown): JobEvent<P> {
  const context = readJobContext(event);
  if (context && isObject(event) && Object.hasOwn(event, PAYLOAD_KEY)) {
    return { payload: event[PAYLOAD_KEY] as P, context };
  }
  return { payload: event as P, context: undefined };
}
