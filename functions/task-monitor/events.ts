/**
 * The events the task monitor handles:
 *
 * - `ECS Task State Change` (source `aws.ecs`), as EventBridge delivers it: the `detail` is the ECS `Task` object
 *   of DescribeTasks, with ISO 8601 timestamps (Amazon ECS developer guide, "Amazon ECS task state change events";
 *   events/task-state-*.json are samples). The template's rule delivers only tasks of this job's family in its
 *   cluster, STOPPED ones (every run's end) and, with PreventOverlap, PROVISIONING and PENDING ones (a run starting).
 * - The reaper's tick: the `Scheduled Event` of the template's rate(1 minute) rule (source `aws.events`).
 *
 * Only the fields the monitor reads are typed; ECS may add fields at any time.
 */

export type TaskContainer = {
  name?: string;
  taskArn?: string;
  containerArn?: string;
  lastStatus?: string;
  exitCode?: number;
  reason?: string;
  image?: string;
  imageDigest?: string;
};

export type EnvOverride = { name?: string; value?: string };

export type TaskDetail = {
  taskArn: string;
  clusterArn: string;
  taskDefinitionArn: string;
  lastStatus: string;
  desiredStatus?: string;
  group?: string;
  startedBy?: string;
  launchType?: string;
  capacityProviderName?: string;
  cpu?: string;
  memory?: string;
  createdAt?: string;
  pullStartedAt?: string;
  pullStoppedAt?: string;
  startedAt?: string;
  stoppingAt?: string;
  executionStoppedAt?: string;
  stoppedAt?: string;
  stopCode?: string;
  stoppedReason?: string;
  containers?: TaskContainer[];
  overrides?: { containerOverrides?: { name?: string; environment?: EnvOverride[] }[] };
  version?: number;
};

export type TaskStateChangeEvent = {
  version?: string;
  id?: string;
  'detail-type': 'ECS Task State Change';
  source: 'aws.ecs';
  account?: string;
  time?: string;
  region?: string;
  resources?: string[];
  detail: TaskDetail;
};

export type ScheduledEvent = {
  'detail-type': 'Scheduled Event';
  source: 'aws.events';
  time?: string;
  resources?: string[];
};

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

export function isTaskStateChange(event: unknown): event is TaskStateChangeEvent {
  if (!isObject(event) || event['detail-type'] !== 'ECS Task State Change' || event.source !== 'aws.ecs') return false;
  const d = event.detail;
  return (
    isObject(d) &&
    typeof d.taskArn === 'string' &&
    typeof d.clusterArn === 'string' &&
    typeof d.taskDefinitionArn === 'string' &&
    typeof d.lastStatus === 'string'
  );
}

export function isReaperTick(event: unknown): event is ScheduledEvent {
  return isObject(event) && event['detail-type'] === 'Scheduled Event' && event.source === 'aws.events';
}

/** `arn:aws:ecs:us-east-1:123456789012:task-definition/cloud-cron-nightly:7` -> `cloud-cron-nightly`. */
export function familyOf(taskDefinitionArn: string): string | undefined {
  return /:task-definition\/([A-Za-z0-9_-]{1,255}):\d+$/.exec(taskDefinitionArn)?.[1];
}

/** The task id: the last part of the task ARN (`arn:...:task/<cluster>/<id>`, or the old `arn:...:task/<id>`). */
export function taskIdOf(taskArn: string): string {
  return taskArn.slice(taskArn.lastIndexOf('/') + 1);
}
