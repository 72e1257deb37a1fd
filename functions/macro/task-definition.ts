/**
 * The CloudCron macro for ECS tasks (template-scheduled-task.yaml, or any template of your own):
 *
 * 1. Topics (a target kind, targets.ts). For each targeted `AWS::ECS::TaskDefinition`, one environment variable per
 *    SnsTopics entry in the container it targets, and sns:Publish on exactly those topic ARNs in the inline policy
 *    `CloudCronSnsPublish` of its task role (`TaskRoleArn`: the role the job's code runs as), never its execution
 *    role (the role ECS uses to pull the image and write logs), never `*`. The map is validated as for functions.
 *    The container: the one `Metadata.CloudCron.Container` names, else the only container, else the first essential
 *    one (`Essential` is true unless set to false). A task role shared with other targets gets one policy on the
 *    union of their topics (roles.ts).
 * 2. Payload. An `AWS::Scheduler::Schedule` marked `Metadata: { CloudCron: { TaskPayload: true } }` whose ECS target
 *    runs a task definition of the template (`EcsParameters.TaskDefinitionArn: !Ref <TaskDefinition>`) has its
 *    `Target.Input` read as the job's payload (a literal or a `Ref` to a parameter, valid JSON) and replaced by the
 *    task-override document the ECS target requires, which sets the payload and the slot's context in that
 *    container's environment (functions/common/task-contract.ts).
 *
 * Which task definitions are targeted follows the functions' rule: all of them, unless a function or task definition
 * of the template carries `Metadata.CloudCron`; then only the marked ones (`SnsTopicsParameter` works the same).
 */
import { CONTRACT_NAMES, MAX_OVERRIDE_CHARS, taskOverrideInput } from '../common/task-contract';
import { MacroError } from './errors';
import type { Fragment } from './fragment';
import { isIntrinsic, isObject, type Json, own, ownMap, setOwn } from './json';
import { referencedId, templateRole } from './roles';
import { nameProblem } from './sns-topics';
import type { TargetKind, TopicMap } from './targets';

export const TASK_DEFINITION = 'AWS::ECS::TaskDefinition';

/**
 * Variables ECS and Fargate set in every container (credentials, metadata endpoints): a topic variable of that name
 * would break the task (Amazon ECS developer guide, task IAM roles and task metadata endpoint).
 */
export const ECS_RESERVED_NAMES = new Set([
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
  'ECS_CONTAINER_METADATA_URI',
  'ECS_CONTAINER_METADATA_URI_V4',
  'ECS_AGENT_URI',
]);

// ---------------------------------------------------------------- which container

export type ChosenContainer = { container: Json; name: string };

/** The container of a task definition the macro writes to (see the module comment). */
export function targetContainer(id: string, resource: unknown): ChosenContainer {
  const list = own(ownMap(resource, 'Properties'), 'ContainerDefinitions');
  if (!Array.isArray(list) || list.length === 0 || list.some((c) => !isObject(c) || isIntrinsic(c))) {
    throw new MacroError(
      `${id}: ContainerDefinitions must be a list of container definitions written out (not an intrinsic function) so the CloudCron macro can pick the job's container`,
    );
  }
  const containers = list as Json[];
  const named = (c: Json) => {
    const n = own(c, 'Name');
    return typeof n === 'string' ? n : undefined;
  };
  const wanted = own(own(ownMap(resource, 'Metadata'), 'CloudCron'), 'Container');
  let chosen: Json | undefined;
  if (wanted !== undefined) {
    chosen = containers.find((c) => named(c) === wanted);
    if (typeof wanted !== 'string' || !chosen) {
      const names = containers.map((c) => named(c) ?? '(unnamed)').join(', ');
      throw new MacroError(
        `${id}: Metadata.CloudCron.Container ${typeof wanted === 'string' ? JSON.stringify(wanted) : String(wanted)} names no container of ContainerDefinitions (${names}); name one of them`,
      );
    }
  } else if (containers.length === 1) {
    chosen = containers[0];
  } else {
    chosen = containers.find((c) => own(c, 'Essential') !== false && own(c, 'Essential') !== 'false');
    if (!chosen) {
      throw new MacroError(
        `${id}: no container is essential; set Metadata.CloudCron.Container to the name of the job's container`,
      );
    }
  }
  const name = named(chosen);
  if (!name) {
    throw new MacroError(
      `${id}: the job's container needs a literal Name (the task override and the topic variables address it by name)`,
    );
  }
  return { container: chosen, name };
}

// ---------------------------------------------------------------- topics

/** Why a topic variable name cannot go into a container's environment, or undefined. */
export function taskNameProblem(name: string, shown = true): string | undefined {
  const subject = shown ? `"${name}"` : 'the name';
  if (CONTRACT_NAMES.includes(name)) {
    const example = shown ? `, e.g. "${name.replace(/^CLOUD_CRON_/, '')}_TOPIC"` : '';
    return `${subject} is set by Cloud Cron's task contract (the payload and the slot of each run); choose another name${example}`;
  }
  if (ECS_RESERVED_NAMES.has(name)) {
    const example = shown ? `, e.g. "${name.replace(/^(AWS_|ECS_)/, '')}_TOPIC"` : '';
    return `${subject} is set by ECS in every container (credentials, metadata); choose another name${example}`;
  }
  return nameProblem(name, shown);
}

function containerEnvironment(id: string, name: string, container: Json): Json[] {
  const env = own(container, 'Environment');
  if (env === undefined) return [];
  if (!Array.isArray(env) || env.some((e) => !isObject(e) || isIntrinsic(e))) {
    throw new MacroError(
      `${id}: the Environment of container ${name} must be a list of {Name, Value} written out (not an intrinsic function) so the CloudCron macro can add topic variables`,
    );
  }
  return env as Json[];
}

const entryLabel = (map: TopicMap, name: string) =>
  map.noEcho
    ? `${map.parameter} (NoEcho) entry ${map.topics.findIndex((t) => t.name === name) + 1}`
    : `${map.parameter} entry "${name}"`;

export const taskDefinitionKind: TargetKind = {
  type: TASK_DEFINITION,

  addVariables(target, map) {
    const { container, name } = targetContainer(target.id, target.resource);
    const env = containerEnvironment(target.id, name, container);
    for (const topic of map.topics) {
      const bad = taskNameProblem(topic.name, !map.noEcho);
      if (bad) throw new MacroError(`${entryLabel(map, topic.name)}: ${bad}`);
      if (env.some((e) => own(e, 'Name') === topic.name)) {
        const variable = map.noEcho ? 'that variable' : topic.name;
        throw new MacroError(
          `${entryLabel(map, topic.name)}: ${target.id} already defines ${variable} in the Environment of container ${name}; rename the topic variable or remove the existing one`,
        );
      }
    }
    setOwn(container, 'Environment', [...env, ...map.topics.map((t) => ({ Name: t.name, Value: t.arn }))]);
  },

  grant(target, map, ctx) {
    const props = ownMap(target.resource, 'Properties') ?? {};
    const taskRole = own(props, 'TaskRoleArn');
    const roleId = taskRole === undefined ? undefined : templateRole(ctx.fragment, taskRole);
    if (roleId === undefined) {
      throw new MacroError(
        `${target.id}: TaskRoleArn must be !GetAtt <Role>.Arn of an AWS::IAM::Role in this template: the CloudCron macro grants sns:Publish to the task role the job runs as (never to the execution role), and cannot grant to a role it does not see`,
      );
    }
    if (referencedId(own(props, 'ExecutionRoleArn')) === roleId) {
      throw new MacroError(
        `${target.id}: TaskRoleArn and ExecutionRoleArn are the same role ${roleId}; give the task its own role, so the job's publish rights stay out of the role ECS uses to pull images and write logs`,
      );
    }
    ctx.roles.add(roleId, [...new Set(map.topics.map((t) => t.arn))], target.id);
  },
};

// ---------------------------------------------------------------- payload

/**
 * Replaces the Input of every schedule marked `TaskPayload` with the task-override document that carries the
 * payload to its task definition's container.
 */
export function applyTaskPayloads(fragment: Fragment): void {
  for (const [id, res] of fragment.resources()) {
    if (own(res, 'Type') !== 'AWS::Scheduler::Schedule') continue;
    const meta = own(ownMap(res, 'Metadata'), 'CloudCron');
    const flag = own(meta, 'TaskPayload');
    if (!isObject(meta) || flag === undefined) continue;
    if (flag !== true && flag !== 'true') {
      const shown = typeof flag === 'object' && flag !== null ? 'a map or list' : JSON.stringify(flag);
      throw new MacroError(`${id}: Metadata.CloudCron.TaskPayload must be true, got ${shown}`);
    }
    const target = ownMap(ownMap(res, 'Properties'), 'Target');
    const taskId = referencedId(own(ownMap(target, 'EcsParameters'), 'TaskDefinitionArn'));
    const task = taskId === undefined ? undefined : fragment.resource(taskId);
    if (!target || own(task, 'Type') !== TASK_DEFINITION) {
      throw new MacroError(
        `${id}: Metadata.CloudCron.TaskPayload needs an ECS target whose EcsParameters.TaskDefinitionArn is !Ref <an AWS::ECS::TaskDefinition of this template>`,
      );
    }
    const { name } = targetContainer(taskId as string, task);
    const given = own(target, 'Input');
    const resolved = given === undefined ? { value: '{}', secret: false } : fragment.resolve(given);
    if (typeof resolved?.value !== 'string') {
      throw new MacroError(
        `${id}: Target.Input must be the payload as text or a Ref to a parameter (not another intrinsic function), so the CloudCron macro can write the task override`,
      );
    }
    const payload = resolved.value.trim() === '' ? '{}' : resolved.value;
    try {
      JSON.parse(payload);
    } catch (e) {
      const shown = resolved.secret ? 'from a NoEcho parameter' : JSON.stringify(payload.slice(0, 80));
      throw new MacroError(
        `${id}: the payload ${shown} is not valid JSON${resolved.secret ? '' : ` (${(e as Error).message})`}: pass a JSON document such as {}`,
        { cause: resolved.secret ? undefined : e },
      );
    }
    const input = taskOverrideInput(name, payload);
    if (input.length > MAX_OVERRIDE_CHARS) {
      throw new MacroError(
        `${id}: the task override carrying the payload would be ${input.length} characters, over the ${MAX_OVERRIDE_CHARS} ECS accepts in RunTask overrides; shorten the payload by ${input.length - MAX_OVERRIDE_CHARS} characters (JSON escaping counts)`,
      );
    }
    const ref = own(given, 'Ref');
    if (isIntrinsic(given) && typeof ref === 'string' && !resolved.secret) {
      // Keeps the parameter referenced in the processed template (else cfn-lint W2001 calls it unused); a NoEcho
      // parameter is not recorded (CloudFormation does not mask Metadata).
      const record: Json = {};
      for (const [k, v] of Object.entries(meta)) setOwn(record, k, v);
      record.AppliedPayload = { Ref: ref };
      (res as Json).Metadata = { ...(ownMap(res, 'Metadata') ?? {}), CloudCron: record };
    }
    target.Input = input;
  }
}
