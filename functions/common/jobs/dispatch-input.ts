/**
 * What a schedule sends the dispatcher: a small Input naming the job and, through EventBridge Scheduler's context
 * attributes, the slot it fires for. The job's definition is never copied into the schedule: the dispatcher reads
 * the jobs table, so a change is in effect at the next run even before the reconciler has updated the schedule.
 *
 *   {"v":1,"job":"nightly-report","version":3,
 *    "scheduledTime":"<aws.scheduler.scheduled-time>","executionId":"<aws.scheduler.execution-id>",
 *    "attempt":"<aws.scheduler.attempt-number>","scheduleArn":"<aws.scheduler.schedule-arn>"}
 *
 * A manual run (`POST /jobs/{id}/run`, `cloud-cron jobs run`) invokes the dispatcher with
 *   {"v":1,"job":"nightly-report","trigger":"manual","executionId":"manual-<uuid>","requestedAt":"<ISO>"}
 *
 * Pure: shared by the reconciler (writes it), the dispatcher (reads it), the API and the CLI (manual runs), and the
 * simulator (fills the placeholders as EventBridge Scheduler does).
 */
import { CloudCronError } from '../errors';

export const INPUT_VERSION = 1;

export type DispatchInput = {
  job: string;
  trigger: 'schedule' | 'manual';
  /** The definition version the schedule was made from (schedule runs). Informational: the table decides. */
  version?: number;
  /** Schedule runs: the slot, as the Scheduler names it (ISO 8601, UTC). */
  scheduledTime?: string;
  executionId: string;
  attempt?: number;
  scheduleArn?: string;
  /** Manual runs: when it was asked for. */
  requestedAt?: string;
};

/** An event the dispatcher cannot read. Never retried: the event goes to the dead-letter queue with this reason. */
export class UnreadableInputError extends CloudCronError {
  override name = 'UnreadableInputError';
}

export function scheduleInputText(id: string, version: number): string {
  return JSON.stringify({
    v: INPUT_VERSION,
    job: id,
    version,
    scheduledTime: '<aws.scheduler.scheduled-time>',
    executionId: '<aws.scheduler.execution-id>',
    attempt: '<aws.scheduler.attempt-number>',
    scheduleArn: '<aws.scheduler.schedule-arn>',
  });
}

export function manualInput(id: string, executionId: string, requestedAt: Date): DispatchInput & { v: number } {
  return { v: INPUT_VERSION, job: id, trigger: 'manual', executionId, requestedAt: requestedAt.toISOString() };
}

const ID = /^[0-9A-Za-z_.-]{1,64}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
const EXECUTION = /^[A-Za-z0-9._:-]{1,128}$/;

/** Reads the dispatcher's event; throws UnreadableInputError naming the field that is wrong. */
export function readDispatchInput(event: unknown): DispatchInput {
  const fail = (problem: string): never => {
    throw new UnreadableInputError(`not a Cloud Cron dispatch input: ${problem}`);
  };
  if (!event || typeof event !== 'object' || Array.isArray(event)) return fail('the event is not a JSON object');
  const e = event as Record<string, unknown>;
  if (e.v !== INPUT_VERSION) fail(`"v" is ${JSON.stringify(e.v)}, expected ${INPUT_VERSION}`);
  if (typeof e.job !== 'string' || !ID.test(e.job)) fail(`"job" ${JSON.stringify(e.job)} is not a job id`);
  const trigger = e.trigger === undefined ? 'schedule' : e.trigger;
  if (trigger !== 'schedule' && trigger !== 'manual')
    fail(`"trigger" ${JSON.stringify(e.trigger)} is not schedule or manual`);
  if (typeof e.executionId !== 'string' || !EXECUTION.test(e.executionId)) {
    fail(`"executionId" ${JSON.stringify(e.executionId)} is not an execution id`);
  }
  const out: DispatchInput = {
    job: e.job as string,
    trigger: trigger as DispatchInput['trigger'],
    executionId: e.executionId as string,
  };
  if (trigger === 'schedule') {
    const t = e.scheduledTime;
    if (typeof t !== 'string' || !ISO.test(t) || Number.isNaN(Date.parse(t))) {
      fail(
        `"scheduledTime" ${JSON.stringify(t)} is not an ISO 8601 UTC instant (is the schedule's Input the Scheduler's?)`,
      );
    }
    out.scheduledTime = new Date(t as string).toISOString();
    if (typeof e.version === 'number' && Number.isInteger(e.version)) out.version = e.version;
    const attempt = Number(e.attempt);
    if (Number.isInteger(attempt) && attempt > 0) out.attempt = attempt;
    if (typeof e.scheduleArn === 'string' && e.scheduleArn.startsWith('arn:')) out.scheduleArn = e.scheduleArn;
  } else {
    const at = e.requestedAt;
    if (typeof at !== 'string' || Number.isNaN(Date.parse(at)))
      fail(`"requestedAt" ${JSON.stringify(at)} is not an instant`);
    out.requestedAt = new Date(at as string).toISOString();
  }
  return out;
}
