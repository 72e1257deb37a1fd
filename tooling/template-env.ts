/**
 * A function's environment exactly as its template sets it: each variable's value resolved the way
 * CloudFormation would, from parameter values (else Defaults), resource names, conditions and pseudo
 * parameters. Used by `npm start` and the integration tests to run bundles with the template's own settings.
 */
import type { Template } from './cfn-yaml';

export type ResolveContext = {
  parameters?: Record<string, string>;
  /** Physical names (what `Ref` returns) of the template's resources. */
  resources?: Record<string, string>;
  /** `Fn::GetAtt` values, keyed `Logical.Attribute`. */
  attributes?: Record<string, string>;
  region?: string;
  accountId?: string;
  stackName?: string;
};

export class TemplateResolveError extends Error {
  override name = 'TemplateResolveError';
}

const NO_VALUE = Symbol('AWS::NoValue');

export function resolver(template: Template, ctx: ResolveContext) {
  const pseudo: Record<string, string> = {
    'AWS::Region': ctx.region ?? 'us-east-1',
    'AWS::AccountId': ctx.accountId ?? '123456789012',
    'AWS::StackName': ctx.stackName ?? 'cloud-cron-local',
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
  };
  const ref = (name: string): string | string[] | typeof NO_VALUE => {
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
    throw new TemplateResolveError(`cannot resolve Ref ${name}: pass it as a parameter or resource name`);
  };
  const condition = (name: string): boolean => {
    const c = template.Conditions?.[name];
    if (c === undefined) throw new TemplateResolveError(`unknown condition ${name}`);
    return Boolean(value(c));
  };
  const value = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(value).filter((x) => x !== NO_VALUE);
    if (!v || typeof v !== 'object') return v;
    const [key, arg] = Object.entries(v)[0] ?? [];
    switch (key) {
      case 'Ref':
        return ref(String(arg));
      case 'Condition':
        return condition(String(arg));
      case 'Fn::Equals': {
        const [a, b] = (arg as unknown[]).map(value);
        return String(a) === String(b);
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
        const [sep, list] = arg as [string, unknown];
        return (value(list) as unknown[]).join(sep);
      }
      case 'Fn::Select': {
        const [i, list] = arg as [unknown, unknown];
        return (value(list) as unknown[])[Number(value(i))];
      }
      case 'Fn::Split': {
        const [sep, s] = arg as [string, unknown];
        return String(value(s)).split(sep);
      }
      case 'Fn::GetAtt': {
        const [res, attr] = Array.isArray(arg) ? arg : String(arg).split('.');
        const got = ctx.attributes?.[`${res}.${attr}`];
        if (got === undefined)
          throw new TemplateResolveError(`cannot resolve Fn::GetAtt ${res}.${attr}: pass it in attributes`);
        return got;
      }
      case 'Fn::Sub': {
        const [text, vars] = typeof arg === 'string' ? [arg, {}] : (arg as [string, Record<string, unknown>]);
        return text.replace(/\$\{([^}!]+)\}/g, (_m, name: string) => {
          if (name in vars) return String(value(vars[name]));
          if (name.includes('.')) return String(value({ 'Fn::GetAtt': name.split('.') }));
          return String(ref(name));
        });
      }
      default:
        return Object.fromEntries(
          Object.entries(v)
            .map(([k, x]) => [k, value(x)])
            .filter(([, x]) => x !== NO_VALUE),
        );
    }
  };
  return { value, condition };
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
    if (typeof v === 'symbol') continue;
    env[name] = String(v);
  }
  return env;
}
