/**
 * Checks of Terraform configuration, without Terraform:
 * - `wellFormedProblems`: every reference names something declared (var, local, resource, data, module, path...),
 *   every function is one of Terraform's, every resource argument and attribute is in the provider's schema, every
 *   validation looks only at its own variable, types are types and defaults fit them;
 * - `parityProblems`: a module and its template agree: every parameter passed is a parameter of the template, with a
 *   compatible type and default, and every template parameter (required ones included) has its variable;
 * - `moduleCallProblems`: a configuration that calls local modules passes only their variables, every required one,
 *   values of a fitting type that meet the template's constraints, and reads only outputs that exist.
 */
import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Template, TemplateParameter } from '../cfn-yaml';
import { ROOT } from '../paths';
import type { Codec } from './apps';
import { expressionsIn, functionsOf, isExpression, loadConfig, referencesOf, type TerraformConfig } from './config';
import { encoded, sarMetadata, TERRAFORM_TYPES } from './generate';
import { DATA_SOURCES, FUNCTIONS, MODULE_META, RESOURCE_META, RESOURCES, TYPES } from './schema';

const unwrap = (t: string | undefined) => (t ?? '').replace(/^\$\{(.*)\}$/s, '$1').trim();

/** The places of a configuration where expressions are, each with the names it may use besides the declared ones. */
function scopes(config: TerraformConfig) {
  const out: { where: string; file: string; value: unknown; extra: Set<string> }[] = [];
  for (const [name, v] of Object.entries(config.variables)) {
    v.validations.forEach((val, i) => {
      out.push({ where: `variable ${name} validation ${i + 1}`, file: v.file, value: val, extra: new Set() });
    });
    if (v.hasDefault) out.push({ where: `variable ${name} default`, file: v.file, value: v.default, extra: new Set() });
  }
  for (const [name, l] of Object.entries(config.locals))
    out.push({ where: `local ${name}`, file: l.file, value: l.value, extra: new Set() });
  for (const [id, r] of Object.entries(config.resources)) {
    const extra = new Set<string>(['self']);
    if (r.body.for_each !== undefined) extra.add('each');
    if (r.body.count !== undefined) extra.add('count');
    out.push({ where: `resource ${id}`, file: r.file, value: r.body, extra });
  }
  for (const [id, r] of Object.entries(config.data))
    out.push({ where: `data ${id}`, file: r.file, value: r.body, extra: new Set() });
  for (const [name, m] of Object.entries(config.modules)) {
    const extra = new Set<string>();
    if (m.body.for_each !== undefined) extra.add('each');
    if (m.body.count !== undefined) extra.add('count');
    out.push({ where: `module ${name}`, file: m.file, value: m.body, extra });
  }
  for (const [name, o] of Object.entries(config.outputs))
    out.push({ where: `output ${name}`, file: o.file, value: o.body, extra: new Set() });
  for (const [name, ps] of Object.entries(config.providers))
    for (const p of ps) out.push({ where: `provider ${name}`, file: p.file, value: p.body, extra: new Set() });
  return out;
}

function typeOk(type: string, value: unknown): boolean {
  if (value === null || isExpression(value)) return true;
  switch (type) {
    case 'any':
      return true;
    case 'string':
      return ['string', 'number', 'boolean'].includes(typeof value);
    case 'number':
      return (
        typeof value === 'number' || (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value)))
      );
    case 'bool':
      return typeof value === 'boolean' || value === 'true' || value === 'false';
    case 'list(string)':
    case 'set(string)':
      return Array.isArray(value) && value.every((v) => typeOk('string', v));
    case 'list(number)':
      return Array.isArray(value) && value.every((v) => typeOk('number', v));
    case 'map(string)':
      return (
        !!value &&
        typeof value === 'object' &&
        !Array.isArray(value) &&
        Object.values(value).every((v) => typeOk('string', v))
      );
    default:
      return false;
  }
}

export async function wellFormedProblems(config: TerraformConfig): Promise<string[]> {
  const problems: string[] = [];
  const at = (file: string) => relative(ROOT, join(config.dir, file));
  for (const [name, v] of Object.entries(config.variables)) {
    const type = unwrap(v.type);
    if (!v.type) problems.push(`${at(v.file)}: variable ${name} has no type`);
    else if (!TYPES.has(type)) problems.push(`${at(v.file)}: variable ${name} has the unknown type ${type}`);
    else if (v.hasDefault && !typeOk(type, v.default))
      problems.push(`${at(v.file)}: variable ${name}'s default does not fit ${type}`);
    if (!v.description) problems.push(`${at(v.file)}: variable ${name} has no description`);
    for (const val of v.validations) {
      const refs = await referencesOf(v.file, val.condition);
      const others = refs.filter((r) => r.startsWith('var.') && r.split('.')[1] !== name);
      if (others.length > 0)
        problems.push(
          `${at(v.file)}: the validation of ${name} refers to ${others.join(', ')} (Terraform < 1.9 refuses it)`,
        );
      if (!refs.includes(`var.${name}`))
        problems.push(`${at(v.file)}: a validation of ${name} does not look at var.${name}`);
      if (!/^[A-Z].*[.?]$/s.test(val.error_message ?? '')) {
        problems.push(`${at(v.file)}: the error message of ${name} must be a sentence (capital first, period last)`);
      }
    }
  }
  const blocks = [
    ...Object.entries(config.resources).map(([id, block]) => ({
      id,
      block,
      kind: 'resource',
      schema: RESOURCES[block.type],
    })),
    ...Object.entries(config.data).map(([id, block]) => ({
      id,
      block,
      kind: 'data',
      schema: DATA_SOURCES[block.type],
    })),
  ];
  for (const { id, block, kind, schema } of blocks) {
    if (!schema) {
      problems.push(`${at(block.file)}: ${kind} type ${block.type} is not in tooling/terraform/schema.ts`);
      continue;
    }
    for (const arg of Object.keys(block.body)) {
      if (!RESOURCE_META.has(arg) && !schema.required.includes(arg) && !schema.optional.includes(arg)) {
        problems.push(`${at(block.file)}: ${kind} ${id} has no argument ${arg}`);
      }
    }
    for (const arg of schema.required) {
      if (!Object.hasOwn(block.body, arg)) problems.push(`${at(block.file)}: ${kind} ${id} needs ${arg}`);
    }
    if (
      block.type === 'aws_cloudformation_stack' &&
      block.body.template_body === undefined &&
      block.body.template_url === undefined
    ) {
      problems.push(`${at(block.file)}: resource ${id} needs template_body or template_url`);
    }
  }
  for (const scope of scopes(config)) {
    for (const { path, expression } of expressionsIn(scope.value)) {
      const where = `${at(scope.file)}: ${scope.where}${path ? ` (${path})` : ''}`;
      let refs: string[];
      let fns: string[];
      try {
        refs = await referencesOf(scope.file, expression);
        fns = await functionsOf(scope.file, expression);
      } catch (e) {
        problems.push(`${where}: ${(e as Error).message}`);
        continue;
      }
      for (const fn of fns) if (!FUNCTIONS.has(fn)) problems.push(`${where}: ${fn}() is not a Terraform function`);
      for (const ref of refs) {
        const parts = ref.split('.').map((p) => p.replace(/^"|"$/g, ''));
        const [root, a, b, c] = parts;
        let problem: string | undefined;
        if (root === 'var') problem = config.variables[a] ? undefined : `var.${a} is not declared`;
        else if (root === 'local') problem = config.locals[a] ? undefined : `local.${a} is not declared`;
        else if (root === 'module') problem = config.modules[a] ? undefined : `module.${a} is not declared`;
        else if (root === 'path')
          problem = ['module', 'root', 'cwd'].includes(a) ? undefined : `path.${a} does not exist`;
        else if (root === 'terraform') problem = a === 'workspace' ? undefined : `terraform.${a} does not exist`;
        else if (root === 'each' || root === 'count' || root === 'self')
          problem = scope.extra.has(root) ? undefined : `${root} is not available here`;
        else if (root === 'data') {
          const d = config.data[`${a}.${b}`];
          if (!d) problem = `data.${a}.${b} is not declared`;
          else if (
            c !== undefined &&
            !DATA_SOURCES[a]?.attributes.includes(c) &&
            !DATA_SOURCES[a]?.optional.includes(c)
          )
            problem = `data.${a} has no attribute ${c}`;
        } else {
          const r = config.resources[`${root}.${a}`];
          const schema = RESOURCES[root];
          if (!r) problem = `${root}.${a} is not declared`;
          else if (
            b !== undefined &&
            schema &&
            !/^\d+$/.test(b) &&
            !schema.attributes.includes(b) &&
            !schema.required.includes(b) &&
            !schema.optional.includes(b)
          )
            problem = `${root} has no attribute ${b}`;
        }
        if (problem) problems.push(`${where}: ${problem}`);
      }
    }
  }
  return problems;
}

/** Terraform types a parameter may be given as, by its codec. */
const PARAMETER_TYPES: Record<string, string[]> = {
  String: ['string', 'bool', 'list(string)', 'map(string)', 'any'],
  Number: ['number'],
  CommaDelimitedList: ['list(string)'],
};

const CODEC_OF_TYPE: Record<string, Codec> = Object.fromEntries(
  Object.entries(TERRAFORM_TYPES).map(([c, t]) => [t, c as Codec]),
);

/** The template's default as the variable would have to give it. */
function encodeDefault(codec: Codec, value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  switch (codec) {
    case 'list':
      return Array.isArray(value) ? value.join(',') : undefined;
    case 'topics':
      return typeof value === 'object'
        ? Object.keys(value as object)
            .sort()
            .map((k) => `${k}=${(value as Record<string, string>)[k]}`)
            .join(',')
        : undefined;
    case 'json':
      return typeof value === 'string' ? value : JSON.stringify(value);
    default:
      return String(value);
  }
}

/** Why CloudFormation would refuse `value` for `p`, or undefined. */
export function constraintProblem(p: TemplateParameter, value: string): string | undefined {
  if (p.AllowedValues && !p.AllowedValues.map(String).includes(value))
    return `is not one of ${p.AllowedValues.join(', ')}`;
  if (p.Type === 'Number') {
    const n = Number(value);
    if (value.trim() === '' || Number.isNaN(n)) return 'is not a number';
    if (p.MinValue !== undefined && n < p.MinValue) return `is below ${p.MinValue}`;
    if (p.MaxValue !== undefined && n > p.MaxValue) return `is above ${p.MaxValue}`;
    return undefined;
  }
  if (p.MinLength !== undefined && value.length < p.MinLength) return `is shorter than ${p.MinLength} characters`;
  if (p.MaxLength !== undefined && value.length > p.MaxLength) return `is longer than ${p.MaxLength} characters`;
  if (p.AllowedPattern && !new RegExp(`^(?:${p.AllowedPattern})$`).test(value))
    return `does not match its AllowedPattern (${p.ConstraintDescription ?? p.AllowedPattern})`;
  return undefined;
}

/** The stack resource of a generated module and its template's parameters map, as the checks read them. */
function stackOf(config: TerraformConfig) {
  const stacks = Object.values(config.resources).filter(
    (r) =>
      r.type === 'aws_cloudformation_stack' || r.type === 'aws_serverlessapplicationrepository_cloudformation_stack',
  );
  return stacks;
}

export async function parityProblems(
  config: TerraformConfig,
  template: Template,
  templateFile: string,
): Promise<string[]> {
  const problems: string[] = [];
  const stacks = stackOf(config);
  if (stacks.length !== 1)
    return [`${relative(ROOT, config.dir)}: expected one stack resource, found ${stacks.length}`];
  const stack = stacks[0];
  const paramsExpr = String(stack.body.parameters ?? '');
  const paramRefs = await referencesOf(stack.file, paramsExpr);
  if (!paramRefs.includes('local.parameters'))
    return [`${stack.type}.${stack.name}: parameters do not come from local.parameters`];
  const map = config.locals.parameters?.value as Record<string, unknown> | undefined;
  if (!map || typeof map !== 'object') return ['local.parameters is not a map'];
  const params = template.Parameters ?? {};
  for (const [key, expr] of Object.entries(map)) {
    const p = params[key];
    if (!p) {
      problems.push(`${key} is passed to the stack but is not a parameter of ${relative(ROOT, templateFile)}`);
      continue;
    }
    const refs = (await referencesOf(stack.file, String(expr))).filter((r) => r.startsWith('var.'));
    const vars = [...new Set(refs.map((r) => r.split('.')[1]))];
    if (vars.length === 0) {
      if (p.Default === undefined) problems.push(`${key} is required but its value comes from no variable`);
      continue; // a value computed by a hand-written file (checked by wellFormedProblems)
    }
    if (vars.length > 1) {
      problems.push(`${key} is computed from ${vars.join(', ')}: one variable per parameter`);
      continue;
    }
    const variable = config.variables[vars[0]];
    const type = unwrap(variable?.type);
    if (!variable) continue; // reported by wellFormedProblems
    const allowed = PARAMETER_TYPES[p.Type] ?? (p.Type.startsWith('List<') ? ['list(string)'] : []);
    if (!allowed.includes(type)) {
      problems.push(
        `${key} (${p.Type}) is given as ${vars[0]} of type ${type}; compatible: ${allowed.join(', ') || 'none'}`,
      );
      continue;
    }
    const codec = CODEC_OF_TYPE[type];
    const want =
      codec === 'string'
        ? `var.${vars[0]}`
        : `var.${vars[0]} == null ? null : ${codec === 'json' ? `(${encoded(codec, `var.${vars[0]}`)})` : encoded(codec, `var.${vars[0]}`)}`;
    if (unwrap(String(expr)).replace(/\s+/g, ' ') !== want) {
      problems.push(`${key}: ${vars[0]} (${type}) must be written as ${want}, found ${unwrap(String(expr))}`);
    }
    if (codec === 'bool' && (p.AllowedValues ?? []).map(String).sort().join() !== 'false,true') {
      problems.push(`${key} is given as a bool but its AllowedValues are not exactly "true" and "false"`);
    }
    if (p.Default === undefined) {
      if (variable.hasDefault) problems.push(`${key} is required but ${vars[0]} has a default`);
      if (variable.nullable !== false)
        problems.push(`${key} is required but ${vars[0]} may be null (nullable = false)`);
    } else if (variable.hasDefault && variable.default !== null) {
      const given = encodeDefault(codec, variable.default);
      if (given !== String(p.Default))
        problems.push(
          `${vars[0]}'s default ${JSON.stringify(variable.default)} differs from ${key}'s ${JSON.stringify(p.Default)}: use null`,
        );
    } else if (!variable.hasDefault) {
      problems.push(`${key} is optional (default ${JSON.stringify(p.Default)}) but ${vars[0]} is required`);
    }
  }
  for (const name of Object.keys(params)) {
    if (!Object.hasOwn(map, name))
      problems.push(`${name} is a parameter of ${relative(ROOT, templateFile)} that the module cannot set`);
  }
  // The outputs it reads, and the application or template it deploys.
  for (const [name, o] of Object.entries(config.outputs)) {
    for (const m of String(o.body.value ?? '').matchAll(/outputs\["([^"]+)"\]/g)) {
      if (!template.Outputs?.[m[1]])
        problems.push(`output ${name} reads ${m[1]}, which ${relative(ROOT, templateFile)} does not output`);
    }
  }
  const meta = sarMetadata(template);
  if (stack.type === 'aws_serverlessapplicationrepository_cloudformation_stack') {
    if (!meta) problems.push('a SAR stack for a template without AWS::ServerlessRepo::Application metadata');
    else {
      if (config.variables.semantic_version?.default !== meta.SemanticVersion)
        problems.push(`semantic_version's default is not ${meta.SemanticVersion}`);
      if (!String(config.locals.application_id?.value ?? '').endsWith(`:applications/${meta.Name}")}`))
        problems.push(`the default application is not ${meta.Name}`);
    }
  } else {
    const body = String(stack.body.template_body ?? '');
    const m = /file\("\$\{path\.module\}\/([^"]+)"\)/.exec(body);
    if (body && (!m || resolve(config.dir, m[1]) !== resolve(templateFile)))
      problems.push(`template_body does not read ${relative(ROOT, templateFile)}`);
  }
  return problems;
}

/** The module blocks of `config` with a local source, checked against the modules they call. */
export async function moduleCallProblems(
  config: TerraformConfig,
  templates: Record<string, Template>,
  /** Values of the configuration's own variables (a tfvars file, defaults): `var.x` arguments are checked with them. */
  rootValues: Record<string, unknown> = {},
): Promise<string[]> {
  const problems: string[] = [];
  const called: Record<string, TerraformConfig> = {};
  for (const [name, m] of Object.entries(config.modules)) {
    const source = String(m.body.source ?? '');
    if (!source.startsWith('./') && !source.startsWith('../')) {
      problems.push(`module ${name}: source ${source} is not a local path, so it cannot be checked here`);
      continue;
    }
    const dir = resolve(config.dir, source);
    if (!existsSync(dir)) {
      problems.push(`module ${name}: ${source} does not exist`);
      continue;
    }
    const target = await loadConfig(dir);
    called[name] = target;
    const template = templates[relative(ROOT, dir)];
    for (const [arg, given] of Object.entries(m.body)) {
      if (MODULE_META.has(arg)) continue;
      const root = /^\$\{var\.([A-Za-z_][A-Za-z0-9_-]*)\}$/.exec(String(given))?.[1];
      const value = root !== undefined && Object.hasOwn(rootValues, root) ? rootValues[root] : given;
      const variable = target.variables[arg];
      if (!variable) {
        problems.push(`module ${name}: ${relative(ROOT, dir)} has no variable ${arg}`);
        continue;
      }
      const type = unwrap(variable.type);
      if (!typeOk(type, value)) {
        problems.push(`module ${name}: ${arg} is ${type}, given ${JSON.stringify(value)}`);
        continue;
      }
      // A literal value must meet the template's constraint, as CloudFormation will check it.
      const parameter =
        template &&
        Object.entries((target.locals.parameters?.value ?? {}) as Record<string, unknown>).find(([, e]) =>
          new RegExp(`\\bvar\\.${arg}\\b`).test(String(e)),
        )?.[0];
      const p = parameter ? template?.Parameters?.[parameter] : undefined;
      if (p && value !== null && expressionsIn(value).length === 0) {
        const text = encodeDefault(CODEC_OF_TYPE[type], value);
        const problem = text === undefined ? undefined : constraintProblem(p, text);
        if (problem) problems.push(`module ${name}: ${arg} = ${JSON.stringify(value)} ${problem}`);
      }
    }
    for (const [vname, v] of Object.entries(target.variables)) {
      if (!v.hasDefault && !Object.hasOwn(m.body, vname))
        problems.push(`module ${name}: the required variable ${vname} is not given`);
    }
  }
  // Every module output read exists.
  for (const scope of scopes(config)) {
    for (const { expression } of expressionsIn(scope.value)) {
      for (const ref of await referencesOf('main.tf', expression)) {
        const [root, name, output] = ref.split('.');
        if (root === 'module' && called[name] && output !== undefined && !called[name].outputs[output]) {
          problems.push(`${scope.where}: module.${name} has no output ${output}`);
        }
      }
    }
  }
  return problems;
}
