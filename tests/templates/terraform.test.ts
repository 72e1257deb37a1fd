/**
 * The Terraform modules (terraform/modules/) and their example (examples/terraform/), checked without a Terraform
 * binary: every .tf file parsed by HashiCorp's HCL parser (@cdktf/hcl2json); the modules in step with their templates
 * (drift), every variable passed to a stack a parameter of its template with a compatible type and default, every
 * parameter settable (required ones required); references, functions and provider arguments real; the capabilities
 * those that the SAM translation of each template needs; the example's module calls fitting the modules.
 */
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { RE2JS } from 're2js';
import { resolveEvent } from '../../examples/job/src/event';
import { transform as cloudCron } from '../../functions/macro/transform';
import { samTranslate } from '../../tooling/cfn';
import { loadTemplate, type Template } from '../../tooling/cfn-yaml';
import { ROOT } from '../../tooling/paths';
import { MODULES } from '../../tooling/terraform/apps';
import { moduleCallProblems, parityProblems, wellFormedProblems } from '../../tooling/terraform/check';
import { loadConfig, parseHcl, type TerraformConfig } from '../../tooling/terraform/config';
import {
  explicitWhitespace,
  type GeneratedModule,
  generateAll,
  re2Pattern,
  staleFiles,
} from '../../tooling/terraform/generate';
import { hclString } from '../../tooling/terraform/hcl';

const modules = generateAll();
const templateOf = (m: GeneratedModule) => loadTemplate(join(ROOT, m.spec.template));
const configs = new Map<string, TerraformConfig>();
beforeAll(async () => {
  for (const m of modules) configs.set(m.spec.module, await loadConfig(m.dir));
});

test('every app with a template in the repository has a module; the modules are up to date (else: npm run terraform)', () => {
  expect(modules.map((m) => m.spec.module)).toEqual(
    expect.arrayContaining([
      'macro',
      'scheduled-lambda',
      'email-notification',
      'sms-notification',
      'webhook-notification',
      'lambda-container',
    ]),
  );
  expect(staleFiles(modules).map((s) => relative(ROOT, s.path))).toEqual([]);
});

describe.each(MODULES.filter((s) => modules.some((m) => m.spec.module === s.module)).map((s) => s.module))(
  '%s',
  (name) => {
    const m = () => modules.find((x) => x.spec.module === name)!;

    test('parses, and references only what it declares, with real functions and provider arguments', async () => {
      expect(await wellFormedProblems(configs.get(name)!)).toEqual([]);
    });

    test('parity with its template: every parameter passed exists, fits its variable, and every one can be set', async () => {
      expect(await parityProblems(configs.get(name)!, templateOf(m()), join(ROOT, m().spec.template))).toEqual([]);
      // Required parameters are required variables; optional ones default to null (the template's default).
      const t = templateOf(m());
      const config = configs.get(name)!;
      for (const v of m().variables) {
        const declared = config.variables[v.name];
        expect([v.parameter, declared.hasDefault]).toEqual([
          v.parameter,
          t.Parameters![v.parameter].Default !== undefined,
        ]);
      }
    });

    test('asks for the capabilities its resources need, as the SAM translation shows them', () => {
      const t = templateOf(m());
      const required = Object.fromEntries(
        Object.entries(t.Parameters ?? {})
          .filter(([, p]) => p.Default === undefined)
          .map(([k, p]) => [k, sampleValue(k, p.Type)]),
      );
      const expanded: Template = m().kind === 'stack' ? cloudCron(t, required) : t;
      const translated = samTranslate(expanded, required);
      const types = new Set(Object.values(translated.Resources).map((r) => r.Type));
      const needs = new Set<string>();
      if ([...types].some((x) => x.startsWith('AWS::IAM::'))) needs.add('CAPABILITY_IAM');
      if (m().kind === 'sar') {
        const policies = [
          'AWS::Lambda::Permission',
          'AWS::IAM::Policy',
          'AWS::SQS::QueuePolicy',
          'AWS::SNS::TopicPolicy',
          'AWS::S3::BucketPolicy',
        ];
        if (policies.some((p) => types.has(p))) needs.add('CAPABILITY_RESOURCE_POLICY');
      } else needs.add('CAPABILITY_AUTO_EXPAND');
      if (types.has('AWS::CloudFormation::Stack')) needs.add('CAPABILITY_AUTO_EXPAND');
      expect(m().capabilities).toEqual(expect.arrayContaining([...needs]));
    });

    test('each AllowedPattern becomes an RE2 validation that decides like CloudFormation (Java) does, or is left to it', () => {
      const t = templateOf(m());
      const variables = m().files['variables.tf'];
      for (const [param, p] of Object.entries(t.Parameters ?? {})) {
        if (!p.AllowedPattern) continue;
        const re2 = re2Pattern(p.AllowedPattern);
        if (re2 === undefined) {
          // Not RE2 (a lookahead): no plan-time check, said so in the file; CloudFormation still checks it.
          expect(variables).toContain(`# AllowedPattern of ${param} is not RE2 syntax: left to CloudFormation`);
          continue;
        }
        expect(variables).toContain(hclString(re2));
        const samples = [
          String(p.Default ?? ''),
          '',
          ' ',
          'x',
          'a,b',
          'a b',
          '\u2028',
          '\u000b',
          'arn:aws:sns:us-east-1:123456789012:t',
          `${p.Default ?? ''}\n`,
        ];
        // Java's semantics in JavaScript: the same pattern with Java's ASCII whitespace spelt out.
        const java = new RegExp(`^(?:${explicitWhitespace(p.AllowedPattern)})$`);
        for (const s of samples) expect([param, s, RE2JS.compile(re2).matches(s)]).toEqual([param, s, java.test(s)]);
      }
    });
  },
);

function sampleValue(parameter: string, type: string): string {
  if (type === 'Number') return '1';
  const samples: Record<string, string> = {
    LambdaImageUri: `123456789012.dkr.ecr.us-east-1.amazonaws.com/job@sha256:${'a'.repeat(64)}`,
    SnsTopicArn: 'arn:aws:sns:us-east-1:123456789012:t',
    Sender: 'cron@example.com',
    Recipients: parameter === 'Recipients' ? 'ops@example.com' : '',
    TwilioSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:twilio-AbCdEf',
    WebhookSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:slack-AbCdEf',
    Preset: 'slack',
    SourceRepositoryUri: '123456789012.dkr.ecr.us-west-2.amazonaws.com/job',
  };
  return samples[parameter] ?? 'x';
}

describe('examples/terraform', () => {
  const dir = join(ROOT, 'examples', 'terraform');
  let example: TerraformConfig;
  let tfvars: Record<string, unknown>;
  const templates = () =>
    Object.fromEntries(modules.map((m) => [relative(ROOT, m.dir), templateOf(m)] as const)) as Record<string, Template>;
  beforeAll(async () => {
    example = await loadConfig(dir);
    tfvars = await parseHcl('terraform.tfvars.example', readFileSync(join(dir, 'terraform.tfvars.example'), 'utf8'));
  });

  test('the original description: a mirror feeding the scheduled lambda, an email channel with a template file', () => {
    const { lambda_container, scheduled_lambda, email_notification, macro } = example.modules;
    expect(lambda_container.body).toMatchObject({
      source_lambda_repo: '${var.source_lambda_repo}',
      source_lambda_tag: '${var.source_lambda_tag}',
    });
    expect(scheduled_lambda.body).toMatchObject({
      lambda_image_uri: '${module.lambda_container.lambda_image_uri}',
      sns_topics: { REPORTS: '${aws_sns_topic.reports.arn}', ALERTS: '${aws_sns_topic.alerts.arn}' },
      depends_on: ['${module.macro}'],
    });
    expect(email_notification.body).toMatchObject({
      sns_topic_arn: '${aws_sns_topic.reports.arn}',
      template_file: '${path.module}/templates/report.html.hbs',
      email_sender: '${var.email_sender}',
      email_recipients: '${var.email_recipients}',
    });
    expect(macro).toBeDefined();
  });

  test('parses; references, functions and arguments are real', async () => {
    expect(await wellFormedProblems(example)).toEqual([]);
  });

  test('every module input exists, every required one is given, values fit their types and the templates, outputs exist', async () => {
    expect(await moduleCallProblems(example, templates(), tfvars)).toEqual([]);
  });

  test('terraform.tfvars.example sets exactly the variables without a default', () => {
    const required = Object.entries(example.variables)
      .filter(([, v]) => !v.hasDefault)
      .map(([k]) => k)
      .sort();
    expect(Object.keys(tfvars).sort()).toEqual(required);
  });

  test("the payload is an event the example job accepts; the email templates are the SAM parent's", () => {
    const payload = example.modules.scheduled_lambda.body.schedule_payload;
    expect(resolveEvent(payload).endpoints.length).toBe(2);
    const parent = loadTemplate(join(ROOT, 'examples', 'parent', 'template.yaml'));
    const email = (parent.Resources.ReportEmail.Properties as { Parameters: Record<string, string> }).Parameters;
    expect(readFileSync(join(dir, 'templates', 'report.html.hbs'), 'utf8').trimEnd()).toBe(
      email.HtmlTemplate.trimEnd(),
    );
    expect(readFileSync(join(dir, 'templates', 'report.txt.hbs'), 'utf8').trimEnd()).toBe(email.TextTemplate.trimEnd());
    // Small enough to go inline (HtmlTemplate and TextTemplate take 3,500 characters); bigger needs templates_bucket.
    expect(email.HtmlTemplate.length).toBeLessThanOrEqual(3500);
  });
});
