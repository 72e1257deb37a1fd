/**
 * Generates each Terraform module (terraform/modules/<name>/variables.tf, main.tf, outputs.tf, versions.tf) from its
 * template's Parameters and Outputs and the small table in apps.ts.
 *
 * - SAR apps (a template whose only transform is SAM and that carries AWS::ServerlessRepo::Application metadata)
 *   become an aws_serverlessapplicationrepository_cloudformation_stack of the released application: by default the one
 *   `npm run release` published in the caller's own account and region, at the version of the template the module
 *   was generated from.
 * - Templates that use the CloudFormation macro (SAR refuses them) become an aws_cloudformation_stack: from the
 *   released template URL (`template_url`), or, when the template has no local code to package, from the template
 *   in this repository.
 *
 * Every optional variable defaults to null, which leaves the parameter out: CloudFormation then uses the template's
 * own default, so defaults live in one place, and no parameter is ever sent with its default value (which the SAR
 * stack resource turned into false drift, hashicorp/terraform-provider-aws#16485).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { RE2JS } from 're2js';
import { loadTemplate, type Template, type TemplateParameter } from '../cfn-yaml';
import { ROOT } from '../paths';
import { COMMON_VARIABLES, type Codec, MODULES, type ModuleSpec } from './apps';
import { alignAssignments, hclLiteral, hclString, snakeCase } from './hcl';

export const MODULES_DIR = join(ROOT, 'terraform', 'modules');
export const GENERATED_FILES = ['versions.tf', 'variables.tf', 'main.tf', 'outputs.tf'] as const;

/** Names Terraform reserves inside a module block. */
const RESERVED = new Set(['source', 'version', 'providers', 'count', 'for_each', 'depends_on', 'lifecycle', 'locals']);
/** Variables the generator adds to every module. */
export const MODULE_VARIABLES = new Set(['name', 'tags', 'application_id', 'semantic_version', 'template_url']);

export type Kind = 'sar' | 'stack';

export type GeneratedVariable = {
  name: string;
  parameter: string;
  codec: Codec;
  type: string;
  required: boolean;
};

export type GeneratedModule = {
  spec: ModuleSpec;
  kind: Kind;
  dir: string;
  variables: GeneratedVariable[];
  capabilities: string[];
  files: Record<(typeof GENERATED_FILES)[number], string>;
};

export const TERRAFORM_TYPES: Record<Codec, string> = {
  string: 'string',
  number: 'number',
  bool: 'bool',
  list: 'list(string)',
  topics: 'map(string)',
  json: 'any',
};

export function sarMetadata(t: Template): { Name: string; SemanticVersion: string } | undefined {
  return t.Metadata?.['AWS::ServerlessRepo::Application'] as { Name: string; SemanticVersion: string } | undefined;
}

export function kindOf(t: Template): Kind {
  const transforms = t.Transform === undefined ? [] : ([] as string[]).concat(t.Transform);
  return sarMetadata(t) && transforms.length === 1 && transforms[0] === 'AWS::Serverless-2016-10-31' ? 'sar' : 'stack';
}

/** The codec of a parameter: the table's, else from its Type and AllowedValues. */
export function codecOf(spec: ModuleSpec, name: string, p: TemplateParameter): Codec {
  const override = spec.variables?.[name]?.codec ?? COMMON_VARIABLES[name]?.codec;
  if (override) return override;
  if (p.Type === 'Number') return 'number';
  if (p.Type === 'CommaDelimitedList' || p.Type.startsWith('List<')) return 'list';
  const allowed = (p.AllowedValues ?? []).map(String).sort();
  if (allowed.length === 2 && allowed[0] === 'false' && allowed[1] === 'true') return 'bool';
  return 'string';
}

export function variableName(spec: ModuleSpec, parameter: string): string {
  return spec.variables?.[parameter]?.name ?? COMMON_VARIABLES[parameter]?.name ?? snakeCase(parameter);
}

/** The string CloudFormation receives, as an HCL expression of a non-null `v`. */
export function encoded(codec: Codec, v: string): string {
  switch (codec) {
    case 'string':
      return v;
    case 'number':
    case 'bool':
      return `tostring(${v})`;
    case 'list':
      return `join(",", ${v})`;
    case 'topics':
      return `join(",", [for k in sort(keys(${v})) : "\${k}=\${${v}[k]}"])`;
    case 'json':
      return `can(tostring(${v})) ? tostring(${v}) : jsonencode(${v})`;
  }
}

/** The parameter's value: null (the template's default) when the variable is null. */
export function parameterValue(codec: Codec, v: string): string {
  return codec === 'string'
    ? v
    : `${v} == null ? null : ${codec === 'json' ? `(${encoded(codec, v)})` : encoded(codec, v)}`;
}

const JAVA_SPACE = '\\t\\n\\x0B\\f\\r ';

/**
 * A CloudFormation pattern with its whitespace classes spelt out. CloudFormation matches AllowedPattern with Java's
 * regular expressions, whose \s is ASCII whitespace (space, \t, \n, \x0B, \f, \r); RE2's \s leaves out \x0B
 * and JavaScript's takes in every Unicode space. Spelt out, all three engines agree. Undefined when a \S inside a
 * character class (other than [\s\S], any character) cannot be spelt out.
 */
export function explicitWhitespace(pattern: string, anyChar = '[\\s\\S]'): string | undefined {
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '\\') {
      const next = pattern[i + 1];
      if (next === 's') out += inClass ? JAVA_SPACE : `[${JAVA_SPACE}]`;
      else if (next === 'S') {
        if (inClass) return undefined;
        out += `[^${JAVA_SPACE}]`;
      } else out += ch + (next ?? '');
      i++;
      continue;
    }
    if (!inClass && ch === '[' && (pattern.startsWith('[\\s\\S]', i) || pattern.startsWith('[\\S\\s]', i))) {
      out += anyChar;
      i += 5;
      continue;
    }
    if (ch === '[' && !inClass) inClass = true;
    else if (ch === ']' && inClass) inClass = false;
    out += ch;
  }
  return out;
}

/** A CloudFormation (Java) pattern in RE2 syntax, or undefined when RE2 cannot take it (lookarounds and the like). */
export function re2Pattern(pattern: string): string | undefined {
  const spelt = explicitWhitespace(pattern, '(?s:.)');
  if (spelt === undefined) return undefined;
  const converted = `^(?:${spelt.replace(/\\u([0-9a-fA-F]{4})/g, '\\x{$1}')})$`;
  try {
    RE2JS.compile(converted);
    return converted;
  } catch {
    return undefined;
  }
}

const sentence = (s: string) => {
  const t = s.trim().replace(/[.\s]+$/, '');
  return `${t}.`;
};

type Validation = { condition: string; message: string; comment?: string };

/** Terraform validations equivalent to the parameter's constraints, checked at plan time. */
export function validationsOf(variable: string, parameter: string, codec: Codec, p: TemplateParameter): Validation[] {
  const v = `var.${variable}`;
  const e = encoded(codec, v);
  const e0 = codec === 'json' ? `(${e})` : e;
  const guard = (cond: string) => `${v} == null || try(${cond}, false)`;
  const who = `The value of ${variable} (${parameter})`;
  const out: Validation[] = [];
  if (p.AllowedValues && codec !== 'bool') {
    const list = p.AllowedValues.map((x) => (codec === 'number' ? Number(x) : String(x)));
    out.push({
      condition: guard(`contains(${hclLiteral(list)}, ${codec === 'number' ? v : e0})`),
      message: sentence(`${who} must be one of ${list.map((x) => JSON.stringify(x)).join(', ')}`),
    });
  }
  if (p.MinValue !== undefined || p.MaxValue !== undefined) {
    const parts = [
      ...(p.MinValue !== undefined ? [`${v} >= ${p.MinValue}`] : []),
      ...(p.MaxValue !== undefined ? [`${v} <= ${p.MaxValue}`] : []),
    ];
    out.push({
      condition: guard(parts.join(' && ')),
      message: sentence(
        `${who} must be ${p.MinValue !== undefined ? `at least ${p.MinValue}` : ''}${p.MinValue !== undefined && p.MaxValue !== undefined ? ' and ' : ''}${p.MaxValue !== undefined ? `at most ${p.MaxValue}` : ''}`,
      ),
    });
  }
  if (p.MinLength !== undefined || p.MaxLength !== undefined) {
    const parts = [
      ...(p.MinLength !== undefined ? [`length(${e0}) >= ${p.MinLength}`] : []),
      ...(p.MaxLength !== undefined ? [`length(${e0}) <= ${p.MaxLength}`] : []),
    ];
    const what = codec === 'string' || codec === 'json' ? '' : ' once written as the parameter string';
    out.push({
      condition: guard(parts.join(' && ')),
      message: sentence(
        `${who} must be ${p.MinLength !== undefined && p.MaxLength !== undefined ? `${p.MinLength} to ${p.MaxLength}` : p.MaxLength !== undefined ? `at most ${p.MaxLength}` : `at least ${p.MinLength}`} characters${what}`,
      ),
    });
  }
  if (p.AllowedPattern) {
    const re2 = re2Pattern(p.AllowedPattern);
    const why = p.ConstraintDescription ? p.ConstraintDescription : `must match ${p.AllowedPattern}`;
    if (re2) out.push({ condition: guard(`can(regex(${hclString(re2)}, ${e0}))`), message: sentence(`${who} ${why}`) });
    else
      out.push({
        condition: '',
        message: '',
        comment: `AllowedPattern of ${parameter} is not RE2 syntax: left to CloudFormation`,
      });
  }
  return out;
}

/** The capabilities a stack of this template needs, from its resources (a test checks them on the SAM translation). */
export function capabilitiesOf(t: Template, kind: Kind): string[] {
  const caps = new Set<string>();
  const IAM = [
    'AWS::IAM::Role',
    'AWS::IAM::User',
    'AWS::IAM::Group',
    'AWS::IAM::Policy',
    'AWS::IAM::ManagedPolicy',
    'AWS::IAM::InstanceProfile',
    'AWS::IAM::AccessKey',
  ];
  const NAMED = ['RoleName', 'UserName', 'GroupName', 'ManagedPolicyName', 'InstanceProfileName'];
  const RESOURCE_POLICY = [
    'AWS::Lambda::Permission',
    'AWS::IAM::Policy',
    'AWS::ApplicationAutoScaling::ScalingPolicy',
    'AWS::S3::BucketPolicy',
    'AWS::SQS::QueuePolicy',
    'AWS::SNS::TopicPolicy',
  ];
  for (const r of Object.values(t.Resources)) {
    const props = r.Properties ?? {};
    if (IAM.includes(r.Type))
      caps.add(NAMED.some((n) => props[n] !== undefined) ? 'CAPABILITY_NAMED_IAM' : 'CAPABILITY_IAM');
    if (RESOURCE_POLICY.includes(r.Type)) caps.add('CAPABILITY_RESOURCE_POLICY');
    if (r.Type === 'AWS::Serverless::Function' || r.Type === 'AWS::Serverless::StateMachine') {
      // SAM adds a role (unless given), and a Lambda permission for most event sources.
      caps.add('CAPABILITY_IAM');
      if (props.Events && Object.keys(props.Events as object).length > 0) caps.add('CAPABILITY_RESOURCE_POLICY');
    }
    if (r.Type === 'AWS::Serverless::Application' || r.Type === 'AWS::CloudFormation::Stack')
      caps.add('CAPABILITY_AUTO_EXPAND');
  }
  // CreateStack on a template with a transform (SAM, a macro) needs AUTO_EXPAND; SAR apps are expanded by SAR.
  if (kind === 'stack' && t.Transform !== undefined) caps.add('CAPABILITY_AUTO_EXPAND');
  if (caps.has('CAPABILITY_NAMED_IAM')) caps.delete('CAPABILITY_IAM');
  if (kind === 'stack') caps.delete('CAPABILITY_RESOURCE_POLICY'); // not a CloudFormation capability
  const order = ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_RESOURCE_POLICY', 'CAPABILITY_AUTO_EXPAND'];
  return order.filter((c) => caps.has(c));
}

const LOCAL_ARTIFACTS = ['CodeUri', 'ContentUri', 'DefinitionUri', 'Location', 'TemplateURL', 'Code'];
/** Whether the template has local code or nested templates that `sam package` / `npm run release` must upload. */
export function needsPackaging(t: Template): boolean {
  return Object.values(t.Resources).some((r) =>
    LOCAL_ARTIFACTS.some((k) => {
      const v = r.Properties?.[k];
      return typeof v === 'string' && !/^(s3|https?):\/\//.test(v);
    }),
  );
}

function header(spec: ModuleSpec, what: string): string {
  return [
    `# ${what} of the ${spec.module} module: ${spec.summary}.`,
    `# Generated by \`npm run terraform\` from ${spec.template} and tooling/terraform/apps.ts: change those and`,
    '# regenerate, never this file (a test fails when it drifts from the template).',
    '',
  ].join('\n');
}

function block(lines: string[]): string {
  return alignAssignments(lines).join('\n');
}

function describe(p: TemplateParameter, parameter: string, codec: Codec, required: boolean): string {
  const base = (p.Description ?? parameter).replace(/\s+/g, ' ').trim();
  const shape =
    codec === 'list'
      ? ' A list of strings (joined with commas).'
      : codec === 'topics'
        ? ' A map of environment variable name to SNS topic ARN, e.g. { ALERTS = aws_sns_topic.alerts.arn }.'
        : codec === 'json'
          ? ' A JSON string, or any object or list (written with jsonencode).'
          : '';
  const def = required
    ? ' Required.'
    : ` Null (the default) leaves it to the template: ${p.Default === '' ? 'empty' : JSON.stringify(p.Default)}.`;
  return `${sentence(base)}${shape} Template parameter ${parameter}.${def}`;
}

export function generateModule(spec: ModuleSpec): GeneratedModule {
  const templateFile = join(ROOT, spec.template);
  const t = loadTemplate(templateFile);
  const kind = kindOf(t);
  const dir = join(MODULES_DIR, spec.module);
  const packaged = needsPackaging(t);
  const capabilities = capabilitiesOf(t, kind);
  const params = Object.entries(t.Parameters ?? {});
  const variables: GeneratedVariable[] = params.map(([parameter, p]) => {
    const codec = codecOf(spec, parameter, p);
    const name = variableName(spec, parameter);
    if (RESERVED.has(name) || MODULE_VARIABLES.has(name)) {
      throw new Error(
        `${spec.template}: parameter ${parameter} maps to the reserved variable name "${name}": rename it in tooling/terraform/apps.ts`,
      );
    }
    return { name, parameter, codec, type: TERRAFORM_TYPES[codec], required: p.Default === undefined };
  });
  const names = variables.map((v) => v.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new Error(`${spec.template}: two parameters map to the variable ${dup}`);
  for (const key of Object.keys(spec.values ?? {})) {
    if (!t.Parameters?.[key])
      throw new Error(`apps.ts: ${spec.module} computes ${key}, which ${spec.template} does not have`);
  }

  // variables.tf
  const v: string[] = [header(spec, 'Inputs')];
  const moduleVar = (
    name: string,
    type: string,
    description: string,
    def: string | undefined,
    extra: string[] = [],
  ) => {
    v.push(
      `variable "${name}" {`,
      ...alignAssignments([
        `  description = ${hclString(description)}`,
        `  type        = ${type}`,
        ...(def === undefined ? [] : [`  default     = ${def}`]),
      ]),
      ...extra,
      '}',
      '',
    );
  };
  moduleVar(
    'name',
    'string',
    kind === 'sar'
      ? `Name of the stack (SAR prefixes it with "serverlessrepo-"). Default ${spec.stackName}.`
      : `Name of the CloudFormation stack. Default ${spec.stackName}.`,
    hclString(spec.stackName),
    [
      '',
      '  validation {',
      '    condition     = can(regex("^[A-Za-z][A-Za-z0-9-]{0,127}$", var.name))',
      '    error_message = "The value of name must be a stack name: a letter, then up to 127 letters, digits or hyphens."',
      '  }',
    ],
  );
  if (kind === 'sar') {
    const meta = sarMetadata(t)!;
    moduleVar(
      'application_id',
      'string',
      `ARN of the ${meta.Name} application in the Serverless Application Repository. Null (the default): the one \`npm run release\` published in this account and region, arn:<partition>:serverlessrepo:<region>:<account>:applications/${meta.Name}.`,
      'null',
    );
    moduleVar(
      'semantic_version',
      'string',
      `Version of the application to deploy. Default ${meta.SemanticVersion}, the version of the template this module was generated from (its parameters are the ones below).`,
      hclString(meta.SemanticVersion),
    );
  } else {
    moduleVar(
      'template_url',
      'string',
      packaged
        ? `HTTPS URL of the released ${spec.template} (\`npm run release\` prints it: https://<bucket>.s3.<region>.amazonaws.com/cloud-cron/<version>/${spec.template}). Required: the template has code to package.`
        : `HTTPS URL of the released ${spec.template} (\`npm run release\` prints it). Null (the default): the template in this repository, which has no code to package.`,
      packaged ? undefined : 'null',
    );
  }
  moduleVar(
    'tags',
    'map(string)',
    'Tags for the stack (CloudFormation propagates them to the resources that support tags).',
    '{}',
  );
  for (const variable of variables) {
    const p = t.Parameters![variable.parameter];
    const extra: string[] = [];
    if (p.NoEcho) extra.push('  sensitive   = true');
    // A required parameter cannot be left out: an explicit null is refused at plan time.
    if (variable.required) extra.push('  nullable    = false');
    for (const val of validationsOf(variable.name, variable.parameter, variable.codec, p)) {
      if (val.comment) {
        extra.push('', `  # ${val.comment}`);
        continue;
      }
      extra.push(
        '',
        '  validation {',
        `    condition     = ${val.condition}`,
        `    error_message = ${hclString(val.message)}`,
        '  }',
      );
    }
    moduleVar(
      variable.name,
      variable.type,
      describe(p, variable.parameter, variable.codec, variable.required),
      variable.required ? undefined : 'null',
      extra,
    );
  }

  // main.tf
  const m: string[] = [header(spec, 'Resources')];
  const values = params.map(([parameter]) => {
    const variable = variables.find((x) => x.parameter === parameter)!;
    return `    ${parameter} = ${spec.values?.[parameter] ?? parameterValue(variable.codec, `var.${variable.name}`)}`;
  });
  if (kind === 'sar') {
    const meta = sarMetadata(t)!;
    m.push(
      'data "aws_partition" "current" {}',
      'data "aws_region" "current" {}',
      'data "aws_caller_identity" "current" {}',
      '',
      'locals {',
      `  application_id = coalesce(var.application_id, "arn:\${data.aws_partition.current.partition}:serverlessrepo:\${data.aws_region.current.id}:\${data.aws_caller_identity.current.account_id}:applications/${meta.Name}")`,
    );
  } else {
    m.push('locals {');
  }
  m.push(
    '  # Every template parameter; null leaves it out, so the template default applies.',
    '  parameters = {',
    ...block(values).split('\n'),
    '  }',
    '}',
    '',
  );
  const capabilityList = `[${capabilities.map((c) => `"${c}"`).join(', ')}]`;
  if (kind === 'sar') {
    m.push(
      `# The ${sarMetadata(t)!.Name} application from the Serverless Application Repository.`,
      'resource "aws_serverlessapplicationrepository_cloudformation_stack" "this" {',
      ...alignAssignments([
        '  name             = var.name',
        '  application_id   = local.application_id',
        '  semantic_version = var.semantic_version',
        `  capabilities     = ${capabilityList}`,
        '  parameters       = { for k, v in local.parameters : k => v if v != null }',
        '  tags             = var.tags',
      ]),
    );
  } else {
    const path = relative(dir, templateFile).split('\\').join('/');
    m.push(
      `# ${spec.template} as a CloudFormation stack (it uses the CloudCron macro, so it is not a SAR app).`,
      'resource "aws_cloudformation_stack" "this" {',
      ...alignAssignments([
        '  name          = var.name',
        '  template_url  = var.template_url',
        ...(packaged ? [] : [`  template_body = var.template_url == null ? file("\${path.module}/${path}") : null`]),
        `  capabilities  = ${capabilityList}`,
        '  parameters    = { for k, v in local.parameters : k => v if v != null }',
        '  tags          = var.tags',
      ]),
    );
  }
  m.push('}', '');

  // outputs.tf
  const resource =
    kind === 'sar' ? 'aws_serverlessapplicationrepository_cloudformation_stack.this' : 'aws_cloudformation_stack.this';
  const o: string[] = [header(spec, 'Outputs')];
  const output = (name: string, description: string, value: string) =>
    o.push(
      `output "${name}" {`,
      ...alignAssignments([`  description = ${hclString(description)}`, `  value       = ${value}`]),
      '}',
      '',
    );
  output('stack_id', 'ID (ARN) of the CloudFormation stack.', `${resource}.id`);
  output(
    'stack_name',
    kind === 'sar'
      ? 'Name of the CloudFormation stack (SAR prefixes it with "serverlessrepo-").'
      : 'Name of the CloudFormation stack.',
    kind === 'sar' ? `"serverlessrepo-\${${resource}.name}"` : `${resource}.name`,
  );
  for (const [name, out] of Object.entries(t.Outputs ?? {})) {
    output(
      snakeCase(name),
      `${sentence(out.Description ?? name)} Template output ${name}.`,
      `try(${resource}.outputs["${name}"], null)`,
    );
  }
  for (const [name, alias] of Object.entries(spec.outputAliases ?? {})) {
    if (!t.Outputs?.[alias.output])
      throw new Error(`apps.ts: ${spec.module} aliases ${alias.output}, which ${spec.template} does not output`);
    output(name, alias.description, `try(${resource}.outputs["${alias.output}"], null)`);
  }

  const versions = [
    header(spec, 'Versions'),
    'terraform {',
    '  required_version = ">= 1.4.0"',
    '  required_providers {',
    '    aws = {',
    '      source  = "hashicorp/aws"',
    '      version = ">= 4.0"',
    '    }',
    '  }',
    '}',
    '',
  ].join('\n');

  return {
    spec,
    kind,
    dir,
    variables,
    capabilities,
    files: {
      'versions.tf': versions,
      'variables.tf': `${v.join('\n').trimEnd()}\n`,
      'main.tf': `${m.join('\n').trimEnd()}\n`,
      'outputs.tf': `${o.join('\n').trimEnd()}\n`,
    },
  };
}

/** Every module whose template is in the repository (apps still being built are skipped until they land). */
export function generateAll(): GeneratedModule[] {
  return MODULES.filter((s) => existsSync(join(ROOT, s.template))).map(generateModule);
}

/** The generated files whose text on disk differs from what `generateAll` makes (or that are missing). */
export function staleFiles(modules: GeneratedModule[] = generateAll()): { path: string; expected: string }[] {
  const stale: { path: string; expected: string }[] = [];
  for (const mod of modules) {
    for (const [file, expected] of Object.entries(mod.files)) {
      const path = join(mod.dir, file);
      const actual = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
      if (actual !== expected) stale.push({ path, expected });
    }
  }
  return stale;
}
