/**
 * The CloudCron macro, as a pure function of the template fragment and its parameter values.
 *
 * 1. Validates every schedule in the fragment (SAM Schedule/ScheduleV2 events, AWS::Scheduler::Schedule,
 *    AWS::Events::Rule), with `Ref`s to parameters resolved, before anything is created.
 * 2. Reads the SnsTopics map and, for each targeted AWS::Serverless::Function, adds one environment
 *    variable per topic and one IAM statement allowing sns:Publish on exactly those topic ARNs.
 *
 * Which functions are targeted: every AWS::Serverless::Function, unless at least one function carries
 * `Metadata: { CloudCron: ... }`; then only those. `Metadata.CloudCron.SnsTopicsParameter` names another
 * parameter holding that function's map (default `SnsTopics`), so one template can give functions
 * different topics. Everything else in the template is left untouched.
 */

import { runsAfter, validateSchedule } from '../common/schedule';
import type { Template, TemplateResource } from '../common/template';
import { MacroError } from './errors';
import { parseSnsTopics, type TopicEntry } from './sns-topics';
import { applyTaskPayloads, applyTaskTopics, TASK_DEFINITION } from './task-definition';

export type ParameterValues = Record<string, unknown>;

/** Lambda's limit on the total size of a function's environment variables (keys and values). */
export const ENV_LIMIT_BYTES = 4096;
export const DEFAULT_MAP_PARAMETER = 'SnsTopics';
export const POLICY_NAME = 'CloudCronSnsPublish';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => !!v && typeof v === 'object' && !Array.isArray(v);
const isIntrinsic = (v: unknown): boolean =>
  isObject(v) && Object.keys(v).length === 1 && (Object.keys(v)[0] === 'Ref' || Object.keys(v)[0].startsWith('Fn::'));

/** The value of a template parameter: from the stack's values, else its Default. */
function parameterValue(fragment: Template, params: ParameterValues, name: string): unknown {
  if (params[name] !== undefined) return params[name];
  return fragment.Parameters?.[name]?.Default;
}

/**
 * Resolves a literal, a `Ref` to a parameter, an `Fn::If` whose condition depends only on parameters, or an
 * `Fn::Sub` of such values; undefined when the value cannot be known before deployment.
 */
function resolve(fragment: Template, params: ParameterValues, value: unknown): unknown {
  if (typeof value === 'string' || typeof value === 'number') return value;
  if (!isObject(value)) return undefined;
  if (typeof value.Ref === 'string' && fragment.Parameters?.[value.Ref]) {
    const v = parameterValue(fragment, params, value.Ref);
    return Array.isArray(v) ? v.join(',') : v;
  }
  const ifArgs = value['Fn::If'];
  if (Array.isArray(ifArgs) && ifArgs.length === 3 && typeof ifArgs[0] === 'string') {
    const chosen = condition(fragment, params, ifArgs[0]);
    return chosen === undefined ? undefined : resolve(fragment, params, chosen ? ifArgs[1] : ifArgs[2]);
  }
  const sub = value['Fn::Sub'];
  if (sub !== undefined) {
    const [text, vars] = Array.isArray(sub) ? sub : [sub, {}];
    if (typeof text !== 'string' || !isObject(vars)) return undefined;
    let unknown = false;
    const out = text.replace(/\$\{(!?)([^}]*)\}/g, (whole, bang: string, name: string) => {
      if (bang) return `\${${name}}`;
      const v = name in vars ? resolve(fragment, params, vars[name]) : resolve(fragment, params, { Ref: name });
      if (typeof v !== 'string' && typeof v !== 'number') unknown = true;
      return unknown ? whole : String(v);
    });
    return unknown ? undefined : out;
  }
  return undefined;
}

/** A condition of the template evaluated from parameter values; undefined when it depends on anything else. */
function condition(fragment: Template, params: ParameterValues, name: string, depth = 0): boolean | undefined {
  const evaluate = (c: unknown): boolean | undefined => {
    if (depth > 20 || !isObject(c)) return undefined;
    if (typeof c.Condition === 'string') return condition(fragment, params, c.Condition, depth + 1);
    const [key, args] = Object.entries(c)[0] ?? [];
    if (!Array.isArray(args)) return undefined;
    if (key === 'Fn::Equals' && args.length === 2) {
      const [a, b] = args.map((x) => resolve(fragment, params, x));
      return a === undefined || b === undefined ? undefined : String(a) === String(b);
    }
    const values = args.map(evaluate);
    if (values.some((v) => v === undefined)) return undefined;
    if (key === 'Fn::Not' && values.length === 1) return !values[0];
    if (key === 'Fn::And') return values.every(Boolean);
    if (key === 'Fn::Or') return values.some(Boolean);
    return undefined;
  };
  return evaluate(fragment.Conditions?.[name]);
}

// ---------------------------------------------------------------- schedules

type ScheduleSite = { where: string; expression: unknown; timezone?: unknown; input?: unknown; scheduler: boolean };

function scheduleSites(fragment: Template): ScheduleSite[] {
  const sites: ScheduleSite[] = [];
  for (const [id, res] of Object.entries(fragment.Resources ?? {})) {
    const p = (res.Properties ?? {}) as Json;
    if (res.Type === 'AWS::Serverless::Function' && isObject(p.Events)) {
      for (const [eventId, ev] of Object.entries(p.Events)) {
        if (!isObject(ev) || !isObject(ev.Properties)) continue;
        const ep = ev.Properties;
        if (ev.Type === 'Schedule') {
          sites.push({ where: `${id} event ${eventId}`, expression: ep.Schedule, input: ep.Input, scheduler: false });
        } else if (ev.Type === 'ScheduleV2') {
          sites.push({
            where: `${id} event ${eventId}`,
            expression: ep.ScheduleExpression,
            timezone: ep.ScheduleExpressionTimezone,
            input: ep.Input,
            scheduler: true,
          });
        }
      }
    } else if (res.Type === 'AWS::Scheduler::Schedule') {
      const target = isObject(p.Target) ? p.Target : {};
      sites.push({
        where: id,
        expression: p.ScheduleExpression,
        timezone: p.ScheduleExpressionTimezone,
        input: target.Input,
        scheduler: true,
      });
    } else if (res.Type === 'AWS::Events::Rule' && p.ScheduleExpression !== undefined) {
      sites.push({ where: id, expression: p.ScheduleExpression, scheduler: false });
    }
  }
  return sites;
}

function validateSchedules(fragment: Template, params: ParameterValues, warnings: string[], now: Date): void {
  for (const site of scheduleSites(fragment)) {
    const expression = resolve(fragment, params, site.expression);
    const timezone = resolve(fragment, params, site.timezone);
    if (typeof expression === 'string') {
      if (!site.scheduler && expression.trim().startsWith('at(')) {
        throw new MacroError(
          `${site.where}: schedule expression "${expression}": at() one-time schedules need EventBridge Scheduler (a ScheduleV2 event or AWS::Scheduler::Schedule); EventBridge rules accept only rate() and cron()`,
        );
      }
      // A zone that is given must be valid, an empty one included (Scheduler's ScheduleExpressionTimezone is 1-50
      // characters): leave it out for UTC. Classic rules have no zone.
      const zone = site.scheduler && typeof timezone === 'string' ? timezone : undefined;
      try {
        validateSchedule(expression, zone);
      } catch (e) {
        throw new MacroError(`${site.where}: ${(e as Error).message}`, { cause: e });
      }
      // Valid but spent (an at() in the past, a cron whose years are over): accepted, so a stack whose one-time
      // schedule already ran stays updatable, and reported as a warning.
      if (!runsAfter(expression, zone ?? 'UTC', now)) {
        warnings.push(
          `${site.where}: schedule expression "${expression}" has no run after ${now.toISOString()}; it will never fire`,
        );
      }
    }
    const input = resolve(fragment, params, site.input);
    if (typeof input === 'string' && input.trim()) {
      try {
        JSON.parse(input);
      } catch (e) {
        throw new MacroError(
          `${site.where}: the schedule's Input ${JSON.stringify(input.slice(0, 80))} is not valid JSON (${(e as Error).message}): pass a JSON document such as {}`,
          { cause: e },
        );
      }
    }
  }
}

// ---------------------------------------------------------------- topics

type Target = { id: string; resource: TemplateResource; mapParameter: string };

function targets(fragment: Template): Target[] {
  // Functions and ECS task definitions (task-definition.ts) follow one rule: all, unless some are marked.
  const candidates = Object.entries(fragment.Resources ?? {}).filter(
    ([, r]) => r.Type === 'AWS::Serverless::Function' || r.Type === TASK_DEFINITION,
  );
  const marked = candidates.filter(([, r]) => r.Metadata?.CloudCron !== undefined);
  const chosen = marked.length > 0 ? marked : candidates;
  return chosen.map(([id, resource]) => {
    const meta = resource.Metadata?.CloudCron;
    let mapParameter = DEFAULT_MAP_PARAMETER;
    if (isObject(meta) && meta.SnsTopicsParameter !== undefined) {
      if (typeof meta.SnsTopicsParameter !== 'string' || !fragment.Parameters?.[meta.SnsTopicsParameter]) {
        throw new MacroError(
          `${id}: Metadata.CloudCron.SnsTopicsParameter must name a parameter of this template, got ${JSON.stringify(meta.SnsTopicsParameter)}`,
        );
      }
      mapParameter = meta.SnsTopicsParameter;
    }
    return { id, resource, mapParameter };
  });
}

function plainVariables(id: string, where: string, env: unknown): Json {
  if (env === undefined) return {};
  if (
    !isObject(env) ||
    isIntrinsic(env) ||
    (env.Variables !== undefined && (!isObject(env.Variables) || isIntrinsic(env.Variables)))
  ) {
    throw new MacroError(
      `${id}: ${where} Environment must be a map with a Variables map (not an intrinsic function) so the CloudCron macro can add topic variables`,
    );
  }
  return (env.Variables as Json | undefined) ?? {};
}

function envBytes(vars: Json): number {
  let n = 0;
  for (const [k, v] of Object.entries(vars)) {
    n += Buffer.byteLength(k) + (typeof v === 'string' || typeof v === 'number' ? Buffer.byteLength(String(v)) : 0);
  }
  return n;
}

function publishStatement(topics: TopicEntry[]): Json {
  return {
    Effect: 'Allow',
    Action: 'sns:Publish',
    Resource: [...new Set(topics.map((t) => t.arn))],
  };
}

/** Adds the publish statement where the function's permissions live: its SAM Policies, or the AWS::IAM::Role it names. */
function grantPublish(fragment: Template, target: Target, topics: TopicEntry[]): void {
  const props = target.resource.Properties ?? {};
  const statement = publishStatement(topics);
  if (props.Role !== undefined) {
    const role = props.Role;
    let roleId: string | undefined;
    if (isObject(role) && Array.isArray(role['Fn::GetAtt']) && role['Fn::GetAtt'][1] === 'Arn')
      roleId = String(role['Fn::GetAtt'][0]);
    if (isObject(role) && typeof role.Ref === 'string') roleId = role.Ref;
    const roleRes = roleId ? fragment.Resources[roleId] : undefined;
    if (roleRes?.Type !== 'AWS::IAM::Role') {
      throw new MacroError(
        `${target.id}: its Role is not an AWS::IAM::Role of this template, so the CloudCron macro cannot grant sns:Publish; remove Role (let SAM create it) or point Role at !GetAtt <RoleInThisTemplate>.Arn`,
      );
    }
    roleRes.Properties = roleRes.Properties ?? {};
    const policies = roleRes.Properties.Policies ?? [];
    if (!Array.isArray(policies))
      throw new MacroError(`${roleId}: Policies must be a list for the CloudCron macro to add ${POLICY_NAME}`);
    if (policies.some((p) => isObject(p) && p.PolicyName === POLICY_NAME)) {
      throw new MacroError(
        `${roleId}: already has a policy named ${POLICY_NAME}; give each function using the CloudCron macro its own role`,
      );
    }
    policies.push({ PolicyName: POLICY_NAME, PolicyDocument: { Version: '2012-10-17', Statement: [statement] } });
    roleRes.Properties.Policies = policies;
    return;
  }
  let policies = props.Policies;
  if (policies === undefined) policies = [];
  else if (typeof policies === 'string' || (isObject(policies) && !isIntrinsic(policies))) policies = [policies];
  if (!Array.isArray(policies)) {
    throw new MacroError(
      `${target.id}: Policies is an intrinsic function; write it as a list so the CloudCron macro can add sns:Publish`,
    );
  }
  policies.push({ Statement: [statement] });
  props.Policies = policies;
  target.resource.Properties = props;
}

/**
 * Records on the function which parameter its topic variables came from. This keeps a reference to the
 * parameter in the processed template, which would otherwise look unused (cfn-lint W2001).
 */
function recordMap(fragment: Template, target: Target): void {
  if (!fragment.Parameters?.[target.mapParameter]) return;
  const meta = target.resource.Metadata ?? {};
  const own = isObject(meta.CloudCron) ? meta.CloudCron : {};
  meta.CloudCron = { ...own, AppliedSnsTopics: { Ref: target.mapParameter } };
  target.resource.Metadata = meta;
}

function applyTopics(fragment: Template, params: ParameterValues): void {
  const globalEnv = plainVariables('Globals', 'Function', fragment.Globals?.Function?.Environment);
  const maps = new Map<string, TopicEntry[]>();
  for (const target of targets(fragment)) {
    if (!maps.has(target.mapParameter)) {
      const raw = parameterValue(fragment, params, target.mapParameter);
      if (raw !== undefined && typeof raw !== 'string') {
        throw new MacroError(`parameter ${target.mapParameter} must be a String holding NAME=arn entries`);
      }
      try {
        maps.set(target.mapParameter, parseSnsTopics(raw));
      } catch (e) {
        if (e instanceof MacroError && target.mapParameter !== DEFAULT_MAP_PARAMETER) {
          throw new MacroError(e.message.replace(/^SnsTopics/, target.mapParameter), { cause: e });
        }
        throw e;
      }
    }
    const topics = maps.get(target.mapParameter) ?? [];
    recordMap(fragment, target);
    if (topics.length === 0) continue;
    if (target.resource.Type === TASK_DEFINITION) {
      applyTaskTopics(fragment, target.id, target.resource, topics, target.mapParameter);
      continue;
    }
    const props = target.resource.Properties ?? {};
    target.resource.Properties = props;
    const own = plainVariables(target.id, 'its', props.Environment);
    for (const { name } of topics) {
      const where = name in own ? 'its Environment' : name in globalEnv ? 'Globals.Function.Environment' : undefined;
      if (where) {
        throw new MacroError(
          `${target.mapParameter} entry "${name}": ${target.id} already defines ${name} in ${where}; rename the topic variable or remove the existing one`,
        );
      }
    }
    const merged: Json = { ...own };
    for (const { name, arn } of topics) merged[name] = arn;
    const size = envBytes({ ...globalEnv, ...merged });
    if (size > ENV_LIMIT_BYTES) {
      throw new MacroError(
        `${target.mapParameter}: with ${topics.length} topic variables the environment of ${target.id} would be ${size} bytes, over Lambda's 4 KB (4096 bytes) limit; use shorter variable names or fewer topics`,
      );
    }
    props.Environment = { ...(isObject(props.Environment) ? props.Environment : {}), Variables: merged };
    grantPublish(fragment, target, topics);
  }
}

export type TransformOptions = {
  /** Collects what is accepted but worth saying (a schedule that will never fire again). */
  warnings?: string[];
  /** The time schedules are judged against (default: now). */
  now?: Date;
};

/** Returns the processed fragment; throws MacroError with a message that says what to fix. */
export function transform(
  fragment: Template,
  parameterValues: ParameterValues = {},
  options: TransformOptions = {},
): Template {
  if (!isObject(fragment) || !isObject(fragment.Resources)) {
    throw new MacroError('the template has no Resources section');
  }
  const out = structuredClone(fragment);
  validateSchedules(out, parameterValues, options.warnings ?? [], options.now ?? new Date());
  applyTopics(out, parameterValues);
  applyTaskPayloads(out, parameterValues);
  return out;
}
