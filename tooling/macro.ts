/**
 * Runs the built CloudCron macro (dist/macro) on a template the way CloudFormation calls it (the macro event, one
 * per parameter set, in one warm process), and hands back what the SAM transform would receive next.
 */
import type { MacroResponse } from '../functions/macro/index';
import type { Template } from './cfn-yaml';
import { invokeBundle } from './invoke';

export type MacroOutcome = { status: 'success'; fragment: Template } | { status: 'failure'; errorMessage: string };

/** One macro response per parameter set; a crash of the bundle itself is thrown. */
export async function runMacro(template: Template, parameterSets: Record<string, string>[]): Promise<MacroOutcome[]> {
  const events = parameterSets.map((values, i) => ({
    region: 'us-east-1',
    accountId: '123456789012',
    transformId: '123456789012::CloudCron',
    requestId: `req-${i}`,
    params: {},
    fragment: template,
    templateParameterValues: values,
  }));
  const results = await invokeBundle<MacroResponse>('macro', events, {});
  return results.map((r, i) => {
    if (!r.ok) throw new Error(`the macro bundle threw for parameter set ${i}: ${r.error.name}: ${r.error.message}`);
    return r.result.status === 'success'
      ? { status: 'success', fragment: r.result.fragment }
      : { status: 'failure', errorMessage: r.result.errorMessage };
  });
}

/**
 * The macro's output for each parameter set, with only the SAM transform left in `Transform` (the macro has run,
 * as in CloudFormation); throws naming the set the macro refused.
 */
export async function macroOutputs(template: Template, parameterSets: Record<string, string>[]): Promise<Template[]> {
  const outcomes = await runMacro(template, parameterSets);
  return outcomes.map((o, i) => {
    if (o.status !== 'success') throw new Error(`the macro refused parameter set ${i}: ${o.errorMessage}`);
    return { ...o.fragment, Transform: 'AWS::Serverless-2016-10-31' };
  });
}
