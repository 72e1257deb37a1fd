/**
 * The CloudCron macro, as a pure function of the template fragment and its parameter values.
 *
 * 1. Validates every schedule in the fragment (schedules.ts), with `Ref`s to parameters resolved, before anything
 *    is created.
 * 2. Reads the SnsTopics map and gives each targeted resource one environment variable per topic and one IAM
 *    statement allowing sns:Publish on exactly those topic ARNs (targets.ts; function-target.ts for
 *    AWS::Serverless::Function, task-definition.ts for AWS::ECS::TaskDefinition).
 * 3. Writes the payload of schedules that run an ECS task of the template as the task override ECS requires
 *    (task-definition.ts).
 *
 * Everything else in the template is left untouched. The input is never modified: the macro works on a copy, so a
 * refusal leaves nothing half-done.
 */
import type { Template } from '../common/template';
import { MacroError } from './errors';
import { checkShape, Fragment, type ParameterValues } from './fragment';
import { cloneJson, isObject } from './json';
import { validateSchedules } from './schedules';
import { applyTopics, checkTargetLoops, Maps, TARGET_KINDS } from './targets';
import { applyTaskPayloads } from './task-definition';

export type { ParameterValues } from './fragment';
export { ENV_LIMIT_BYTES } from './function-target';
export { POLICY_NAME } from './roles';
export { DEFAULT_MAP_PARAMETER } from './targets';

export type TransformOptions = {
  /** Collects what is accepted but worth saying (a schedule that will never fire again). */
  warnings?: string[];
  /** The time schedules are judged against (default: now). */
  now?: Date;
  /** The name the template lists in Transform, used in messages (default CloudCron). */
  macroName?: string;
};

const SCHEDULE_TYPES = [
  'AWS::Serverless::Function',
  'AWS::Serverless::StateMachine',
  'AWS::Scheduler::Schedule',
  'AWS::Events::Rule',
];
const TARGET_TYPES = TARGET_KINDS.map((k) => k.type);

/** Returns the processed fragment; throws MacroError with a message that says what to fix. */
export function transform(
  fragment: Template,
  parameterValues: ParameterValues = {},
  options: TransformOptions = {},
): Template {
  const copy = cloneJson(fragment as unknown);
  checkShape(copy, {
    properties: new Set([...SCHEDULE_TYPES, ...TARGET_TYPES, 'AWS::IAM::Role']),
    metadata: new Set(TARGET_TYPES),
  });
  if (!isObject(parameterValues)) {
    throw new MacroError('the parameter values must be a map of parameter names to values');
  }
  const f = new Fragment(copy, parameterValues, options.macroName ?? 'CloudCron');
  const maps = new Maps(f);
  checkTargetLoops(f, maps);
  validateSchedules(f, options.warnings ?? [], options.now ?? new Date());
  applyTopics(f, maps);
  applyTaskPayloads(f);
  return copy;
}
