/**
 * One channel skeleton (issue 18, section 2): the email, SMS and webhook templates share one resource shape, one
 * set of outputs and operations parameters, the same least-privilege role, and each function's configuration
 * table (functions/<channel>/config.ts) matches the environment its template sets.
 */

import type { Setting } from '../../functions/common/config';
import { EMAIL_SETTINGS } from '../../functions/email/config';
import { SMS_SETTINGS } from '../../functions/sms/config';
import { WEBHOOK_SETTINGS } from '../../functions/webhook/config';
import { cfnLint, describeFindings, readTemplate, samTranslate, templatePath } from '../../tooling/cfn';
import type { Template } from '../../tooling/cfn-yaml';

const CHANNELS = [
  { name: 'Email', file: 'template-email.yaml', settings: EMAIL_SETTINGS },
  { name: 'Sms', file: 'template-sms.yaml', settings: SMS_SETTINGS },
  { name: 'Webhook', file: 'template-webhook.yaml', settings: WEBHOOK_SETTINGS },
] as const;

/** Resource ids with the channel's own prefix replaced by "Channel", with their types. */
function shape(t: Template, name: string): string[] {
  return Object.entries(t.Resources)
    .map(([id, r]) => `${id.replace(new RegExp(`^${name}`), 'Channel')}: ${r.Type}`)
    .sort();
}

const templates = Object.fromEntries(CHANNELS.map((c) => [c.name, readTemplate(c.file)])) as Record<string, Template>;

test('the three channels have the same resources, outputs and operations parameters', () => {
  const [first, ...rest] = CHANNELS;
  for (const c of rest) {
    expect(shape(templates[c.name], c.name)).toEqual(shape(templates[first.name], first.name));
    expect(Object.keys(templates[c.name].Outputs ?? {}).sort()).toEqual(
      Object.keys(templates[first.name].Outputs ?? {}).sort(),
    );
    for (const p of [
      'SnsTopicArn',
      'FilterPolicy',
      'FilterPolicyScope',
      'ReservedConcurrency',
      'AlarmTopicArn',
      'LogLevel',
    ]) {
      const a = templates[first.name].Parameters?.[p];
      const b = templates[c.name].Parameters?.[p];
      expect([p, b?.Type, b?.Default, b?.AllowedValues]).toEqual([p, a?.Type, a?.Default, a?.AllowedValues]);
    }
  }
  expect(shape(templates.Webhook, 'Webhook')).toEqual(
    [
      'ChannelFunction: AWS::Serverless::Function',
      'ChannelLogGroup: AWS::Logs::LogGroup',
      'ChannelRole: AWS::IAM::Role',
      'FunctionDeadLetterAlarm: AWS::CloudWatch::Alarm',
      'FunctionDeadLetterQueue: AWS::SQS::Queue',
      'IdempotencyTable: AWS::DynamoDB::Table',
      'PausedAlarm: AWS::CloudWatch::Alarm',
      'PausedMetricFilter: AWS::Logs::MetricFilter',
      'SubscriptionDeadLetterAlarm: AWS::CloudWatch::Alarm',
      'SubscriptionDeadLetterQueue: AWS::SQS::Queue',
      'SubscriptionDeadLetterQueuePolicy: AWS::SQS::QueuePolicy',
      'TopicInvokePermission: AWS::Lambda::Permission',
      'TopicSubscription: AWS::SNS::Subscription',
    ].sort(),
  );
});

type Statement = {
  Sid?: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
};
type RoleProps = {
  AssumeRolePolicyDocument: { Statement: { Principal: unknown; Condition?: unknown }[] };
  Policies: { PolicyDocument: { Statement: (Statement | { 'Fn::If': [string, Statement, unknown] })[] } }[];
  ManagedPolicyArns?: unknown;
};
const statements = (role: RoleProps) =>
  role.Policies.flatMap((p) => p.PolicyDocument.Statement).map((s) => ('Fn::If' in s ? s['Fn::If'][1] : s));

describe.each(CHANNELS)('$file', ({ name, settings }) => {
  const t = templates[name];
  const fn = t.Resources[`${name}Function`].Properties as Record<string, unknown>;
  const role = t.Resources[`${name}Role`].Properties as unknown as RoleProps;

  test('its function runs as its own role, logs to its own group and keeps failed events in its DLQ', () => {
    expect(fn.Role).toEqual({ 'Fn::GetAtt': [`${name}Role`, 'Arn'] });
    expect(fn.Policies).toBeUndefined();
    expect(fn.LoggingConfig).toEqual({ LogGroup: { Ref: `${name}LogGroup` } });
    expect(fn.DeadLetterQueue).toEqual({
      Type: 'SQS',
      TargetArn: { 'Fn::GetAtt': ['FunctionDeadLetterQueue', 'Arn'] },
    });
    expect(fn.ReservedConcurrentExecutions).toEqual({
      'Fn::If': ['HasReservedConcurrency', { Ref: 'ReservedConcurrency' }, { Ref: 'AWS::NoValue' }],
    });
  });

  test('the trust policy names the account (aws:SourceAccount) and the role writes only its own logs, not AWSLambdaBasicExecutionRole', () => {
    expect(role.ManagedPolicyArns).toBeUndefined();
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([
      expect.objectContaining({
        Principal: { Service: 'lambda.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      }),
    ]);
    const bySid = Object.fromEntries(statements(role).map((s) => [s.Sid, s]));
    expect(bySid.WriteOwnLogs).toMatchObject({ Resource: { 'Fn::GetAtt': [`${name}LogGroup`, 'Arn'] } });
    expect(bySid.DeadLetter).toMatchObject({ Resource: { 'Fn::GetAtt': ['FunctionDeadLetterQueue', 'Arn'] } });
    expect(bySid.IdempotencyRecords).toMatchObject({ Resource: { 'Fn::GetAtt': ['IdempotencyTable', 'Arn'] } });
    expect(JSON.stringify(statements(role))).not.toContain('"*"');
  });

  test('only the topic, from this account, may invoke the function', () => {
    expect(t.Resources.TopicInvokePermission.Properties).toMatchObject({
      Principal: 'sns.amazonaws.com',
      SourceArn: { Ref: 'SnsTopicArn' },
      SourceAccount: { Ref: 'AWS::AccountId' },
    });
  });

  test('the paused alarm counts the ChannelPaused log lines of this function', () => {
    expect(t.Resources.PausedMetricFilter.Properties).toMatchObject({
      LogGroupName: { Ref: `${name}LogGroup` },
      FilterPattern: '{ $.alarm = "ChannelPaused" }',
    });
  });

  test('the configuration table matches the environment the template sets', () => {
    const vars = (fn.Environment as { Variables: Record<string, unknown> }).Variables;
    const expected: Record<string, unknown> = {};
    for (const s of Object.values(settings) as Setting<unknown>[]) {
      const from = s.from;
      if ('parameter' in from) {
        expect([s.variable, t.Parameters?.[from.parameter] !== undefined]).toEqual([s.variable, true]);
        expected[s.variable] = { Ref: from.parameter };
      } else if ('resource' in from) expected[s.variable] = { Ref: from.resource };
      else if ('pseudo' in from) expected[s.variable] = { Ref: from.pseudo };
      else if ('fixed' in from) expected[s.variable] = from.fixed;
    }
    const own = Object.fromEntries(Object.entries(vars).filter(([k]) => !k.startsWith('POWERTOOLS_')));
    expect(own).toEqual(expected);
  });
});

test('a customer managed key decrypts only the channel secret (encryption context), through Secrets Manager', () => {
  for (const [name, secret] of [
    ['Sms', 'TwilioSecretArn'],
    ['Webhook', 'WebhookSecretArn'],
  ] as const) {
    const role = templates[name].Resources[`${name}Role`].Properties as unknown as RoleProps;
    const kms = statements(role).find((s) => s.Action === 'kms:Decrypt');
    expect(kms?.Condition?.StringEquals).toEqual({
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub string, not a JS template
      'kms:ViaService': { 'Fn::Sub': 'secretsmanager.${AWS::Region}.amazonaws.com' },
      'kms:EncryptionContext:SecretARN': { Ref: secret },
    });
  }
});

test('the email templates are read only from a bucket of the stack account', () => {
  const role = templates.Email.Resources.EmailRole.Properties as unknown as RoleProps;
  const read = statements(role).find((s) => s.Sid === 'ReadTemplates');
  expect(read?.Condition).toEqual({ StringEquals: { 's3:ResourceAccount': { Ref: 'AWS::AccountId' } } });
});

describe('template-webhook.yaml', () => {
  const file = 'template-webhook.yaml';
  test('cfn-lint reports nothing', () => {
    expect(describeFindings(cfnLint(templatePath(file)))).toEqual([]);
  });
  test.each([
    ['slack', {}],
    [
      'pagerduty',
      { FilterPolicy: '{"severity":["critical"]}', FilterPolicyScope: 'MessageBody', DefaultSeverity: 'critical' },
    ],
    [
      'generic',
      {
        BodyTemplate: '{"text":"{{subject}}"}',
        WebhookSecretKmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
        ReservedConcurrency: '2',
        AlarmTopicArn: 'arn:aws:sns:us-east-1:123456789012:ops',
      },
    ],
  ])('translated with preset %s the template is cfn-lint clean', (preset, extra) => {
    const t = structuredClone(templates.Webhook);
    (t.Resources.WebhookFunction.Properties as Record<string, unknown>).CodeUri = 's3://bucket/webhook.zip';
    const cfn = samTranslate(t, {
      SnsTopicArn: 'arn:aws:sns:us-east-1:123456789012:alerts',
      Preset: preset,
      WebhookSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:cloud-cron/hook-AbCdEf',
      ...extra,
    });
    expect(describeFindings(cfnLint(cfn))).toEqual([]);
    expect(Object.values(cfn.Resources).filter((r) => r.Type === 'AWS::IAM::Role')).toHaveLength(1);
  });
});
