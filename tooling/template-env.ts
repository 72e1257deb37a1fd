/**
 * The one evaluator of CloudFormation intrinsic functions in the tooling and the tests: a template's values resolved
 * the way CloudFormation would, from parameter values (else Defaults), resource names, attributes, conditions,
 * mappings and pseudo parameters. `functionEnvironment` gives a function's environment exactly as its template sets
 * it (used by `npm start`, the integration tests and the benchmarks); `resolver(...).value` evaluates anything else
 * (IAM statements, Rules assertions, Location fields, repository names).
 */
import type { Template } from './cfn-yaml';

export type ResolveContext = {
  parameters?: Record<string, string>;
  /** Physical names (what `Ref` returns) of the template's resources. */
  resources?: Record<string, string>;
  /** `Fn::GetAtt` values, keyed `Logical.Attribute`. */
  attributes?: Record<string, string>;
  /**
   * A resource or attribute not given above resolves to the placeholder `<Logical>` or `<Logical.Attribute>`
   * instead of failing (to read a translated template's policies, where only the shape matters).
   */
  placeholders?: boolean;
  region?: string;
  accountId?: string;
  stackName?: string;
};

export class TemplateResolveError extends Error {
  override name = 'TemplateResolveError';
}

/** What `Ref: AWS::NoValue` evaluates to: dropped from the object or list that holds it. */
export const NO_VALUE: unique symbol = Symbol('AWS::NoValue');

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function resolver(template: Template, ctx: ResolveContext = {}) {
  const pseudo: Record<string, string> = {
    'AWS::Region': ctx.region ?? 'us-east-1',
    'AWS::AccountId': ctx.accountId ?? '123456789012',
    'AWS::StackName': ctx.stackName ?? 'cloud-cron-local',
    'AWS::StackId': `arn:aws:cloudformation:${ctx.region ?? 'us-east-1'}:${ctx.accountId ?? '123456789012'}:stack/${ctx.stackName ?? 'cloud-cron-local'}/00000000-0000-0000-0000-000000000000`,
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
  };
  const ref = (name: string): unknown => {
    if (name === 'AWS::NoValue') return NO_VALUE;
    if (name in pseudo) return pseudo[name];
    const param = template.Parameters?.[name];
    // A list parameter (CommaDelimitedList, List<...>) is a list wherever it is referenced.
    const typed = (v: string) =>
      param?.Type === 'CommaDelimitedList' || param?.Type.startsWith('List<') ? v.split(',') : v;
    if (ctx.parameters?.[name] !== undefined) return typed(ctx.parameters[name]);
    if (param) {
      if (param.Default === undefined)
        throw new TemplateResolveError(`parameter ${name} has no default: give it a value`);
      return typed(String(param.Default));
    }
    if (ctx.resources?.[name] !== undefined) return ctx.resources[name];
    if (ctx.placeholders && name in template.Resources) return `<${name}>`;
    throw new TemplateResolveError(`cannot resolve Ref ${name}: pass it as a parameter or resource name`);
  };
  const getAtt = (resource: string, attribute: string): unknown => {
    const got = ctx.attributes?.[`${resource}.${attribute}`];
    if (got !== undefined) return got;
    if (ctx.placeholders && resource in template.Resources) return `<${resource}.${attribute}>`;
    throw new TemplateResolveError(`cannot resolve Fn::GetAtt ${resource}.${attribute}: pass it in attributes`);
  };
  const condition = (name: string): boolean => {
    const c = template.Conditions?.[name];
    if (c === undefined) throw new TemplateResolveError(`unknown condition ${name}`);
    return Boolean(value(c));
  };
  const list = (v: unknown, fn: string): unknown[] => {
    const r = value(v);
    if (!Array.isArray(r)) throw new TemplateResolveError(`${fn} needs a list, got ${JSON.stringify(r)}`);
    return r;
  };
  const text = (v: unknown): string => {
    const r = value(v);
    return typeof r === 'string' ? r : JSON.stringify(r);
  };
  const sub = (arg: unknown): string => {
    const [format, vars] = typeof arg === 'string' ? [arg, {}] : (arg as [string, Record<string, unknown>]);
    return format.replace(/\$\{([^}]*)\}/g, (_m, name: string) => {
      if (name.startsWith('!')) return `\${${name.slice(1)}}`;
      if (name in vars) return text(vars[name]);
      if (name.includes('.') && !name.startsWith('AWS::')) {
        const dot = name.indexOf('.');
        return text(getAtt(name.slice(0, dot), name.slice(dot + 1)));
      }
      return text(ref(name));
    });
  };
  const value = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(value).filter((x) => x !== NO_VALUE);
    if (!isObject(v)) return v;
    const keys = Object.keys(v);
    if (keys.length === 1) {
      const [key] = keys;
      const arg = v[key];
      switch (key) {
        case 'Ref':
          return ref(String(arg));
        case 'Condition':
          return condition(String(arg));
        case 'Fn::Equals': {
          const [a, b] = list(arg, key);
          return JSON.stringify(a) === JSON.stringify(b) || String(a) === String(b);
        }
        case 'Fn::Not':
          return !value((arg as unknown[])[0]);
        case 'Fn::And':
          return (arg as unknown[]).every((x) => Boolean(value(x)));
        case 'Fn::Or':
          return (arg as unknown[]).some((x) => Boolean(value(x)));
        case 'Fn::If': {
          const [c, yes, no] = arg as [string, unknown, unknown];
          return value(condition(c) ? yes : no);
        }
        case 'Fn::Join': {
          const [sep, items] = arg as [string, unknown];
          return list(items, key).map(String).join(sep);
        }
        case 'Fn::Select': {
          const [i, items] = arg as [unknown, unknown];
          const all = list(items, key);
          const index = Number(value(i));
          if (!Number.isInteger(index) || index < 0 || index >= all.length)
            throw new TemplateResolveError(`Fn::Select index ${index} is out of range (${all.length} items)`);
          return all[index];
        }
        case 'Fn::Split': {
          const [sep, s] = arg as [string, unknown];
          return String(value(s)).split(sep);
        }
        case 'Fn::GetAtt': {
          const [res, attr] = Array.isArray(arg) ? arg.map(String) : String(arg).split(/\.(.*)/s);
          return getAtt(res, String(value(attr)));
        }
        case 'Fn::Sub':
          return sub(arg);
        case 'Fn::FindInMap': {
          const [map, top, second] = list(arg, key).map(String);
          const found = (template.Mappings as Record<string, Record<string, Record<string, unknown>>> | undefined)?.[
            map
          ]?.[top]?.[second];
          if (found === undefined) throw new TemplateResolveError(`Fn::FindInMap: no ${map}.${top}.${second}`);
          return value(found);
        }
        case 'Fn::Base64':
          return Buffer.from(String(value(arg))).toString('base64');
        case 'Fn::ToJsonString':
          return JSON.stringify(value(arg));
        case 'Fn::Length':
          return list(arg, key).length;
        case 'Fn::GetAZs':
          return ['a', 'b', 'c'].map((z) => `${pseudo['AWS::Region']}${z}`);
      }
      if (key.startsWith('Fn::')) throw new TemplateResolveError(`${key} is not supported by this evaluator`);
    }
    return Object.fromEntries(
      Object.entries(v)
        .map(([k, x]) => [k, value(x)])
        .filter(([, x]) => x !== NO_VALUE),
    );
  };
  /** The resources whose Condition holds, with every value resolved. */
  const resources = (): Record<string, { Type: string; Properties: Record<string, unknown> }> =>
    Object.fromEntries(
      Object.entries(template.Resources)
        .filter(([, r]) => r.Condition === undefined || condition(String(r.Condition)))
        .map(([id, r]) => [
          id,
          { Type: r.Type, Properties: (value(r.Properties ?? {}) as Record<string, unknown>) ?? {} },
        ]),
    );
  return { value, condition, resources };
}

/** The resolved Environment.Variables of one function (Globals included), as strings; NoValue entries dropped. */
export function functionEnvironment(
  template: Template,
  logicalId: string,
  ctx: ResolveContext,
): Record<string, string> {
  const res = template.Resources[logicalId];
  if (!res) throw new TemplateResolveError(`no resource ${logicalId}`);
  const global =
    (template.Globals?.Function?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
  const own = (res.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
  const { value } = resolver(template, ctx);
  const env: Record<string, string> = {};
  for (const [name, raw] of Object.entries({ ...global, ...own })) {
    const v = value(raw);
    if (v === NO_VALUE) continue;
    env[name] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  return env;
}
