/**
 * The registrar: the custom resource (RunsRegistration) a job stack wired to the Runs app declares. On Create and
 * Update it writes the job's registration (ledger.ts, Registration) so the watchdog knows the job; on Delete it
 * removes it. The registration is read from the deployed resources, not taken on the template's word.
 *
 * A Lambda job (template-scheduled-lambda.yaml, property FunctionName):
 * - the function must carry the `aws:cloudformation:stack-id` tag of the stack that asks (a stack can register only
 *   its own function, so no stack can make the watchdog speak about another's job);
 * - its asynchronous invocation config must send both destinations to this Runs bus (or its runs would never
 *   reach the ledger and every slot would look missed); its MaximumRetryAttempts and Timeout are read from Lambda;
 * - the schedule must target the function.
 *
 * A scheduled task (template-scheduled-task.yaml, properties Runner "ecs" and MonitorFunctionName):
 * - the task monitor function must carry the stack's tag, and its configuration says the rest: the task family
 *   (which must be `cloud-cron-<the stack's name>`, so a stack can register only its own task), the cluster, the
 *   container, TaskTimeoutMinutes, and the bus it reports runs to (which must be this one);
 * - the schedule must run a task definition of that family in that cluster.
 *
 * Either way, expression, zone, state, start/end and flexible window come from EventBridge Scheduler, and are
 * validated by the shared schedule engine. The properties the template passes (schedule settings, timeout,
 * retries) only make CloudFormation send an Update whenever one of them changes.
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import type { CustomResourceResult } from '../common/custom-resource';
import { failedCreateId } from '../common/custom-resource';
import { LEDGER_VERSION, REGISTRY_PK, type Registration, type TaskTarget, unqualifiedArn } from '../common/runs/ledger';
import type { LedgerStore } from '../common/runs/store';
import { ScheduleError, validateSchedule } from '../common/schedule';
import { RegistrationError } from './errors';

export const STACK_TAG = 'aws:cloudformation:stack-id';
/**
 * A task run ends at most this long after TaskTimeoutMinutes: the reaper's tick (1 minute), then SIGTERM and the
 * container's stop timeout (at most 2 minutes) before ECS reports it stopped.
 */
export const TASK_STOP_SLACK_SECONDS = 180;

export type FunctionFacts = {
  functionArn: string;
  timeoutSeconds: number;
  tags: Record<string, string>;
  /** Its environment variables (read for a task monitor only: what its stack configured it with). */
  environment?: Record<string, string>;
};
export type InvokeConfigFacts = { maximumRetryAttempts?: number; onSuccess?: string; onFailure?: string } | undefined;
export type ScheduleFacts = {
  targetArn: string;
  /** An ECS target's task definition (EcsParameters.TaskDefinitionArn). */
  taskDefinitionArn?: string;
  expression: string;
  timezone?: string;
  state?: string;
  startDate?: Date;
  endDate?: Date;
  flexibleWindowMinutes?: number;
  lastModified?: Date;
};

/** What the registrar reads from Lambda and EventBridge Scheduler (wired to the SDK in index.ts). */
export type Facts = {
  fn(name: string): Promise<FunctionFacts | undefined>;
  invokeConfig(name: string): Promise<InvokeConfigFacts>;
  schedule(group: string, name: string): Promise<ScheduleFacts | undefined>;
};

export type RegistrarDeps = { store: LedgerStore; facts: Facts; busArn: string; now: () => Date };

const FUNCTION_NAME = /^[A-Za-z0-9_-]{1,64}$/;
/** A job's name: a function name, or a task definition family (up to 255 characters). */
const JOB_NAME = /^[A-Za-z0-9_-]{1,255}$/;
const SCHEDULE_ARN =
  /^arn:[a-z-]+:scheduler:[a-z0-9-]+:\d{12}:schedule\/([0-9a-zA-Z._-]{1,64})\/([0-9a-zA-Z._-]{1,64})$/;
const TASK_DEFINITION_ARN = /^arn:[a-z-]+:ecs:[a-z0-9-]+:\d{12}:task-definition\/([A-Za-z0-9_-]{1,255}):\d+$/;

function prop(event: CloudFormationCustomResourceEvent, name: string): unknown {
  return (event.ResourceProperties as Record<string, unknown>)[name];
}

function text(event: CloudFormationCustomResourceEvent, name: string): string {
  const v = prop(event, name);
  if (typeof v !== 'string' || v === '') throw new RegistrationError(`property ${name} is required`);
  return v;
}

function stackName(stackId: string): string {
  return /:stack\/([^/]+)\//.exec(stackId)?.[1] ?? stackId;
}

/** What a job's runner contributes to its registration. */
type Target = {
  job: string;
  functionArn?: string;
  task?: TaskTarget;
  timeoutSeconds: number;
  maximumRetryAttempts: number;
  scheduleContext: boolean;
  /** Whether the schedule runs this job. */
  targets(schedule: ScheduleFacts): boolean;
};

/** The registering stack must own the function: CloudFormation tags every function it creates with its stack. */
function checkOwner(name: string, fn: FunctionFacts, event: CloudFormationCustomResourceEvent, what: string): void {
  const owner = fn.tags[STACK_TAG];
  if (owner !== event.StackId) {
    throw new RegistrationError(
      `function ${name} belongs to ${owner ? `stack ${stackName(owner)}` : 'no CloudFormation stack'}, not to ${stackName(event.StackId)}: a stack can register only its own ${what} with the Runs app`,
    );
  }
}

async function lambdaTarget(event: CloudFormationCustomResourceEvent, deps: RegistrarDeps): Promise<Target> {
  const job = text(event, 'FunctionName');
  if (!FUNCTION_NAME.test(job)) throw new RegistrationError(`FunctionName "${job}" is not a Lambda function name`);
  const contextText = String(prop(event, 'ScheduleContext') ?? 'false');
  if (contextText !== 'true' && contextText !== 'false') {
    throw new RegistrationError(`ScheduleContext "${contextText}" must be "true" or "false"`);
  }
  const fn = await deps.facts.fn(job);
  if (!fn) throw new RegistrationError(`function ${job} does not exist in this account and region`);
  checkOwner(job, fn, event, 'function');
  const invoke = await deps.facts.invokeConfig(job);
  if (invoke?.onSuccess !== deps.busArn || invoke?.onFailure !== deps.busArn) {
    throw new RegistrationError(
      `function ${job} does not send both asynchronous-invocation destinations to ${deps.busArn} (OnSuccess ${invoke?.onSuccess ?? 'none'}, OnFailure ${invoke?.onFailure ?? 'none'}): its runs would never reach the ledger; set RunsEventBusArn to ${deps.busArn}`,
    );
  }
  const functionArn = unqualifiedArn(fn.functionArn);
  return {
    job,
    functionArn,
    timeoutSeconds: fn.timeoutSeconds,
    maximumRetryAttempts: invoke.maximumRetryAttempts ?? 2,
    scheduleContext: contextText === 'true',
    targets: (s) => unqualifiedArn(s.targetArn) === functionArn,
  };
}

async function taskTarget(event: CloudFormationCustomResourceEvent, deps: RegistrarDeps): Promise<Target> {
  const monitor = text(event, 'MonitorFunctionName');
  if (!FUNCTION_NAME.test(monitor)) {
    throw new RegistrationError(`MonitorFunctionName "${monitor}" is not a Lambda function name`);
  }
  const fn = await deps.facts.fn(monitor);
  if (!fn) throw new RegistrationError(`task monitor function ${monitor} does not exist in this account and region`);
  checkOwner(monitor, fn, event, 'task');
  const env = fn.environment ?? {};
  const family = env.TASK_FAMILY ?? '';
  const clusterArn = env.CLUSTER_ARN ?? '';
  const containerName = env.CONTAINER_NAME ?? '';
  if (!family || !clusterArn || !containerName) {
    throw new RegistrationError(
      `function ${monitor} is not a Cloud Cron task monitor (TASK_FAMILY, CLUSTER_ARN and CONTAINER_NAME are not all set)`,
    );
  }
  const own = `cloud-cron-${stackName(event.StackId)}`;
  if (family !== own) {
    throw new RegistrationError(
      `task family ${family} is not ${own}: a stack can register only its own task (template-scheduled-task.yaml names it after the stack)`,
    );
  }
  const reportsTo = env.RUNS_EVENT_BUS_ARN ?? '';
  if (reportsTo !== deps.busArn) {
    throw new RegistrationError(
      `task monitor ${monitor} reports runs to ${reportsTo || 'no bus'}, not to ${deps.busArn}: its runs would never reach the ledger; set RunsEventBusArn to ${deps.busArn}`,
    );
  }
  const minutes = Number(env.TASK_TIMEOUT_MINUTES);
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > 43_200) {
    throw new RegistrationError(
      `task monitor ${monitor} has no valid TASK_TIMEOUT_MINUTES ("${env.TASK_TIMEOUT_MINUTES ?? ''}"), so no run's end can be bounded`,
    );
  }
  const task: TaskTarget = {
    clusterArn,
    taskDefinitionArn: '',
    containerName,
    monitorFunctionArn: unqualifiedArn(fn.functionArn),
  };
  return {
    job: family,
    task,
    timeoutSeconds: minutes * 60 + TASK_STOP_SLACK_SECONDS,
    // ECS does not retry a task; the Scheduler's retries only deliver the RunTask call.
    maximumRetryAttempts: 0,
    // The task contract always carries the slot (functions/common/task-contract.ts).
    scheduleContext: true,
    targets(s) {
      if (s.targetArn !== clusterArn || TASK_DEFINITION_ARN.exec(s.taskDefinitionArn ?? '')?.[1] !== family)
        return false;
      task.taskDefinitionArn = s.taskDefinitionArn ?? '';
      return true;
    },
  };
}

async function register(event: CloudFormationCustomResourceEvent, deps: RegistrarDeps): Promise<CustomResourceResult> {
  const runner = String(prop(event, 'Runner') ?? 'lambda');
  if (runner !== 'lambda' && runner !== 'ecs') {
    throw new RegistrationError(`Runner "${runner}" must be "lambda" or "ecs"`);
  }
  const scheduleArn = text(event, 'ScheduleArn');
  const arnParts = SCHEDULE_ARN.exec(scheduleArn);
  if (!arnParts)
    throw new RegistrationError(`ScheduleArn "${scheduleArn}" is not an EventBridge Scheduler schedule ARN`);
  const graceText = String(prop(event, 'MissedRunGraceMinutes') ?? '5');
  if (!/^\d{1,4}$/.test(graceText) || Number(graceText) > 1440) {
    throw new RegistrationError(`MissedRunGraceMinutes "${graceText}" must be a whole number of minutes, 0-1440`);
  }

  const target = runner === 'ecs' ? await taskTarget(event, deps) : await lambdaTarget(event, deps);
  const job = target.job;
  const schedule = await deps.facts.schedule(arnParts[1], arnParts[2]);
  if (!schedule) throw new RegistrationError(`schedule ${scheduleArn} does not exist`);
  if (!target.targets(schedule)) {
    const what = target.task
      ? `a task definition of family ${job} in cluster ${target.task.clusterArn}`
      : `function ${job}`;
    const runs = schedule.taskDefinitionArn
      ? `${schedule.taskDefinitionArn} in ${schedule.targetArn}`
      : schedule.targetArn;
    throw new RegistrationError(`schedule ${scheduleArn} targets ${runs}, not ${what}`);
  }
  const timezone = schedule.timezone || 'UTC';
  try {
    validateSchedule(schedule.expression, timezone);
  } catch (e) {
    if (e instanceof ScheduleError) throw new RegistrationError(`schedule ${scheduleArn}: ${e.message}`, { cause: e });
    throw e;
  }

  const now = deps.now().toISOString();
  const existing = await deps.store.getRegistration(job);
  const modified = (schedule.lastModified ?? deps.now()).toISOString();
  const startDate = schedule.startDate?.toISOString();
  const changed =
    !existing ||
    existing.stackId !== event.StackId ||
    existing.expression !== schedule.expression ||
    existing.timezone !== timezone ||
    existing.startDate !== startDate ||
    existing.scheduleModifiedAt !== modified;
  const registration: Registration = {
    pk: REGISTRY_PK,
    sk: job,
    kind: 'job',
    v: LEDGER_VERSION,
    job,
    ...(target.task ? { runner: 'ecs' as const, task: target.task } : { functionArn: target.functionArn }),
    stackId: event.StackId,
    stackName: stackName(event.StackId),
    scheduleArn,
    expression: schedule.expression,
    timezone,
    state: schedule.state === 'DISABLED' ? 'DISABLED' : 'ENABLED',
    flexibleWindowMinutes: schedule.flexibleWindowMinutes ?? 0,
    timeoutSeconds: target.timeoutSeconds,
    maximumRetryAttempts: target.maximumRetryAttempts,
    missedRunGraceMinutes: Number(graceText),
    scheduleContext: target.scheduleContext,
    scheduleModifiedAt: modified,
    since: changed || !existing ? now : existing.since,
    registeredAt: existing?.stackId === event.StackId ? existing.registeredAt : now,
    updatedAt: now,
  };
  if (startDate) registration.startDate = startDate;
  if (schedule.endDate) registration.endDate = schedule.endDate.toISOString();
  if (schedule.expression.startsWith('rate(')) {
    registration.rateAnchor = startDate ?? (changed || !existing?.rateAnchor ? modified : existing.rateAnchor);
  }
  if (!(await deps.store.putRegistration(registration))) {
    const other = await deps.store.getRegistration(job);
    throw new RegistrationError(
      `job ${job} is already registered by stack ${other ? other.stackName : 'another stack'}; delete that stack's registration first`,
    );
  }
  return { physicalResourceId: job, data: { Job: job, Since: registration.since } };
}

async function unregister(
  event: CloudFormationCustomResourceEvent,
  deps: RegistrarDeps,
): Promise<CustomResourceResult> {
  const id = 'PhysicalResourceId' in event ? event.PhysicalResourceId : '';
  // Only this stack's own registration is deleted (conditional on its stack id): a failed Create's id
  // (cloud-cron-failed-...) or another stack's job deletes nothing. A task family may itself start with
  // "cloud-cron-failed-" (a stack named failed-...), so the id is not judged by its prefix.
  if (JOB_NAME.test(id)) await deps.store.deleteRegistration(id, event.StackId);
  return { physicalResourceId: id || failedCreateId(event) };
}

export function createRegistrar(deps: RegistrarDeps) {
  return (event: CloudFormationCustomResourceEvent): Promise<CustomResourceResult> =>
    event.RequestType === 'Delete' ? unregister(event, deps) : register(event, deps);
}
