/**
 * template-email.yaml: cfn-lint clean, SAM-translatable, SAR-publishable, parameter constraints that accept what
 * they should and refuse the rest, and least-privilege IAM as CloudFormation would resolve it.
 */
import { readFileSync } from 'node:fs';
import { cfnLint, describeFindings, readTemplate, samTranslate, templatePath } from '../../tooling/cfn';
import type { Template } from '../../tooling/cfn-yaml';
import { SAR_SUPPORTED_RESOURCE_TYPES, sarProblems } from '../../tooling/sar';
import { resolver } from '../../tooling/template-env';

const FILE = 'template-email.yaml';
const REQUIRED = {
  SnsTopicArn: 'arn:aws:sns:us-east-1:123456789012:cron-results',
  Sender: 'Cloud Cron <cron@mail.example.com>',
  Recipients: 'a@example.org',
};

const template = readTemplate(FILE);

type Statement = {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: unknown;
};

let translatedOnce: Template | undefined;

/**
 * The translated template with every intrinsic resolved for the given parameter values. SAM keeps the
 * intrinsics of this template (it resolves none of them), so one translation serves every parameter set.
 */
function deployed(parameters: Record<string, string>) {
  translatedOnce ??= samTranslate(templatePath(FILE), REQUIRED);
  const translated = translatedOnce;
  // Resources and attributes stand as <Name> and <Name.Attribute>: only the policies' shape matters here.
  const resources = resolver(translated, { parameters: { ...REQUIRED, ...parameters }, placeholders: true }).value(
    translated.Resources,
  ) as Record<string, { Type: string; Properties: Record<string, unknown> }>;
  const role = resources.EmailRole.Properties as {
    Policies: { PolicyName: string; PolicyDocument: { Statement: Statement[] } }[];
    ManagedPolicyArns?: string[];
  };
  const statements = role.Policies.flatMap((p) => p.PolicyDocument.Statement);
  return { resources, role, statements };
}

const allowedPattern = (name: string) => {
  const p = template.Parameters?.[name];
  if (!p?.AllowedPattern) throw new Error(`${name} has no AllowedPattern`);
  return new RegExp(p.AllowedPattern);
};

describe('template-email.yaml', () => {
  test('cfn-lint reports nothing at all', () => {
    expect(describeFindings(cfnLint(templatePath(FILE)))).toEqual([]);
  });

  test('is publishable to the Serverless Application Repository', () => {
    expect(sarProblems(template, templatePath(FILE))).toEqual([]);
    expect(template.Transform).toBe('AWS::Serverless-2016-10-31');
    const meta = template.Metadata?.['AWS::ServerlessRepo::Application'] as Record<string, unknown>;
    expect(meta).toMatchObject({
      Name: 'cloud-cron-email',
      Author: 'cloud-cron',
      SpdxLicenseId: 'MIT',
      ReadmeUrl: 'docs/email.md',
    });
  });

  test('every parameter has a description and a constraint; every output a description', () => {
    for (const [name, p] of Object.entries(template.Parameters ?? {})) {
      expect([name, Boolean(p.Description)]).toEqual([name, true]);
      const constrained = p.AllowedPattern || p.AllowedValues || p.MaxLength !== undefined || p.MaxValue !== undefined;
      expect([name, Boolean(constrained)]).toEqual([name, true]);
      if (p.AllowedPattern) expect([name, Boolean(p.ConstraintDescription)]).toEqual([name, true]);
    }
    for (const [name, o] of Object.entries(template.Outputs ?? {}))
      expect([name, Boolean(o.Description)]).toEqual([name, true]);
  });

  test('every resource is introduced by a why-comment', () => {
    const lines = readFileSync(templatePath(FILE), 'utf8').split('\n');
    for (const id of Object.keys(template.Resources)) {
      const at = lines.indexOf(`  ${id}:`);
      expect([id, lines[at - 1]?.trim().startsWith('#')]).toEqual([id, true]);
    }
  });

  test('translates with only the required parameters, into SAR-supported resource types', () => {
    const { resources } = deployed({});
    for (const [id, r] of Object.entries(resources))
      expect([id, SAR_SUPPORTED_RESOURCE_TYPES.includes(r.Type)]).toEqual([id, true]);
    expect(Object.values(resources).map((r) => r.Type)).not.toContain('AWS::Lambda::EventInvokeConfig');
  });
});

describe('parameter constraints', () => {
  test.each([
    [
      'SnsTopicArn',
      ['arn:aws:sns:eu-west-1:123456789012:my_topic-1', 'arn:aws-us-gov:sns:us-gov-west-1:123456789012:t'],
      ['arn:aws:sns:us-east-1:123456789012:t.fifo', 'arn:aws:sqs:us-east-1:123456789012:q', 'cron-results', ''],
    ],
    [
      'Sender',
      ['cron@example.com', 'Cloud Cron <cron@example.com>', 'Équipe <a.b+c@mail.example.co.uk>', '<cron@example.com>'],
      ['cron', 'A <b> <c@example.com>', 'Name <cron@example.com', 'a@b', 'Evil\r\n <a@example.com>', ''],
    ],
    [
      'Recipients',
      ['a@example.org', 'a@example.org,b@example.org', 'a@example.org , b@example.org'],
      ['', 'a@example.org,', 'Bob <b@example.org>', 'a@example.org;b@example.org'],
    ],
    ['CcRecipients', ['', 'a@example.org, b@example.org'], ['a@', ',']],
    [
      'TemplatesS3Uri',
      ['', 's3://my-bucket/email/', 's3://my.bucket/a/b/c/'],
      ['s3://my-bucket/', 's3://my-bucket/email', 'https://my-bucket/email/', 's3://My-Bucket/email/', 's3://b/a:b/'],
    ],
    [
      'FilterPolicy',
      ['', '{"severity":["error"]}', '{\n  "job": [{"prefix": "nightly"}]\n}'],
      ['["error"]', 'severity=error'],
    ],
    ['ConfigurationSetName', ['', 'cron_mail-1'], ['has space', 'x'.repeat(65)]],
    ['AlarmTopicArn', ['', 'arn:aws:sns:us-east-1:123456789012:alarms'], ['alarms']],
  ])('%s accepts good values and refuses bad ones', (name, good, bad) => {
    const pattern = allowedPattern(name);
    for (const v of good) expect([name, v, pattern.test(v)]).toEqual([name, v, true]);
    for (const v of bad) expect([name, v, pattern.test(v)]).toEqual([name, v, false]);
  });

  test('FilterPolicyScope and LogLevel take only their listed values', () => {
    expect(template.Parameters?.FilterPolicyScope?.AllowedValues).toEqual(['MessageAttributes', 'MessageBody']);
    expect(template.Parameters?.LogLevel?.AllowedValues).toEqual(['DEBUG', 'INFO', 'WARN', 'ERROR']);
  });
});

describe('least privilege', () => {
  const sesStatement = (statements: Statement[]) => statements.find((s) => s.Sid === 'SendAsSenderOnly');

  test.each([
    ['Cloud Cron <cron@mail.example.com>', 'cron@mail.example.com', 'mail.example.com'],
    ['cron@example.com', 'cron@example.com', 'example.com'],
    ['<ops@example.net>', 'ops@example.net', 'example.net'],
  ])('Sender %j may send only as %s, through its address or domain identity', (sender, address, domain) => {
    const { statements } = deployed({ Sender: sender });
    expect(sesStatement(statements)).toEqual({
      Sid: 'SendAsSenderOnly',
      Effect: 'Allow',
      Action: 'ses:SendEmail',
      Resource: [
        `arn:aws:ses:us-east-1:123456789012:identity/${address}`,
        `arn:aws:ses:us-east-1:123456789012:identity/${domain}`,
      ],
      Condition: { StringEquals: { 'ses:FromAddress': address } },
    });
  });

  test('a configuration set adds its own ARN', () => {
    const { statements } = deployed({ ConfigurationSetName: 'tracked' });
    expect(sesStatement(statements)?.Resource).toContain(
      'arn:aws:ses:us-east-1:123456789012:configuration-set/tracked',
    );
  });

  test('the idempotency table: single-item reads and writes on that table only', () => {
    const { statements } = deployed({});
    expect(statements.find((s) => s.Sid === 'IdempotencyRecords')).toEqual({
      Sid: 'IdempotencyRecords',
      Effect: 'Allow',
      Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
      Resource: '<IdempotencyTable.Arn>',
    });
  });

  test('S3: no access without TemplatesS3Uri; with it, GetObject under the prefix only', () => {
    expect(deployed({}).statements.filter((s) => JSON.stringify(s.Action).includes('s3:'))).toEqual([]);
    const { statements } = deployed({ TemplatesS3Uri: 's3://team-templates/email/nightly/' });
    expect(statements.filter((s) => JSON.stringify(s.Action).includes('s3:'))).toEqual([
      {
        Sid: 'ReadTemplates',
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: 'arn:aws:s3:::team-templates/email/nightly/*',
        Condition: { StringEquals: { 's3:ResourceAccount': '123456789012' } },
      },
    ]);
  });

  test('no statement uses a wildcard resource; no managed policy is attached', () => {
    const { statements, role } = deployed({ TemplatesS3Uri: 's3://b-1/p/', ConfigurationSetName: 'c' });
    for (const s of statements) {
      for (const r of ([] as string[]).concat(s.Resource)) expect([s.Sid, r]).not.toEqual([s.Sid, '*']);
    }
    expect(role.ManagedPolicyArns).toBeUndefined();
    expect(statements.map((s) => s.Sid)).toEqual([
      'WriteOwnLogs',
      'SendAsSenderOnly',
      'IdempotencyRecords',
      'DeadLetter',
      'ReadTemplates',
    ]);
    expect(statements.find((s) => s.Sid === 'WriteOwnLogs')?.Resource).toBe('<EmailLogGroup.Arn>');
    expect(statements.find((s) => s.Sid === 'DeadLetter')?.Resource).toBe('<FunctionDeadLetterQueue.Arn>');
  });
});

describe('wiring', () => {
  test('the function: its environment comes from the parameters, its dead-letter queue is the template queue', () => {
    const { resources } = deployed({ ReplyTo: 'r@example.org', LogLevel: 'DEBUG' });
    const fn = resources.EmailFunction.Properties as Record<string, never>;
    expect(fn.Runtime).toBe('nodejs24.x');
    expect(fn.Handler).toBe('index.handler');
    expect(fn.DeadLetterConfig).toEqual({ TargetArn: '<FunctionDeadLetterQueue.Arn>' });
    expect((fn.Environment as { Variables: Record<string, string> }).Variables).toEqual({
      SENDER: REQUIRED.Sender,
      RECIPIENTS: REQUIRED.Recipients,
      CC_RECIPIENTS: '',
      BCC_RECIPIENTS: '',
      REPLY_TO: 'r@example.org',
      SUBJECT_TEMPLATE: '',
      HTML_TEMPLATE: '',
      TEXT_TEMPLATE: '',
      TEMPLATES_S3_URI: '',
      TEMPLATES_BUCKET_OWNER: '123456789012',
      CONFIGURATION_SET_NAME: '',
      IDEMPOTENCY_TABLE: '<IdempotencyTable>',
      POWERTOOLS_SERVICE_NAME: 'cloud-cron-email',
      POWERTOOLS_LOG_LEVEL: 'DEBUG',
    });
  });

  test('the subscription: filter policy and scope only when given, undeliverable messages to its own queue', () => {
    const plain = deployed({}).resources.TopicSubscription.Properties;
    expect(plain).toEqual({
      TopicArn: REQUIRED.SnsTopicArn,
      Protocol: 'lambda',
      Endpoint: '<EmailFunction.Arn>',
      RedrivePolicy: { deadLetterTargetArn: '<SubscriptionDeadLetterQueue.Arn>' },
    });
    const filtered = deployed({ FilterPolicy: '{"severity":["error"]}', FilterPolicyScope: 'MessageBody' }).resources
      .TopicSubscription.Properties;
    expect(filtered).toMatchObject({ FilterPolicy: '{"severity":["error"]}', FilterPolicyScope: 'MessageBody' });
  });

  test('only this topic may invoke the function and write to the subscription dead-letter queue', () => {
    const { resources } = deployed({});
    expect(resources.TopicInvokePermission.Properties).toEqual({
      Action: 'lambda:InvokeFunction',
      FunctionName: '<EmailFunction>',
      Principal: 'sns.amazonaws.com',
      SourceArn: REQUIRED.SnsTopicArn,
      SourceAccount: '123456789012',
    });
    const policy = resources.SubscriptionDeadLetterQueuePolicy.Properties as {
      PolicyDocument: { Statement: unknown[] };
    };
    expect(policy.PolicyDocument.Statement).toEqual([
      {
        Sid: 'SnsRedrive',
        Effect: 'Allow',
        Principal: { Service: 'sns.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: '<SubscriptionDeadLetterQueue.Arn>',
        Condition: { ArnEquals: { 'aws:SourceArn': REQUIRED.SnsTopicArn } },
      },
    ]);
  });

  test('the idempotency table expires records on the `expiration` attribute', () => {
    expect(deployed({}).resources.IdempotencyTable.Properties).toMatchObject({
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
    });
  });

  test('the ChannelPaused alarm watches the metric its filter produces, for this function', () => {
    const { resources } = deployed({ AlarmTopicArn: 'arn:aws:sns:us-east-1:123456789012:alarms' });
    const filter = resources.PausedMetricFilter.Properties as {
      FilterPattern: string;
      LogGroupName: string;
      MetricTransformations: {
        MetricNamespace: string;
        MetricName: string;
        Dimensions: { Key: string; Value: string }[];
      }[];
    };
    expect(filter.FilterPattern).toBe('{ $.alarm = "ChannelPaused" }');
    expect(filter.LogGroupName).toBe('<EmailLogGroup>');
    expect((resources.EmailFunction.Properties.LoggingConfig as { LogGroup: string }).LogGroup).toBe('<EmailLogGroup>');
    const [metric] = filter.MetricTransformations;
    expect(resources.PausedAlarm.Properties).toMatchObject({
      Namespace: metric.MetricNamespace,
      MetricName: metric.MetricName,
      Dimensions: [{ Name: metric.Dimensions[0].Key, Value: '<EmailFunction>' }],
      AlarmActions: ['arn:aws:sns:us-east-1:123456789012:alarms'],
    });
    // Powertools Logger writes the function name as function_name: the dimension's source.
    expect(metric.Dimensions[0].Value).toBe('$.function_name');
    expect(deployed({}).resources.PausedAlarm.Properties.AlarmActions).toBeUndefined();
  });

  test('both dead-letter queues have an alarm', () => {
    const { resources } = deployed({});
    const watched = Object.values(resources)
      .filter((r) => r.Type === 'AWS::CloudWatch::Alarm' && r.Properties.Namespace === 'AWS/SQS')
      .map((r) => (r.Properties.Dimensions as { Value: string }[])[0].Value);
    expect(watched.sort()).toEqual(['<FunctionDeadLetterQueue.QueueName>', '<SubscriptionDeadLetterQueue.QueueName>']);
  });
});
