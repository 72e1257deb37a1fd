/**
 * The Terraform tooling on hostile and broken input: HCL strings written by the generator read back exactly through
 * HashiCorp's parser; each check finds the mistake it exists for (so a clean result on the real modules means
 * something); the generator refuses a table that does not fit its template.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { getExpressionAst } from '@cdktf/hcl2json';
import type { Template } from '../../../tooling/cfn-yaml';
import { ROOT, tempDir } from '../../../tooling/paths';
import { moduleCallProblems, parityProblems, wellFormedProblems } from '../../../tooling/terraform/check';
import { HclError, loadConfig, parseHcl } from '../../../tooling/terraform/config';
import {
  encoded,
  explicitWhitespace,
  generateModule,
  re2Pattern,
  validationsOf,
} from '../../../tooling/terraform/generate';
import { hclLiteral, hclString, snakeCase } from '../../../tooling/terraform/hcl';

function configDir(files: Record<string, string>): string {
  const dir = tempDir('tf-');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('writing HCL', () => {
  test.each([
    'plain',
    'a "quoted" word and a back\\slash',
    'line\nbreak\ttab\r',
    '\u0000\u001f\u007f\u2028 nul, unit separator, del, line separator',
    'é ✓ 😀',
  ])('hclString round-trips %j through the HCL parser', async (s) => {
    expect((await parseHcl('t.tf', `x = ${hclString(s)}\n`)).x).toBe(s);
  });

  test.each(['interpolation ${var.x}', 'directive %{ if true }', '$${already} $ alone % alone', '$${a}'])(
    'hclString makes %j a literal: no interpolation, no directive, no reference',
    async (s) => {
      const ast = (await getExpressionAst('t.tf', hclString(s))) as { children?: unknown[] };
      const types: string[] = [];
      const walk = (n: { type?: string; children?: unknown[] } | null) => {
        if (!n) return;
        if (n.type) types.push(n.type);
        for (const c of n.children ?? []) walk(c as { type?: string; children?: unknown[] });
      };
      walk(ast as never);
      expect(types).toEqual(['template', 'literalValue']);
    },
  );

  test('literals and names', async () => {
    const value = { a: [1, true, 'x'], 'b-c': { 'with space': null } };
    expect((await parseHcl('t.tf', `x = ${hclLiteral(value)}\n`)).x).toEqual(value);
    expect(['SnsTopicArn', 'TemplatesS3Uri', 'LambdaImageUri', 'KMSKeyArn', 'Cpu'].map(snakeCase)).toEqual([
      'sns_topic_arn',
      'templates_s3_uri',
      'lambda_image_uri',
      'kms_key_arn',
      'cpu',
    ]);
  });

  test('a syntax error names the file and the place', async () => {
    await expect(parseHcl('broken.tf', 'variable "x" {\n  type = string\n')).rejects.toThrow(HclError);
    await expect(parseHcl('broken.tf', 'variable "x" {\n  type = string\n')).rejects.toThrow(
      /broken\.tf.*Unclosed configuration block/,
    );
  });
});

describe('patterns', () => {
  test("Java's ASCII whitespace spelt out; [\\s\\S] is any character; lookarounds are not RE2", () => {
    expect(explicitWhitespace('^[^,\\s]+\\s*$')).toBe('^[^,\\t\\n\\x0B\\f\\r ]+[\\t\\n\\x0B\\f\\r ]*$');
    expect(new RegExp(explicitWhitespace('^\\s$')!).test('\u2028')).toBe(false); // JavaScript alone would say true
    expect(new RegExp(explicitWhitespace('^\\s$')!).test('\u000b')).toBe(true);
    expect(explicitWhitespace('[\\s\\S]*', '(?s:.)')).toBe('(?s:.)*');
    expect(explicitWhitespace('[a\\S]')).toBeUndefined();
    expect(re2Pattern('^(?=a)a$')).toBeUndefined();
    expect(re2Pattern('^[\\u2028]$')).toBe('^(?:^[\\x{2028}]$)$');
  });

  test('validations: values, lengths, ranges and patterns, each with a sentence naming the variable', () => {
    const v = validationsOf('log_level', 'LogLevel', 'string', { Type: 'String', AllowedValues: ['INFO', 'DEBUG'] });
    expect(v).toEqual([
      {
        condition: 'var.log_level == null || try(contains(["INFO", "DEBUG"], var.log_level), false)',
        message: 'The value of log_level (LogLevel) must be one of "INFO", "DEBUG".',
      },
    ]);
    const list = validationsOf('to', 'Recipients', 'list', {
      Type: 'String',
      MaxLength: 10,
      AllowedPattern: 'a+(,a+)*',
      ConstraintDescription: 'must be a list of a',
    });
    expect(list.map((x) => x.condition)).toEqual([
      'var.to == null || try(length(join(",", var.to)) <= 10, false)',
      'var.to == null || try(can(regex("^(?:a+(,a+)*)$", join(",", var.to))), false)',
    ]);
    expect(list[1].message).toBe('The value of to (Recipients) must be a list of a.');
    expect(validationsOf('n', 'N', 'number', { Type: 'Number', MinValue: 1, MaxValue: 9 })[0].condition).toBe(
      'var.n == null || try(var.n >= 1 && var.n <= 9, false)',
    );
    expect(encoded('topics', 'var.t')).toBe('join(",", [for k in sort(keys(var.t)) : "${k}=${var.t[k]}"])');
  });
});

describe('well-formedness finds each kind of mistake', () => {
  const ok = `
variable "a" {
  description = "A."
  type        = string
  default     = null
}
`;
  test.each<[string, string, RegExp]>([
    ['an undeclared variable', 'locals {\n  x = var.b\n}\n', /local x: var\.b is not declared/],
    [
      'an undeclared local',
      'output "o" {\n  value = local.nope\n}\n',
      /output o \(value\): local\.nope is not declared/,
    ],
    ['an undeclared resource', 'output "o" {\n  value = aws_s3_object.x.key\n}\n', /aws_s3_object\.x is not declared/],
    [
      'a function Terraform lacks',
      'locals {\n  x = lookupp(var.a, "k")\n}\n',
      /lookupp\(\) is not a Terraform function/,
    ],
    [
      'an argument the provider does not have',
      'resource "aws_cloudformation_stack" "s" {\n  name = "x"\n  template = "y"\n  template_url = "https://x"\n}\n',
      /resource aws_cloudformation_stack\.s has no argument template/,
    ],
    [
      'a missing required argument',
      'resource "aws_s3_object" "o" {\n  key = "k"\n}\n',
      /aws_s3_object\.o needs bucket/,
    ],
    [
      'an attribute the resource does not export',
      'resource "aws_sns_topic" "t" {}\noutput "o" {\n  value = aws_sns_topic.t.url\n}\n',
      /aws_sns_topic has no attribute url/,
    ],
    ['each outside for_each', 'resource "aws_sns_topic" "t" {\n  name = each.key\n}\n', /each is not available here/],
    [
      'a validation looking at another variable',
      'variable "b" {\n  description = "B."\n  type = string\n  validation {\n    condition = var.a != var.b\n    error_message = "The value is wrong."\n  }\n}\n',
      /the validation of b refers to var\.a/,
    ],
    [
      'an error message that is not a sentence',
      'variable "b" {\n  description = "B."\n  type = string\n  validation {\n    condition = var.b != ""\n    error_message = "bad value"\n  }\n}\n',
      /error message of b must be a sentence/,
    ],
    [
      'a default that does not fit the type',
      'variable "b" {\n  description = "B."\n  type = list(string)\n  default = "x"\n}\n',
      /b's default does not fit list\(string\)/,
    ],
    ['a type that is not one', 'variable "b" {\n  description = "B."\n  type = strng\n}\n', /unknown type strng/],
    ['a variable without a description', 'variable "b" {\n  type = string\n}\n', /variable b has no description/],
  ])('%s', async (_name, text, problem) => {
    const problems = await wellFormedProblems(await loadConfig(configDir({ 'a.tf': ok, 'b.tf': text })));
    expect(problems.join('\n')).toMatch(problem);
  });

  test('a declaration made twice is refused', async () => {
    await expect(loadConfig(configDir({ 'a.tf': ok, 'b.tf': ok }))).rejects.toThrow(/variable a is declared twice/);
  });
});

describe('parity finds each mismatch with the template', () => {
  const template: Template = {
    Parameters: {
      Topic: { Type: 'String' },
      Size: { Type: 'Number', Default: 5 },
      Mode: { Type: 'String', Default: 'a', AllowedValues: ['a', 'b'] },
      Flag: { Type: 'String', Default: 'false', AllowedValues: ['false', 'true'] },
    },
    Resources: {},
    Outputs: { Arn: { Value: 'x' } },
  };
  const variables = (over: Record<string, string> = {}) =>
    Object.entries({
      topic: 'type = string\n  nullable = false',
      size: 'type = number\n  default = null',
      mode: 'type = string\n  default = null',
      flag: 'type = bool\n  default = null',
      ...over,
    })
      .map(([k, body]) => `variable "${k}" {\n  description = "X."\n  ${body}\n}\n`)
      .join('');
  const main = (params: Record<string, string>) => `
locals {
  parameters = {
${Object.entries(params)
  .map(([k, v]) => `    ${k} = ${v}`)
  .join('\n')}
  }
}
resource "aws_cloudformation_stack" "this" {
  name         = "s"
  template_url = "https://example.com/t.yaml"
  parameters   = { for k, v in local.parameters : k => v if v != null }
}
output "arn" {
  value = try(aws_cloudformation_stack.this.outputs["Arn"], null)
}
`;
  const good = {
    Topic: 'var.topic',
    Size: 'var.size == null ? null : tostring(var.size)',
    Mode: 'var.mode',
    Flag: 'var.flag == null ? null : tostring(var.flag)',
  };
  const problems = async (vars: string, params: Record<string, string>, t: Template = template) =>
    parityProblems(await loadConfig(configDir({ 'variables.tf': vars, 'main.tf': main(params) })), t, 'template.yaml');

  test('the right module is clean', async () => {
    expect(await problems(variables(), good)).toEqual([]);
  });

  test.each<[string, string, Record<string, string>, RegExp]>([
    [
      'a parameter the template lacks',
      variables({ extra: 'type = string\n  default = null' }),
      { ...good, Extra: 'var.extra' },
      /Extra is passed to the stack but is not a parameter/,
    ],
    [
      'a parameter nobody can set',
      variables(),
      { Topic: good.Topic, Size: good.Size, Mode: good.Mode },
      /Flag is a parameter of .* that the module cannot set/,
    ],
    [
      'a string for a Number',
      variables({ size: 'type = string\n  default = null' }),
      { ...good, Size: 'var.size' },
      /Size \(Number\) is given as size of type string/,
    ],
    [
      'a number written without tostring',
      variables(),
      { ...good, Size: 'var.size' },
      /Size: size \(number\) must be written as/,
    ],
    [
      'a default that differs from the template',
      variables({ size: 'type = number\n  default = 6' }),
      good,
      /size's default 6 differs from Size's 5: use null/,
    ],
    [
      'a required parameter with a default',
      variables({ topic: 'type = string\n  default = "x"' }),
      good,
      /Topic is required but topic has a default/,
    ],
    [
      'a required parameter that may be null',
      variables({ topic: 'type = string' }),
      good,
      /Topic is required but topic may be null/,
    ],
    [
      'an optional parameter made required',
      variables({ mode: 'type = string' }),
      good,
      /Mode is optional .* but mode is required/,
    ],
    [
      'two variables for one parameter',
      variables(),
      { ...good, Mode: 'coalesce(var.mode, var.topic)' },
      /Mode is computed from mode, topic/,
    ],
  ])('%s', async (_name, vars, params, problem) => {
    expect((await problems(vars, params)).join('\n')).toMatch(problem);
  });

  test('a bool for a parameter that is not true/false, and an output the template lacks', async () => {
    const t: Template = {
      ...template,
      Parameters: { ...template.Parameters, Flag: { Type: 'String', Default: 'no', AllowedValues: ['no', 'yes'] } },
      Outputs: {},
    };
    const found = (await problems(variables(), good, t)).join('\n');
    expect(found).toMatch(/Flag is given as a bool but its AllowedValues are not exactly "true" and "false"/);
    expect(found).toMatch(/output arn reads Arn, which template\.yaml does not output/);
  });
});

describe('module calls', () => {
  const module = `
variable "topic" {
  description = "T."
  type        = string
  nullable    = false
}
variable "tags" {
  description = "T."
  type        = list(string)
  default     = null
}
locals {
  parameters = { Topic = var.topic }
}
output "arn" {
  value = local.parameters.Topic
}
`;
  async function problems(call: string, rootValues: Record<string, unknown> = {}) {
    const root = tempDir('tf-root-');
    mkdirSync(join(root, 'mod'));
    writeFileSync(join(root, 'mod', 'main.tf'), module);
    writeFileSync(join(root, 'main.tf'), call);
    const template: Template = {
      Parameters: { Topic: { Type: 'String', AllowedPattern: 'arn:.*', ConstraintDescription: 'an ARN' } },
      Resources: {},
    };
    return (
      await moduleCallProblems(await loadConfig(root), { [relative(ROOT, join(root, 'mod'))]: template }, rootValues)
    ).join('\n');
  }

  test.each<[string, string, RegExp]>([
    [
      'an unknown input',
      'module "m" {\n  source = "./mod"\n  topic = "arn:x"\n  topik = "x"\n}\n',
      /has no variable topik/,
    ],
    ['a missing required input', 'module "m" {\n  source = "./mod"\n}\n', /the required variable topic is not given/],
    [
      'a value of the wrong type',
      'module "m" {\n  source = "./mod"\n  topic = "arn:x"\n  tags = "a"\n}\n',
      /tags is list\(string\), given "a"/,
    ],
    ['a missing module', 'module "m" {\n  source = "./nope"\n}\n', /\.\/nope does not exist/],
    [
      'an output the module lacks',
      'module "m" {\n  source = "./mod"\n  topic = "arn:x"\n}\noutput "o" {\n  value = module.m.nope\n}\n',
      /module\.m has no output nope/,
    ],
  ])('%s', async (_name, call, problem) => {
    expect(await problems(call)).toMatch(problem);
  });

  test('a value given through a root variable is checked with the value it gets', async () => {
    const call = 'variable "t" {\n  type = string\n}\nmodule "m" {\n  source = "./mod"\n  topic = var.t\n}\n';
    expect(await problems(call, { t: 'arn:aws:sns:x' })).toBe('');
    expect(await problems(call, { t: 'nope' })).toMatch(/topic = "nope" does not match its AllowedPattern \(an ARN\)/);
    expect(await problems(call, { t: ['a'] })).toMatch(/topic is string, given \["a"\]/);
  });
});

describe('the generator refuses a table that does not fit', () => {
  test('a parameter named like a module variable, and a computed parameter the template lacks', () => {
    expect(() =>
      generateModule({
        module: 'x',
        template: 'template-email.yaml',
        stackName: 'x',
        summary: 'x',
        variables: { Sender: { name: 'tags' } },
      }),
    ).toThrow(/parameter Sender maps to the reserved variable name "tags"/);
    expect(() =>
      generateModule({
        module: 'x',
        template: 'template-email.yaml',
        stackName: 'x',
        summary: 'x',
        values: { Nope: 'local.x' },
      }),
    ).toThrow(/computes Nope, which template-email\.yaml does not have/);
    expect(() =>
      generateModule({
        module: 'x',
        template: 'template-email.yaml',
        stackName: 'x',
        summary: 'x',
        variables: { Sender: { name: 'to' }, Recipients: { name: 'to' } },
      }),
    ).toThrow(/two parameters map to the variable to/);
  });
});
