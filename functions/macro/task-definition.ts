/**
 * The CloudCron macro for ECS tasks (template-scheduled-task.yaml, or any template of your own):
 *
 * 1. Topics. For each targeted `AWS::ECS::TaskDefinition`, one environment variable per SnsTopics entry in the
 *    container it targets, and one inline policy `CloudCronSnsPublish` allowing sns:Publish on exactly those topic
 *    ARNs on its task role (`TaskRoleArn`: the role the job's code runs as), never on its execution role (the role
 *    ECS uses to pull the image and write logs), never on `*`. The map is validated as for functions.
 *    The container: the one `Metadata.CloudCron.Container` names, else the only container, else the first essential
 *    one (`Essential` is true unless set to false).
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
import type { Template, TemplateResource } from '../common/template';
import { MacroError } from './errors';
import { nameProblem, type TopicEntry } from './sns-topics';

type Json = Record<string, unknown>;
export type ParameterValues = Record<string, unknown>;

export const TASK_DEFINITION = 'AWS::ECS::TaskDefinition';
export const POLICY_NAME = 'CloudCronSnsPublish';

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

const isObject = (v: unknown): v is Json => !!v && typeof v === 'object' && !Array.isArray(v);
const isIntrinsic = (v: unknown): boolean =>
  isObject(v) && Object.keys(v).length === 1 && (Object.keys(v)[0] === 'Ref' || Object.keys(v)[0].startsWith('Fn::'));

/** The value of a literal or of a `Ref` to a template parameter; undefined when it cannot be known now. */
function literalOrParameter(fragment: Template, params: ParameterValues, value: unknown): unknown {
  if (typeof value === 'string' || typeof value === 'number') return value;
  if (isObject(value) && typeof value.Ref === 'string' && fragment.Parameters?.[value.Ref]) {
    return params[value.Ref] !== undefined ? params[value.Ref] : fragment.Parameters[value.Ref].Default;
  }
  return undefined;
}

/** The logical id a `Ref` or `Fn::GetAtt [Id, Arn]` (list or "Id.Arn" string form) points to. */
function referencedId(value: unknown): string | undefined {
  if (!isObject(value)) return undefined;
  if (typeof value.Ref === 'string') return value.Ref;
  const att = value['Fn::GetAtt'];
  if (Array.isArray(att) && att.length === 2 && att[1] === 'Arn') return String(att[0]);
  if (typeof att === 'string' && att.endsWith('.Arn')) return att.slice(0, -'.Arn'.length);
  return undefined;
}

// ---------------------------------------------------------------- which container

export type ChosenContainer = { container: Json; name: string };

/** The container of a task definition the macro writes to (see the module comment). */
export function targetContainer(id: string, resource: TemplateResource): ChosenContainer {
  const list = resource.Properties?.ContainerDefinitions;
  if (!Array.isArray(list) || list.length === 0 || list.some((c) => !isObject(c) || isIntrinsic(c))) {
    throw new MacroError(
      `${id}: ContainerDefinitions must be a list of container definitions written out (not an intrinsic function) so the CloudCron macro can pick the job's container`,
    );
  }
  const containers = list as Json[];
  const named = (c: Json) => (typeof c.Name === 'string' ? c.Name : undefined);
  const meta = resource.Metadata?.CloudCron;
  const wanted = isObject(meta) ? meta.Container : undefined;
  let chosen: Json | undefined;
  if (wanted !== undefined) {
    chosen = containers.find((c) => named(c) === wanted);
    if (typeof wanted !== 'string' || !chosen) {
      const names = containers.map((c) => named(c) ?? '(unnamed)').join(', ');
      throw new MacroError(
        `${id}: Metadata.CloudCron.Container ${JSON.stringify(wanted)} names no container of ContainerDefinitions (${names}); name one of them`,
      );
    }
  } else if (containers.length === 1) {
    chosen = containers[0];
  } else {
    chosen = containers.find((c) => c.Essential !== false && c.Essential !== 'false');
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
export function taskNameProblem(name: string): string | undefined {
  if (CONTRACT_NAMES.includes(name)) {
    return `"${name}" is set by Cloud Cron's task contract (the payload and the slot of each run); choose another name, e.g. "${name.replace(/^CLOUD_CRON_/, '')}_TOPIC"`;
  }
  if (ECS_RESERVED_NAMES.has(name)) {
    return `"${name}" is set by ECS in every container (credentials, metadata); choose another name, e.g. "${name.replace(/^(AWS_|ECS_)/, '')}_TOPIC"`;
  }
  return nameProblem(name);
}

function containerEnvironment(id: string, name: string, container: Json): Json[] {
  const env = container.Environment;
  if (env === undefined) return [];
  if (!Array.isArray(env) || env.some((e) => !isObject(e) || isIntrinsic(e))) {
    throw new MacroError(
      `${id}: the Environment of container ${name} must be a list of {Name, Value} written out (not an intrinsic function) so the CloudCron macro can add topic variables`,
    );
  }
  return env as Json[];
}

/** Adds the publish policy to the task role, which must be an AWS::IAM::Role of the template and not the execution role. */
function grantToTaskRole(fragment: Template, id: string, resource: TemplateResource, topics: TopicEntry[]): void {
  const props = resource.Properties ?? {};
  const roleId = referencedId(props.TaskRoleArn);
  const role =
    roleId !== undefined && Object.hasOwn(fragment.Resources, roleId) ? fragment.Resources[roleId] : undefined;
  if (props.TaskRoleArn === undefined || role?.Type !== 'AWS::IAM::Role') {
    throw new MacroError(
      `${id}: TaskRoleArn must be !GetAtt <Role>.Arn of an AWS::IAM::Role in this template: the CloudCron macro grants sns:Publish to the task role the job runs as (never to the execution role), and cannot grant to a role it does not see`,
    );
  }
  if (referencedId(props.ExecutionRoleArn) === roleId) {
    throw new MacroError(
      `${id}: TaskRoleArn and ExecutionRoleArn are the same role ${roleId}; give the task its own role, so the job's publish rights stay out of the role ECS uses to pull images and write logs`,
    );
  }
  role.Properties = role.Properties ?? {};
  const policies = role.Properties.Policies ?? [];
  if (!Array.isArray(policies)) {
    throw new MacroError(`${roleId}: Policies must be a list for the CloudCron macro to add ${POLICY_NAME}`);
  }
  if (policies.some((p) => isObject(p) && p.PolicyName === POLICY_NAME)) {
    throw new MacroError(
      `${roleId}: already has a policy named ${POLICY_NAME}; give each task definition using the CloudCron macro its own task role`,
    );
  }
  policies.push({
    PolicyName: POLICY_NAME,
    PolicyDocument: {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'sns:Publish', Resource: [...new Set(topics.map((t) => t.arn))] }],
    },
  });
  role.Properties.Policies = policies;
}

/**
 * Gives one targeted task definition its topic variables and publish rights. `mapParameter` is the parameter the
 * topics came from (named in errors).
 */
export function applyTaskTopics(
  fragment: Template,
  id: string,
  resource: TemplateResource,
  topics: TopicEntry[],
  mapParameter: string,
): void {
  if (topics.length === 0) return;
  const { container, name } = targetContainer(id, resource);
  const env = containerEnvironment(id, name, container);
  for (const topic of topics) {
    const bad = taskNameProblem(topic.name);
    if (bad) throw new MacroError(`${mapParameter} entry "${topic.name}": ${bad}`);
    if (env.some((e) => e.Name === topic.name)) {
      throw new MacroError(
        `${mapParameter} entry "${topic.name}": ${id} already defines ${topic.name} in the Environment of container ${name}; rename the topic variable or remove the existing one`,
      );
    }
  }
  container.Environment = [...env, ...topics.map((t) => ({ Name: t.name, Value: t.arn }))];
  grantToTaskRole(fragment, id, resource, topics);
}

// ---------------------------------------------------------------- payload

/**
 * Replaces the Input of every schedule marked `TaskPayload` with the task-override document that carries the
 * payload to its task definition's container.
 */
export function applyTaskPayloads(fragment: Template, params: ParameterValues): void {
  for (const [id, res] of Object.entries(fragment.Resources ?? {})) {
    if (res.Type !== 'AWS::Scheduler::Schedule') continue;
    const meta = res.Metadata?.CloudCron;
    if (!isObject(meta) || meta.TaskPayload === undefined) continue;
    if (meta.TaskPayload !== true && meta.TaskPayload !== 'true') {
      throw new MacroError(
        `${id}: Metadata.CloudCron.TaskPayload must be true, got ${JSON.stringify(meta.TaskPayload)}`,
      );
    }
    const target = isObject(res.Properties?.Target) ? (res.Properties.Target as Json) : undefined;
    const ecs = target && isObject(target.EcsParameters) ? target.EcsParameters : undefined;
    const taskId = referencedId(ecs?.TaskDefinitionArn);
    const task =
      taskId !== undefined && Object.hasOwn(fragment.Resources, taskId) ? fragment.Resources[taskId] : undefined;
    if (!target || task?.Type !== TASK_DEFINITION) {
      throw new MacroError(
        `${id}: Metadata.CloudCron.TaskPayload needs an ECS target whose EcsParameters.TaskDefinitionArn is !Ref <an AWS::ECS::TaskDefinition of this template>`,
      );
    }
    const { name } = targetContainer(taskId as string, task);
    const raw = target.Input === undefined ? '{}' : literalOrParameter(fragment, params, target.Input);
    if (typeof raw !== 'string') {
      throw new MacroError(
        `${id}: Target.Input must be the payload as text or a Ref to a parameter (not another intrinsic function), so the CloudCron macro can write the task override`,
      );
    }
    const payload = raw.trim() === '' ? '{}' : raw;
    try {
      JSON.parse(payload);
    } catch (e) {
      throw new MacroError(
        `${id}: the payload ${JSON.stringify(payload.slice(0, 80))} is not valid JSON (${(e as Error).message}): pass a JSON document such as {}`,
        { cause: e },
      );
    }
    const input = taskOverrideInput(name, payload);
    if (input.length > MAX_OVERRIDE_CHARS) {
      throw new MacroError(
        `${id}: the task override carrying the payload would be ${input.length} characters, over the ${MAX_OVERRIDE_CHARS} ECS accepts in RunTask overrides; shorten the payload by ${input.length - MAX_OVERRIDE_CHARS} characters (JSON escaping counts)`,
      );
    }
    if (isObject(target.Input) && typeof target.Input.Ref === 'string') {
      // Keeps the parameter referenced in the processed template (else cfn-lint W2001 calls it unused).
      res.Metadata = { ...res.Metadata, CloudCron: { ...meta, AppliedPayload: { Ref: target.Input.Ref } } };
    }
    target.Input = input;
  }
}
