/**
 * template-sms.yaml: cfn-lint clean, SAM-translates (and the output is cfn-lint clean), SAR-publishable, least
 * privilege, parameter constraints and the FromNumber-xor-MessagingServiceSid rule behave, and the environment it
 * sets is what the function accepts.
 */

import { loadSmsConfig } from '../../functions/sms/config';
import { cfnLint, describeFindings, readTemplate, samTranslate, templatePath } from '../../tooling/cfn';
import type { Template } from '../../tooling/cfn-yaml';
import { sarProblems } from '../../tooling/sar';
import { functionEnvironment, resolver } from '../../tooling/template-env';
import { parameterProblem } from '../../tooling/template-params';

const FILE = 'template-sms.yaml';
const template = readTemplate(FILE);
const REQUIRED = {
  SnsTopicArn: 'arn:aws:sns:us-east-1:123456789012:cloud-cron-alerts',
  TwilioSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:cloud-cron/twilio-AbCdEf',
  Recipients: '+15551230001,+447700900123',
};

/** What `sam package` hands CloudFormation: the code uploaded, CodeUri an S3 URI. */
function packaged(t: Template): Template {
  const copy = structuredClone(t);
  for (const res of Object.values(copy.Resources)) {
    if (res.Type === 'AWS::Serverless::Function')
      (res.Properties as Record<string, unknown>).CodeUri = 's3://bucket/sms.zip';
  }
  return copy;
}

function param(name: string) {
  const p = template.Parameters?.[name];
  if (!p) throw new Error(`no parameter ${name}`);
  return p;
}

/** CloudFormation matches AllowedPattern against the whole value (Java regex `matches`). */
function allowed(name: string, value: string): boolean {
  return parameterProblem(param(name), value) === undefined;
}

/** Whether every Rules assertion holds for these parameter values, as CloudFormation evaluates them. */
function rulesPass(values: Record<string, string>): boolean {
  const { value } = resolver(template, { parameters: values });
  return Object.values(template.Rules as Record<string, { Assertions: { Assert: unknown }[] }>).every((rule) =>
    rule.Assertions.every((a) => value(a.Assert) === true),
  );
}

test('cfn-lint reports nothing at all', () => {
  expect(describeFindings(cfnLint(templatePath(FILE)))).toEqual([]);
});

test('the SAR publishability check finds no problem', () => {
  expect(sarProblems(template, templatePath(FILE))).toEqual([]);
});

test('every parameter has a Description and a constraint; every output a Description', () => {
  for (const [name, p] of Object.entries(template.Parameters ?? {})) {
    expect([name, Boolean(p.Description)]).toEqual([name, true]);
    const constrained = p.AllowedValues !== undefined || p.AllowedPattern !== undefined || p.MaxValue !== undefined;
    expect([name, constrained]).toEqual([name, true]);
    if (p.AllowedPattern) expect([name, Boolean(p.ConstraintDescription)]).toEqual([name, true]);
  }
  for (const [name, o] of Object.entries(template.Outputs ?? {}))
    expect([name, Boolean(o.Description)]).toEqual([name, true]);
});

describe.each([
  ['a From number', { ...REQUIRED, FromNumber: '+15005550006' }],
  [
    'a Messaging Service, a filter policy on the body, a customer managed key and a template',
    {
      ...REQUIRED,
      MessagingServiceSid: `MG${'0123456789abcdef'.repeat(2)}`,
      FilterPolicy: '{"severity": ["critical"]}',
      FilterPolicyScope: 'MessageBody',
      TwilioSecretKmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      MessageTemplate: '{{subject}}: {{message.status}}',
      AlarmTopicArn: 'arn:aws:sns:us-east-1:123456789012:ops',
      LogLevel: 'DEBUG',
    },
  ],
])('translated with %s', (_name, params) => {
  let cfn: Template;
  beforeAll(() => {
    cfn = samTranslate(packaged(template), params);
  });

  test('the deploy-time rule accepts the parameters and the translated template is cfn-lint clean', () => {
    expect(rulesPass(params)).toBe(true);
    expect(describeFindings(cfnLint(cfn))).toEqual([]);
  });

  test('SNS subscribes the function with the filter, and keeps undeliverable messages in the dead-letter queue', () => {
    const subs = Object.values(cfn.Resources).filter((r) => r.Type === 'AWS::SNS::Subscription');
    expect(subs).toHaveLength(1);
    expect(subs[0].Properties).toMatchObject({
      Protocol: 'lambda',
      TopicArn: { Ref: 'SnsTopicArn' },
      FilterPolicy: { 'Fn::If': ['HasFilterPolicy', { Ref: 'FilterPolicy' }, { Ref: 'AWS::NoValue' }] },
      FilterPolicyScope: { 'Fn::If': ['HasFilterPolicy', { Ref: 'FilterPolicyScope' }, { Ref: 'AWS::NoValue' }] },
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['SubscriptionDeadLetterQueue', 'Arn'] } },
    });
    const fn = cfn.Resources.SmsFunction.Properties as Record<string, unknown>;
    expect(fn.DeadLetterConfig).toEqual({ TargetArn: { 'Fn::GetAtt': ['FunctionDeadLetterQueue', 'Arn'] } });
    const permission = Object.values(cfn.Resources).find((r) => r.Type === 'AWS::Lambda::Permission');
    expect(permission?.Properties).toMatchObject({ Principal: 'sns.amazonaws.com', SourceArn: { Ref: 'SnsTopicArn' } });
  });

  test('both dead-letter queues and the paused metric raise alarms, sent to AlarmTopicArn when one is given', () => {
    const alarms = Object.values(cfn.Resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm');
    expect(alarms).toHaveLength(3);
    const sqs = alarms.filter((a) => a.Properties?.Namespace === 'AWS/SQS');
    expect(sqs.map((a) => (a.Properties as { Dimensions: { Value: unknown }[] }).Dimensions[0].Value)).toEqual([
      { 'Fn::GetAtt': ['FunctionDeadLetterQueue', 'QueueName'] },
      { 'Fn::GetAtt': ['SubscriptionDeadLetterQueue', 'QueueName'] },
    ]);
    for (const alarm of alarms) {
      expect(alarm.Properties?.AlarmActions).toEqual({
        'Fn::If': ['HasAlarmTopic', [{ Ref: 'AlarmTopicArn' }], { Ref: 'AWS::NoValue' }],
      });
    }
  });

  test('least privilege: the only role names every resource, and no managed policy is attached', () => {
    const roles = Object.entries(cfn.Resources).filter(([, r]) => r.Type === 'AWS::IAM::Role');
    expect(roles.map(([id]) => id)).toEqual(['SmsRole']);
    const props = roles[0][1].Properties as {
      ManagedPolicyArns?: unknown;
      Policies: { PolicyDocument: { Statement: unknown[] } }[];
    };
    expect(props.ManagedPolicyArns).toBeUndefined();
    const statements = props.Policies.flatMap((p) => p.PolicyDocument.Statement);
    const text = JSON.stringify(statements);
    expect(text).not.toContain('"*"');
    expect(text).not.toMatch(/"Action":"[a-z]+:\*"/);
    const actions = JSON.stringify(statements.map((s) => (s as { Action?: unknown }).Action ?? s));
    for (const action of [
      'logs:PutLogEvents',
      'secretsmanager:GetSecretValue',
      'dynamodb:PutItem',
      'sqs:SendMessage',
      'kms:Decrypt',
    ]) {
      expect(actions).toContain(action);
    }
  });

  test('the function runs on nodejs24.x, built from functions/sms/index.ts, with the environment the code accepts', () => {
    const fn = template.Resources.SmsFunction;
    expect(fn.Metadata).toEqual({
      BuildMethod: 'esbuild',
      BuildProperties: {
        Minify: true,
        Target: 'es2022',
        Sourcemap: false,
        MainFields: 'module,main',
        External: ['source-map'],
        EntryPoints: ['functions/sms/index.ts'],
      },
    });
    expect(template.Globals?.Function?.Runtime).toBe('nodejs24.x');
    const resolved = functionEnvironment(template, 'SmsFunction', {
      parameters: params,
      resources: { IdempotencyTable: 'table' },
    });
    expect(Object.keys(resolved)).not.toContain('TWILIO_API_BASE_URL');
    expect(() => loadSmsConfig(resolved)).not.toThrow();
  });
});

test.each([
  [{ FromNumber: '', MessagingServiceSid: '' }, false],
  [{ FromNumber: '+15005550006', MessagingServiceSid: `MG${'a'.repeat(32)}` }, false],
  [{ FromNumber: '+15005550006' }, true],
  [{ FromNumber: 'CloudCron' }, true],
  [{ MessagingServiceSid: `MG${'a'.repeat(32)}` }, true],
])('rule ExactlyOneSender with %j passes: %s', (values, pass) => {
  expect(rulesPass(values)).toBe(pass);
});

test('the rule says what to fix', () => {
  const rule = (template.Rules as Record<string, { Assertions: { AssertDescription: string }[] }>).ExactlyOneSender;
  expect(rule.Assertions[0].AssertDescription).toBe(
    'Set exactly one of FromNumber and MessagingServiceSid (the other must be empty).',
  );
});

test.each([
  ['SnsTopicArn', 'arn:aws:sns:eu-west-1:123456789012:alerts', true],
  ['SnsTopicArn', 'arn:aws-us-gov:sns:us-gov-west-1:123456789012:a_b-c', true],
  ['SnsTopicArn', 'arn:aws:sns:us-east-1:123456789012:orders.fifo', false],
  ['SnsTopicArn', 'alerts', false],
  ['TwilioSecretArn', REQUIRED.TwilioSecretArn, true],
  ['TwilioSecretArn', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:cloud-cron/twilio', false],
  ['TwilioSecretArn', 'cloud-cron/twilio', false],
  ['TwilioSecretKmsKeyArn', '', true],
  ['TwilioSecretKmsKeyArn', 'arn:aws:kms:us-east-1:123456789012:alias/twilio', false],
  ['FromNumber', '', true],
  ['FromNumber', '+15005550006', true],
  ['FromNumber', '55555', true],
  ['FromNumber', 'Cloud Cron', true],
  ['FromNumber', 'CloudCronApp', false],
  ['FromNumber', '15005550006', false],
  ['FromNumber', '+0123', false],
  ['MessagingServiceSid', `MG${'0a'.repeat(16)}`, true],
  ['MessagingServiceSid', `PN${'0a'.repeat(16)}`, false],
  ['Recipients', '+15551230001', true],
  ['Recipients', '+15551230001, +447700900123', true],
  ['Recipients', Array.from({ length: 50 }, (_, i) => `+1555123${String(i).padStart(4, '0')}`).join(','), true],
  ['Recipients', Array.from({ length: 51 }, (_, i) => `+1555123${String(i).padStart(4, '0')}`).join(','), false],
  ['Recipients', '', false],
  ['Recipients', '5551230001', false],
  ['Recipients', '+15551230001;+15551230002', false],
  ['MessageTemplate', '', true],
  ['MessageTemplate', '{{subject}}\n{{rawMessage}}', true],
  ['MessageTemplate', 'x'.repeat(2049), false],
  ['FilterPolicy', '', true],
  ['FilterPolicy', '{\n  "severity": ["critical"]\n}', true],
  ['FilterPolicy', '["critical"]', false],
  ['FilterPolicyScope', 'MessageBody', true],
  ['FilterPolicyScope', 'Body', false],
  ['AlarmTopicArn', '', true],
  ['AlarmTopicArn', 'arn:aws:sns:us-east-1:123456789012:ops', true],
  ['AlarmTopicArn', 'ops', false],
  ['LogLevel', 'DEBUG', true],
  ['LogLevel', 'TRACE', false],
])('parameter %s accepts %j: %s', (name, value, ok) => {
  expect(allowed(name, value)).toBe(ok);
});
