/**
 * Evaluates a template's `Rules` section for given parameter values, the way CloudFormation does before it creates
 * or updates anything: a rule whose RuleCondition holds must have every Assert hold, else the stack is refused with
 * the AssertDescription. Rule functions: Fn::And, Fn::Or, Fn::Not, Fn::Equals, Fn::Contains, Fn::EachMemberEquals,
 * Fn::EachMemberIn. `Ref` to a parameter gives its value (a list for
 * CommaDelimitedList and List<...> types), from the given values, else its Default.
 */
import type { Template } from './cfn-yaml';

type Value = string | string[] | boolean;

export class RuleEvaluationError extends Error {
  override name = 'RuleEvaluationError';
}

/** The AssertDescriptions of the assertions that fail (empty: CloudFormation accepts the parameters). */
export function failedRules(template: Template, parameters: Record<string, string>): string[] {
  const param = (name: string): Value => {
    const p = template.Parameters?.[name];
    if (!p) throw new RuleEvaluationError(`Ref ${name}: no such parameter`);
    const raw = parameters[name] ?? (p.Default === undefined ? undefined : String(p.Default));
    if (raw === undefined) throw new RuleEvaluationError(`parameter ${name} has no value and no Default`);
    return p.Type === 'CommaDelimitedList' || p.Type.startsWith('List<') ? raw.split(',') : raw;
  };
  const list = (v: Value, what: string): string[] => {
    if (!Array.isArray(v)) throw new RuleEvaluationError(`${what} needs a list, got ${JSON.stringify(v)}`);
    return v;
  };
  const text = (v: Value): string => (Array.isArray(v) ? v.join(',') : String(v));
  const value = (expr: unknown): Value => {
    if (typeof expr === 'string' || typeof expr === 'boolean') return expr;
    if (typeof expr === 'number') return String(expr);
    if (Array.isArray(expr)) return expr.map((e) => text(value(e)));
    if (!expr || typeof expr !== 'object') throw new RuleEvaluationError(`cannot evaluate ${JSON.stringify(expr)}`);
    const [[fn, arg]] = Object.entries(expr);
    const args = arg as unknown[];
    switch (fn) {
      case 'Ref':
        return param(String(arg));
      case 'Fn::Equals':
        return text(value(args[0])) === text(value(args[1]));
      case 'Fn::Not':
        return !value(args[0]);
      case 'Fn::And':
        return args.every((a) => value(a) === true);
      case 'Fn::Or':
        return args.some((a) => value(a) === true);
      case 'Fn::Contains':
        return list(value(args[0]), fn).includes(text(value(args[1])));
      case 'Fn::EachMemberEquals':
        return list(value(args[0]), fn).every((m) => m === text(value(args[1])));
      case 'Fn::EachMemberIn': {
        const allowed = list(value(args[1]), fn);
        return list(value(args[0]), fn).every((m) => allowed.includes(m));
      }
      default:
        throw new RuleEvaluationError(`rule function ${fn} is not supported here`);
    }
  };
  const failed: string[] = [];
  for (const [name, rule] of Object.entries((template.Rules ?? {}) as Record<string, Record<string, unknown>>)) {
    if (rule.RuleCondition !== undefined && value(rule.RuleCondition) !== true) continue;
    for (const a of (rule.Assertions ?? []) as { Assert: unknown; AssertDescription?: string }[]) {
      if (value(a.Assert) !== true) failed.push(a.AssertDescription ?? `rule ${name} failed`);
    }
  }
  return failed;
}
