/**
 * The container contract of a scheduled task (template-scheduled-task.yaml), defined once for the macro that writes
 * it, the task monitor that reads it back from ECS events, and the tests.
 *
 * An EventBridge Scheduler target of type ECS RunTask reads its `Input` as a task-override document (the
 * `TaskOverride` of the ECS RunTask API, boto/boto3#4370): `{"containerOverrides":[{"name": ..., "environment":
 * [{"name": ..., "value": ...}]}]}`. A job's payload therefore reaches its container as an environment variable,
 * never as an event. The Scheduler replaces its context keywords (`<aws.scheduler.scheduled-time>`, ...) inside the
 * Input before it calls ECS, so the slot a run belongs to arrives the same way.
 */

/** Environment variables the Scheduler's task override sets in the job's container. */
export const TASK_ENV = {
  /** The schedule's payload (SchedulePayload), the JSON text exactly as given. */
  payload: 'CLOUD_CRON_PAYLOAD',
  /** The time the run was scheduled for, e.g. 2030-01-31T08:00:00Z (the same on every delivery attempt). */
  scheduledTime: 'CLOUD_CRON_SCHEDULED_TIME',
  /** The Scheduler's id of this invocation attempt. */
  executionId: 'CLOUD_CRON_EXECUTION_ID',
} as const;

/** The Scheduler keywords behind TASK_ENV.scheduledTime and TASK_ENV.executionId. */
export const SCHEDULER_KEYWORDS = {
  scheduledTime: '<aws.scheduler.scheduled-time>',
  executionId: '<aws.scheduler.execution-id>',
} as const;

/** Names the contract owns: a topic variable or a container's own variable may not use them. */
export const CONTRACT_NAMES: readonly string[] = Object.values(TASK_ENV);

/** ECS RunTask accepts at most 8192 characters of overrides, JSON punctuation included. */
export const MAX_OVERRIDE_CHARS = 8192;

export type KeyValue = { name: string; value: string };
export type TaskOverride = { containerOverrides: { name: string; environment: KeyValue[] }[] };

/** The task override that carries `payload` to the container named `container`. */
export function taskOverride(container: string, payload: string): TaskOverride {
  return {
    containerOverrides: [
      {
        name: container,
        environment: [
          { name: TASK_ENV.payload, value: payload },
          { name: TASK_ENV.scheduledTime, value: SCHEDULER_KEYWORDS.scheduledTime },
          { name: TASK_ENV.executionId, value: SCHEDULER_KEYWORDS.executionId },
        ],
      },
    ],
  };
}

/** The Scheduler target `Input` string for `taskOverride(container, payload)`. */
export function taskOverrideInput(container: string, payload: string): string {
  return JSON.stringify(taskOverride(container, payload));
}

/**
 * What a run's overrides say about its slot: the scheduled time and execution id when the Scheduler filled them in
 * (a value still in keyword form, or absent, as for a task started by hand, is left out).
 */
export function scheduleContextOf(
  overrides:
    | { containerOverrides?: { name?: string; environment?: { name?: string; value?: string }[] }[] }
    | undefined,
  container: string,
): { scheduledTime?: string; executionId?: string } {
  const env = overrides?.containerOverrides?.find((o) => o.name === container)?.environment ?? [];
  const value = (name: string) => {
    const v = env.find((e) => e.name === name)?.value;
    return v && !v.startsWith('<aws.scheduler.') ? v : undefined;
  };
  const out: { scheduledTime?: string; executionId?: string } = {};
  const scheduledTime = value(TASK_ENV.scheduledTime);
  const executionId = value(TASK_ENV.executionId);
  if (scheduledTime && !Number.isNaN(Date.parse(scheduledTime))) out.scheduledTime = scheduledTime;
  if (executionId && /^[A-Za-z0-9-]{1,128}$/.test(executionId)) out.executionId = executionId;
  return out;
}
