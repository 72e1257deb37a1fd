/**
 * The registrar: the custom resource (RunsRegistration) a job stack wired to the Runs app declares. On Create and
 * Update it writes the job's registration (ledger.ts, Registration) so the watchdog knows the job; on Delete it
 * removes it. The registration is read from the deployed resources, not taken on the template's word:
 *
 * - the function must carry the `aws:cloudformation:stack-id` tag of the stack that asks (a stack can register only
 *   its own function, so no stack can make the watchdog speak about another's job);
 * - its asynchronous invocation config must send both destinations to this Runs bus (or its runs would never
 *   reach the ledger and every slot would look missed); its MaximumRetryAttempts and Timeout are read from Lambda;
 * - the schedule must target the function; expression, zone, state, start/end and flexible window come from
 *   EventBridge Scheduler, and are validated by the shared schedule engine.
 *
 * The properties the template passes (schedule settings, timeout, retries) only make CloudFormation send an
 * Update whenever one of them changes.
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import type { CustomResourceResult } from '../common/custom-resource';
import { FAILED_PREFIX, failedCreateId } from '../common/custom-resource';
import { LEDGER_VERSION, REGISTRY_PK, type Registration, unqualifiedArn } from '../common/runs/ledger';
import type { LedgerStore } from '../common/runs/store';
import { ScheduleError, validateSchedule } from '../common/schedule';
import { RegistrationError } from './errors';

export const STACK_TAG = 'aws:cloudformation:stack-id';

export type FunctionFacts = { functionArn: string; timeoutSeconds: number; tags: Record<string, string> };
export type InvokeConfigFacts = { maximumRetryAttempts?: number; onSuccess?: string; onFailure?: string } | undefined;
export type ScheduleFacts = {
  targetArn: string;
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
const SCHEDULE_ARN =
  /^arn:[a-z-]+:scheduler:[a-z0-9-]+:\d{12}:schedule\/([0-9a-zA-Z._-]{1,64})\/([0-9a-zA-Z._-]{1,64})$/;

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

async function register(event: CloudFormationCustomResourceEvent, deps: RegistrarDeps): Promise<CustomResourceResult> {
  const job = text(event, 'FunctionName');
  if (!FUNCTION_NAME.test(job)) throw new RegistrationError(`FunctionName "${job}" is not a Lambda function name`);
  const scheduleArn = text(event, 'ScheduleArn');
  const arnParts = SCHEDULE_ARN.exec(scheduleArn);
  if (!arnParts)
    throw new RegistrationError(`ScheduleArn "${scheduleArn}" is not an EventBridge Scheduler schedule ARN`);
  const graceText = String(prop(event, 'MissedRunGraceMinutes') ?? '5');
  if (!/^\d{1,4}$/.test(graceText) || Number(graceText) > 1440) {
    throw new RegistrationError(`MissedRunGraceMinutes "${graceText}" must be a whole number of minutes, 0-1440`);
  }
  const contextText = String(prop(event, 'ScheduleContext') ?? 'false');
  if (contextText !== 'true' && contextText !== 'false') {
    throw new RegistrationError(`ScheduleContext "${contextText}" must be "true" or "false"`);
  }

  const fn = await deps.facts.fn(job);
  if (!fn) throw new RegistrationError(`function ${job} does not exist in this account and region`);
  const owner = fn.tags[STACK_TAG];
  if (owner !== event.StackId) {
    throw new RegistrationError(
      `function ${job} belongs to ${owner ? `stack ${stackName(owner)}` : 'no CloudFormation stack'}, not to ${stackName(event.StackId)}: a stack can register only its own function with the Runs app`,
    );
  }
  const invoke = await deps.facts.invokeConfig(job);
  if (invoke?.onSuccess !== deps.busArn || invoke?.onFailure !== deps.busArn) {
    throw new RegistrationError(
      `function ${job} does not send both asynchronous-invocation destinations to ${deps.busArn} (OnSuccess ${invoke?.onSuccess ?? 'none'}, OnFailure ${invoke?.onFailure ?? 'none'}): its runs would never reach the ledger; set RunsEventBusArn to ${deps.busArn}`,
    );
  }
  const schedule = await deps.facts.schedule(arnParts[1], arnParts[2]);
  if (!schedule) throw new RegistrationError(`schedule ${scheduleArn} does not exist`);
  if (unqualifiedArn(schedule.targetArn) !== unqualifiedArn(fn.functionArn)) {
    throw new RegistrationError(`schedule ${scheduleArn} targets ${schedule.targetArn}, not function ${job}`);
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
    functionArn: unqualifiedArn(fn.functionArn),
    stackId: event.StackId,
    stackName: stackName(event.StackId),
    scheduleArn,
    expression: schedule.expression,
    timezone,
    state: schedule.state === 'DISABLED' ? 'DISABLED' : 'ENABLED',
    flexibleWindowMinutes: schedule.flexibleWindowMinutes ?? 0,
    timeoutSeconds: fn.timeoutSeconds,
    maximumRetryAttempts: invoke.maximumRetryAttempts ?? 2,
    missedRunGraceMinutes: Number(graceText),
    scheduleContext: contextText === 'true',
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
  if (FUNCTION_NAME.test(id) && !id.startsWith(FAILED_PREFIX)) await deps.store.deleteRegistration(id, event.StackId);
  return { physicalResourceId: id || failedCreateId(event) };
}

export function createRegistrar(deps: RegistrarDeps) {
  return (event: CloudFormationCustomResourceEvent): Promise<CustomResourceResult> =>
    event.RequestType === 'Delete' ? unregister(event, deps) : register(event, deps);
}
