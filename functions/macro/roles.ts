/**
 * Publish rights granted through an AWS::IAM::Role of the template. Several targets may share one role (AWS samples
 * and published SAR apps do): each role gets one inline policy, CloudCronSnsPublish, whose one statement allows
 * sns:Publish on the union of the topics of every target using it. IAM grants to the role, not to the function, so
 * targets that share a role share its rights.
 */
import { MacroError } from './errors';
import type { Fragment } from './fragment';
import { isIntrinsic, isObject, type Json, own, ownMap } from './json';

export const POLICY_NAME = 'CloudCronSnsPublish';

const SUB_ARN = /^\$\{([A-Za-z0-9]+)\.Arn\}$/;

/**
 * The logical ID a role reference names, in any of the forms CloudFormation accepts for "the ARN of that role":
 * `!GetAtt R.Arn` (`{"Fn::GetAtt": ["R", "Arn"]}` or the string form `{"Fn::GetAtt": "R.Arn"}`), `!Sub ${R.Arn}`
 * (with or without a variable map that leaves R.Arn alone), and `!Ref R`. Undefined for anything else.
 */
export function referencedId(value: unknown): string | undefined {
  if (!isIntrinsic(value)) return undefined;
  const ref = own(value, 'Ref');
  if (typeof ref === 'string') return ref;
  const getAtt = own(value, 'Fn::GetAtt');
  if (Array.isArray(getAtt) && getAtt.length === 2 && getAtt[1] === 'Arn' && typeof getAtt[0] === 'string') {
    return getAtt[0];
  }
  if (typeof getAtt === 'string' && getAtt.endsWith('.Arn') && getAtt.indexOf('.') === getAtt.length - 4) {
    return getAtt.slice(0, -4);
  }
  const sub = own(value, 'Fn::Sub');
  const [text, vars] = Array.isArray(sub) ? sub : [sub, undefined];
  if (typeof text === 'string' && (vars === undefined || isObject(vars))) {
    const m = SUB_ARN.exec(text.trim());
    if (m && !Object.hasOwn(vars ?? {}, `${m[1]}.Arn`)) return m[1];
  }
  return undefined;
}

/** The AWS::IAM::Role of this template a reference names, or undefined. */
export function templateRole(fragment: Fragment, value: unknown): string | undefined {
  const id = referencedId(value);
  if (id === undefined) return undefined;
  return own(fragment.resource(id), 'Type') === 'AWS::IAM::Role' ? id : undefined;
}

type Grant = { arns: string[]; users: string[] };

/** Collects, per role, the topics its users need; `apply` writes one policy per role. */
export class RoleGrants {
  private readonly grants = new Map<string, Grant>();

  add(roleId: string, arns: readonly string[], user: string): void {
    const grant = this.grants.get(roleId) ?? { arns: [], users: [] };
    for (const arn of arns) if (!grant.arns.includes(arn)) grant.arns.push(arn);
    grant.users.push(user);
    this.grants.set(roleId, grant);
  }

  apply(fragment: Fragment): void {
    for (const [roleId, { arns, users }] of this.grants) {
      const role = fragment.resource(roleId) as Json;
      const props = ownMap(role, 'Properties') ?? {};
      const policies = own(props, 'Policies') ?? [];
      if (!Array.isArray(policies)) {
        throw new MacroError(`${roleId}: Policies must be a list for the CloudCron macro to add ${POLICY_NAME}`);
      }
      if (policies.some((p) => own(p, 'PolicyName') === POLICY_NAME)) {
        throw new MacroError(
          `${roleId}: already has a policy named ${POLICY_NAME}, the name the CloudCron macro gives the sns:Publish grant of ${users.join(', ')}; rename that policy`,
        );
      }
      policies.push({
        PolicyName: POLICY_NAME,
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'sns:Publish', Resource: arns }],
        },
      });
      props.Policies = policies;
      role.Properties = props;
    }
  }
}
