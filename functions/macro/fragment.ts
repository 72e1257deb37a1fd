/**
 * Reading the template fragment: its parameters (values from the stack, else their Default), values that are
 * literals or a `Ref` to a parameter, and the shape of the resources the macro reads. Every lookup is an
 * own-property lookup: a parameter or resource named `constructor` or `__proto__` is just a name.
 */
import type { Template } from '../common/template';
import { MacroError } from './errors';
import { isIntrinsic, isObject, type Json, kindOf, own, ownMap } from './json';

export type ParameterValues = Record<string, unknown>;

/** How deeply `resolve` follows Fn::If, Fn::Sub and conditions naming conditions (a loop of conditions ends here). */
const MAX_RESOLVE_DEPTH = 20;

/** A value the macro could know before deployment, and whether it came from a NoEcho parameter. */
export type Resolved = { value: string | number; parameter?: string; secret: boolean };

export class Fragment {
  constructor(
    readonly template: Template,
    readonly values: ParameterValues,
    /** The name the template lists in Transform, for messages (from the event's transformId). */
    readonly macroName = 'CloudCron',
  ) {}

  /** The declaration of a parameter, when the template declares it as a map. */
  parameter(name: string): Json | undefined {
    return ownMap(own(this.template, 'Parameters'), name);
  }

  hasParameter(name: string): boolean {
    return this.parameter(name) !== undefined;
  }

  isNoEcho(name: string): boolean {
    const p = this.parameter(name);
    const noEcho = own(p, 'NoEcho');
    return noEcho === true || (typeof noEcho === 'string' && noEcho.toLowerCase() === 'true');
  }

  /**
   * The value of a declared parameter: the stack's value, else its Default; undefined when neither is there, and for
   * a name the template does not declare (CloudFormation passes only declared parameters).
   */
  parameterValue(name: string): unknown {
    if (!this.hasParameter(name)) return undefined;
    if (Object.hasOwn(this.values, name) && this.values[name] !== undefined) return this.values[name];
    return own(this.parameter(name), 'Default');
  }

  /**
   * A literal, a `Ref` to a parameter, an `Fn::If` whose condition depends only on parameters, or an `Fn::Sub` of
   * such values, as text; undefined when it cannot be known before deployment. `secret` when any part came from a
   * NoEcho parameter.
   */
  resolve(value: unknown, depth = 0): Resolved | undefined {
    if (typeof value === 'string' || typeof value === 'number') return { value, secret: false };
    if (!isIntrinsic(value) || depth > MAX_RESOLVE_DEPTH) return undefined;
    const ref = own(value, 'Ref');
    if (typeof ref === 'string') {
      if (!this.hasParameter(ref)) return undefined;
      const v = this.parameterValue(ref);
      const secret = this.isNoEcho(ref);
      if (typeof v === 'string' || typeof v === 'number') return { value: v, parameter: ref, secret };
      if (Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'number'))
        return { value: v.join(','), parameter: ref, secret };
      return undefined;
    }
    const ifArgs = own(value, 'Fn::If');
    if (Array.isArray(ifArgs) && ifArgs.length === 3 && typeof ifArgs[0] === 'string') {
      const chosen = this.condition(ifArgs[0], depth + 1);
      return chosen === undefined ? undefined : this.resolve(chosen ? ifArgs[1] : ifArgs[2], depth + 1);
    }
    const sub = own(value, 'Fn::Sub');
    if (sub !== undefined) {
      const [text, vars] = Array.isArray(sub) ? sub : [sub, {}];
      if (typeof text !== 'string' || !isObject(vars)) return undefined;
      let unknown = false;
      let secret = false;
      const parameters: string[] = [];
      const out = text.replace(/\$\{(!?)([^}]*)\}/g, (whole, bang: string, name: string) => {
        if (bang) return `\${${name}}`;
        const part = Object.hasOwn(vars, name)
          ? this.resolve(vars[name], depth + 1)
          : this.resolve({ Ref: name }, depth + 1);
        if (part === undefined) {
          unknown = true;
          return whole;
        }
        secret ||= part.secret;
        if (part.parameter) parameters.push(part.parameter);
        return String(part.value);
      });
      if (unknown) return undefined;
      return { value: out, secret, ...(parameters.length === 1 ? { parameter: parameters[0] } : {}) };
    }
    return undefined;
  }

  /** A condition of the template evaluated from parameter values; undefined when it depends on anything else. */
  condition(name: string, depth = 0): boolean | undefined {
    const evaluate = (c: unknown, d: number): boolean | undefined => {
      if (d > MAX_RESOLVE_DEPTH || !isObject(c)) return undefined;
      const named = own(c, 'Condition');
      if (typeof named === 'string') return this.condition(named, d + 1);
      const keys = Object.keys(c);
      if (keys.length !== 1) return undefined;
      const args = c[keys[0]];
      if (!Array.isArray(args)) return undefined;
      if (keys[0] === 'Fn::Equals' && args.length === 2) {
        const [a, b] = args.map((x) => this.resolve(x, d + 1));
        return a === undefined || b === undefined ? undefined : String(a.value) === String(b.value);
      }
      const values = args.map((x) => evaluate(x, d + 1));
      if (values.some((v) => v === undefined)) return undefined;
      if (keys[0] === 'Fn::Not' && values.length === 1) return !values[0];
      if (keys[0] === 'Fn::And') return values.every(Boolean);
      if (keys[0] === 'Fn::Or') return values.some(Boolean);
      return undefined;
    };
    return evaluate(own(own(this.template, 'Conditions'), name), depth);
  }

  /** The resources, as logical ID and value (checked by `checkShape`); loops and Fn::Transform are not resources. */
  resources(): [string, unknown][] {
    return Object.entries(this.template.Resources).filter(([id]) => !isForEachKey(id) && id !== 'Fn::Transform');
  }

  /** The template's Fn::ForEach loops (AWS::LanguageExtensions), as key and value. */
  loops(): [string, unknown][] {
    return Object.entries(this.template.Resources).filter(([id]) => isForEachKey(id));
  }

  resource(id: string): Json | undefined {
    return ownMap(this.template.Resources, id);
  }
}

/** Which resource types the macro reads Properties of, and Metadata of: those must be maps. */
export type ReadTypes = { properties: ReadonlySet<string>; metadata: ReadonlySet<string> };

/** `Fn::ForEach::<name>` keys of AWS::LanguageExtensions: a loop, not a resource. */
export const isForEachKey = (key: string) => key.startsWith('Fn::ForEach::');

/**
 * Checks what the macro reads, so a broken template gets a message naming its fault instead of an internal error:
 * the Resources section, each resource (a map with a Type), and the Properties and Metadata of the resources the
 * macro reads. Resources of other types are CloudFormation's to check.
 */
export function checkShape(template: unknown, read: ReadTypes): asserts template is Template {
  if (!isObject(template)) {
    throw new MacroError(`the template must be a map of sections, got ${kindOf(template)}`);
  }
  const resources = own(template, 'Resources');
  if (resources === undefined) throw new MacroError('the template has no Resources section');
  if (resources === null)
    throw new MacroError("the template's Resources section is empty: a template needs at least one resource");
  if (!isObject(resources)) {
    throw new MacroError(
      `the template's Resources section must be a map of logical IDs to resources, got ${kindOf(resources)}`,
    );
  }
  for (const [id, res] of Object.entries(resources)) {
    // A loop of AWS::LanguageExtensions, or an Fn::Transform (AWS::Include) that CloudFormation expands first.
    if (isForEachKey(id) || id === 'Fn::Transform') continue;
    if (!isObject(res)) {
      throw new MacroError(
        `Resources.${id} is ${kindOf(res)}: each resource must be a map with a Type and its Properties`,
      );
    }
    const type = own(res, 'Type');
    if (typeof type !== 'string') {
      throw new MacroError(
        type === undefined
          ? `Resources.${id} has no Type`
          : `Resources.${id}: Type must be a string, got ${kindOf(type)}`,
      );
    }
    for (const section of ['Properties', 'Metadata'] as const) {
      if (!(section === 'Properties' ? read.properties : read.metadata).has(type)) continue;
      const v = own(res, section);
      if (v === undefined) continue;
      if (!isObject(v)) throw new MacroError(`Resources.${id}.${section} must be a map, got ${kindOf(v)}`);
      if (isIntrinsic(v)) {
        throw new MacroError(
          `Resources.${id}.${section} is an intrinsic function: the CloudCron macro must read ${type} ${section.toLowerCase()} as a map`,
        );
      }
    }
  }
  const globals = own(template, 'Globals');
  if (globals !== undefined && !isObject(globals))
    throw new MacroError(`Globals must be a map, got ${kindOf(globals)}`);
  const fnGlobals = own(globals, 'Function');
  if (fnGlobals !== undefined && !isObject(fnGlobals)) {
    throw new MacroError(`Globals.Function must be a map, got ${kindOf(fnGlobals)}`);
  }
}
