/**
 * A template's parameter constraints checked the way CloudFormation checks them before it creates anything:
 * AllowedValues, AllowedPattern (matched against the whole value), MinLength/MaxLength, and for Number parameters
 * MinValue/MaxValue. For a CommaDelimitedList, AllowedValues and AllowedPattern apply to each member, as
 * CloudFormation's documentation says. Used by `npm start` (before it starts a process) and by the template tests.
 */
import type { Template, TemplateParameter } from './cfn-yaml';

/** Why CloudFormation would refuse `value` for parameter `p`, or undefined when it accepts it. */
export function parameterProblem(p: TemplateParameter, value: string): string | undefined {
  const hint = p.ConstraintDescription ? ` (${p.ConstraintDescription.replace(/\.$/, '')})` : '';
  const members = p.Type === 'CommaDelimitedList' ? value.split(',') : [value];
  if (p.AllowedValues && members.some((m) => !p.AllowedValues!.map(String).includes(m)))
    return `is not one of ${p.AllowedValues.join(', ')}`;
  if (p.Type === 'Number') {
    const n = Number(value);
    if (value.trim() === '' || Number.isNaN(n)) return 'is not a number';
    if (p.MinValue !== undefined && n < p.MinValue) return `is below the minimum ${p.MinValue}`;
    if (p.MaxValue !== undefined && n > p.MaxValue) return `is above the maximum ${p.MaxValue}`;
    return undefined;
  }
  if (p.MinLength !== undefined && value.length < p.MinLength)
    return `is ${value.length} characters, shorter than the minimum ${p.MinLength}${hint}`;
  if (p.MaxLength !== undefined && value.length > p.MaxLength)
    return `is ${value.length} characters, longer than the maximum ${p.MaxLength}${hint}`;
  const pattern = p.AllowedPattern === undefined ? undefined : new RegExp(`^(?:${p.AllowedPattern})$`);
  if (pattern && members.some((m) => !pattern.test(m))) return `does not match the parameter's AllowedPattern${hint}`;
  return undefined;
}

/** The problems of `values` (only the parameters given), each `Name: problem`; unknown names are problems too. */
export function parameterProblems(template: Template, values: Record<string, string>): string[] {
  return Object.entries(values).flatMap(([name, value]) => {
    const p = template.Parameters?.[name];
    if (!p) return [`${name}: the template has no such parameter`];
    const problem = parameterProblem(p, value);
    return problem ? [`${name} ${problem}`] : [];
  });
}
