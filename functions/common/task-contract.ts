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
import type { RunTaskCommandInput } from '@aws-sdk/client-ecs';
import type { EcsParameters } from '@aws-sdk/client-scheduler';

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

/**
 * The ECS target of an EventBridge Scheduler schedule (GetSchedule's `Target`, API shapes), as far as RunTask
 * needs it.
 */
export type EcsScheduleTarget = {
  Arn?: string;
  Input?: string;
  EcsParameters?: EcsParameters;
};

/**
 * The RunTask call EventBridge Scheduler makes for an ECS target: the cluster, every EcsParameters field under
 * its ECS API name, and the task override (the target's Input, once the Scheduler has filled in its keywords).
 * `cloud-cron run` starts a task this way, so a manual run goes where a scheduled one goes.
 */
export function runTaskOfTarget(
  target: EcsScheduleTarget,
  overrides: RunTaskCommandInput['overrides'],
  startedBy?: string,
): RunTaskCommandInput {
  const p = target.EcsParameters;
  if (!target.Arn || !p?.TaskDefinitionArn) {
    throw new TypeError('the schedule has no ECS target (cluster ARN and EcsParameters.TaskDefinitionArn)');
  }
  const net = p.NetworkConfiguration?.awsvpcConfiguration;
  const input: RunTaskCommandInput = {
    cluster: target.Arn,
    taskDefinition: p.TaskDefinitionArn,
    count: p.TaskCount ?? 1,
    overrides,
  };
  if (p.LaunchType) input.launchType = p.LaunchType;
  if (p.CapacityProviderStrategy) {
    input.capacityProviderStrategy = p.CapacityProviderStrategy.map((c) => ({
      capacityProvider: c.capacityProvider,
      ...(c.weight !== undefined ? { weight: c.weight } : {}),
      ...(c.base !== undefined ? { base: c.base } : {}),
    }));
  }
  if (p.PlatformVersion) input.platformVersion = p.PlatformVersion;
  if (p.Group) input.group = p.Group;
  if (net) {
    input.networkConfiguration = {
      awsvpcConfiguration: {
        subnets: net.Subnets,
        ...(net.SecurityGroups ? { securityGroups: net.SecurityGroups } : {}),
        ...(net.AssignPublicIp ? { assignPublicIp: net.AssignPublicIp } : {}),
      },
    };
  }
  if (p.EnableECSManagedTags !== undefined) input.enableECSManagedTags = p.EnableECSManagedTags;
  if (p.EnableExecuteCommand !== undefined) input.enableExecuteCommand = p.EnableExecuteCommand;
  if (p.PlacementConstraints) input.placementConstraints = p.PlacementConstraints;
  if (p.PlacementStrategy) input.placementStrategy = p.PlacementStrategy;
  if (p.PropagateTags) input.propagateTags = p.PropagateTags;
  if (p.ReferenceId) input.referenceId = p.ReferenceId;
  if (p.Tags?.length) {
    // The Scheduler keeps each tag as a map ({"key": ..., "value": ...}); ECS takes {key, value}.
    input.tags = p.Tags.flatMap((t) =>
      'key' in t ? [{ key: t.key, value: t.value }] : Object.entries(t).map(([key, value]) => ({ key, value })),
    );
  }
  if (startedBy) input.startedBy = startedBy;
  return input;
}

/**
 * Sets the payload of a task override (the contract's CLOUD_CRON_PAYLOAD in `container`), as a schedule with that
 * SchedulePayload would send it. Returns a new override; the container's entry is added when missing.
 */
export function withPayload(override: TaskOverride, container: string, payload: string): TaskOverride {
  const containers = override.containerOverrides.map((c) => ({
    ...c,
    environment: (c.environment ?? []).map((e) => ({ ...e })),
  }));
  let mine = containers.find((c) => c.name === container);
  if (!mine) {
    mine = { name: container, environment: [] };
    containers.push(mine);
  }
  const entry = mine.environment.find((e) => e.name === TASK_ENV.payload);
  if (entry) entry.value = payload;
  else mine.environment.push({ name: TASK_ENV.payload, value: payload });
  return { ...override, containerOverrides: containers };
}
