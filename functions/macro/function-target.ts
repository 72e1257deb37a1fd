/**
 * AWS::Serverless::Function as a target: variables in `Environment.Variables` (merged by SAM with
 * `Globals.Function.Environment.Variables`), publish rights in its SAM `Policies` or, when it names a role of the
 * template, in that role.
 */
import { MacroError } from './errors';
import { forEachOrderHint } from './foreach';
import { isForEachKey } from './fragment';
import { isIntrinsic, isObject, type Json, own, ownMap, setOwn } from './json';
import { templateRole } from './roles';
import type { TargetKind, TopicMap } from './targets';

/** Lambda's limit on the total size of a function's environment variables (keys and values). */
export const ENV_LIMIT_BYTES = 4096;

/**
 * The plain variables of an Environment. An intrinsic Environment or Variables cannot take more variables (SAM
 * lets a function's Variables map replace an intrinsic in Globals, dropping its variables), so it is refused, but
 * only when the macro must add variables.
 */
function plainVariables(id: string, where: string, env: unknown, hint: string): Json {
  if (env === undefined) return {};
  const vars = own(env, 'Variables');
  if (!isObject(env) || isIntrinsic(env) || (vars !== undefined && (!isObject(vars) || isIntrinsic(vars)))) {
    throw new MacroError(
      `${id}: ${where} Environment must be a map with a Variables map (not an intrinsic function) so the CloudCron macro can add topic variables`,
    );
  }
  const plain = (vars as Json | undefined) ?? {};
  if (Object.keys(plain).some(isForEachKey)) {
    throw new MacroError(
      `${id}: ${where} Environment Variables hold a Fn::ForEach loop, so the CloudCron macro cannot see which variables exist; ${hint}`,
    );
  }
  return plain;
}

function envBytes(vars: Json): number {
  let n = 0;
  for (const [k, v] of Object.entries(vars)) {
    const text = typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';
    n += Buffer.byteLength(k) + Buffer.byteLength(text);
  }
  return n;
}

const entryLabel = (map: TopicMap, name: string) =>
  map.noEcho
    ? `${map.parameter} (NoEcho) entry ${map.topics.findIndex((t) => t.name === name) + 1}`
    : `${map.parameter} entry "${name}"`;

export const functionKind: TargetKind = {
  type: 'AWS::Serverless::Function',

  addVariables(target, map, ctx) {
    const hint = forEachOrderHint(ctx.fragment.macroName);
    const globalEnv = plainVariables(
      'Globals',
      'Function',
      own(ownMap(own(ctx.fragment.template, 'Globals'), 'Function'), 'Environment'),
      hint,
    );
    const props = ownMap(target.resource, 'Properties') ?? {};
    const existing = plainVariables(target.id, 'its', own(props, 'Environment'), hint);
    for (const { name } of map.topics) {
      const where = Object.hasOwn(existing, name)
        ? 'its Environment'
        : Object.hasOwn(globalEnv, name)
          ? 'Globals.Function.Environment'
          : undefined;
      if (where) {
        const variable = map.noEcho ? 'that variable' : name;
        throw new MacroError(
          `${entryLabel(map, name)}: ${target.id} already defines ${variable} in ${where}; rename the topic variable or remove the existing one`,
        );
      }
    }
    const merged: Json = {};
    for (const [k, v] of Object.entries(existing)) setOwn(merged, k, v);
    for (const { name, arn } of map.topics) setOwn(merged, name, arn);
    // SAM merges the Globals' variables into the function's; a name in both counts once.
    const all: Json = {};
    for (const [k, v] of Object.entries(globalEnv)) setOwn(all, k, v);
    for (const [k, v] of Object.entries(merged)) setOwn(all, k, v);
    const size = envBytes(all);
    if (size > ENV_LIMIT_BYTES) {
      throw new MacroError(
        `${map.parameter}: with ${map.topics.length} topic variables the environment of ${target.id} would be ${size} bytes, over Lambda's 4 KB (4096 bytes) limit; use shorter variable names or fewer topics`,
      );
    }
    const env = ownMap(props, 'Environment') ?? {};
    env.Variables = merged;
    props.Environment = env;
    target.resource.Properties = props;
  },

  grant(target, map, ctx) {
    const props = ownMap(target.resource, 'Properties') ?? {};
    target.resource.Properties = props;
    const arns = [...new Set(map.topics.map((t) => t.arn))];
    const role = own(props, 'Role');
    if (role !== undefined) {
      const roleId = templateRole(ctx.fragment, role);
      if (roleId === undefined) {
        throw new MacroError(
          `${target.id}: its Role is not an AWS::IAM::Role of this template, so the CloudCron macro cannot grant sns:Publish; remove Role (let SAM create it) or point Role at !GetAtt <RoleInThisTemplate>.Arn`,
        );
      }
      ctx.roles.add(roleId, arns, target.id);
      return;
    }
    let policies = own(props, 'Policies');
    if (policies === undefined) policies = [];
    else if (typeof policies === 'string' || (isObject(policies) && !isIntrinsic(policies))) policies = [policies];
    if (!Array.isArray(policies)) {
      throw new MacroError(
        `${target.id}: Policies is an intrinsic function; write it as a list so the CloudCron macro can add sns:Publish`,
      );
    }
    policies.push({ Statement: [{ Effect: 'Allow', Action: 'sns:Publish', Resource: arns }] });
    props.Policies = policies;
  },
};
