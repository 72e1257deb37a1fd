/**
 * The built macro (dist/macro) run on the real template-scheduled-lambda.yaml for several parameter sets;
 * each output goes through the SAM translator and cfn-lint, which must report nothing.
 */

import { scheduleInput, substituteSchedulerContext } from '../../functions/common/runs/job-context';
import type { MacroResponse } from '../../functions/macro/index';
import { buildAll } from '../../tooling/build';
import { cfnLint, describeFindings, readTemplate, samTranslate, writeTemplate } from '../../tooling/cfn';
import type { Template } from '../../tooling/cfn-yaml';
import { invokeBundle } from '../../tooling/invoke';
import { ROOT } from '../../tooling/paths';
import { resolver } from '../../tooling/template-env';

const TEMPLATE = 'template-scheduled-lambda.yaml';
const IMAGE = `123456789012.dkr.ecr.us-east-1.amazonaws.com/nightly-report@sha256:${'a'.repeat(64)}`;
const BUS = 'arn:aws:events:us-east-1:123456789012:event-bus/cloud-cron-runs';
const OPS = 'arn:aws:sns:us-east-1:123456789012:ops';
const topic = (i: number, region = 'us-east-1') => `arn:aws:sns:${region}:123456789012:cloud-cron-topic-${i}`;

type Case = { name: string; params: Record<string, string>; topics: Record<string, string> };

const twenty = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`TOPIC_${i}`, topic(i)]));
const CASES: Case[] = [
  { name: 'no topics, defaults', params: {}, topics: {} },
  { name: 'one topic', params: { SnsTopics: `ALERTS=${topic(1)}` }, topics: { ALERTS: topic(1) } },
  {
    name: 'twenty topics as JSON',
    params: { SnsTopics: JSON.stringify(twenty) },
    topics: twenty,
  },
  {
    name: 'every optional feature on',
    params: {
      SnsTopics: `ALERTS=${topic(1)}\nFIFO=arn:aws:sns:eu-west-1:210987654321:orders.fifo`,
      ScheduleExpression: 'cron(30 7 ? * MON-FRI *)',
      ScheduleTimezone: 'Europe/Berlin',
      SchedulePayload: '{"report":"daily"}',
      ScheduleState: 'DISABLED',
      ScheduleStartDate: '2030-01-01T00:00:00Z',
      ScheduleEndDate: '2030-12-31T23:59:59Z',
      FlexibleWindowMinutes: '15',
      Architecture: 'arm64',
      MemorySize: '2048',
      Timeout: '900',
      ImageCommand: 'node,job.js',
      ManagedPolicyArns: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess,arn:aws:iam::123456789012:policy/job-data',
      FailureTopicArn: 'arn:aws:sns:us-east-1:123456789012:ops',
      MaximumRetryAttempts: '0',
      PreventOverlap: 'true',
      LogRetentionDays: '7',
      SubnetIds: 'subnet-0123456789abcdef0,subnet-0123456789abcdef1',
      SecurityGroupIds: 'sg-0123456789abcdef0',
    },
    topics: { ALERTS: topic(1), FIFO: 'arn:aws:sns:eu-west-1:210987654321:orders.fifo' },
  },
  {
    name: 'one-time at() schedule in another zone',
    params: {
      ScheduleExpression: 'at(2031-03-30T02:30:00)',
      ScheduleTimezone: 'America/New_York',
      SnsTopics: `RESULTS=${topic(2, 'cn-north-1').replace('arn:aws:', 'arn:aws-cn:')}`,
    },
    topics: { RESULTS: 'arn:aws-cn:sns:cn-north-1:123456789012:cloud-cron-topic-2' },
  },
  {
    name: 'wired to the Runs app, with a failure topic and the job context',
    params: {
      SnsTopics: `ALERTS=${topic(1)}`,
      RunsEventBusArn: BUS,
      FailureTopicArn: OPS,
      ScheduleContext: 'true',
      SchedulePayload: '{"report":"daily","payload":"user key"}',
      MissedRunGraceMinutes: '10',
      ScheduleExpression: 'cron(0 8 ? * MON-FRI *)',
      ScheduleTimezone: 'Europe/Paris',
    },
    topics: { ALERTS: topic(1) },
  },
  {
    name: 'wired to the Runs app, no failure topic',
    params: { RunsEventBusArn: BUS, ScheduleExpression: 'at(2031-01-31T09:00:00)' },
    topics: {},
  },
];

type Processed = { c: Case; sam: Template; cfn: Template };
let processed: Processed[];

beforeAll(async () => {
  await buildAll(ROOT, ['macro']);
  const template = readTemplate(TEMPLATE);
  const events = CASES.map((c, i) => ({
    region: 'us-east-1',
    accountId: '123456789012',
    transformId: '123456789012::CloudCron',
    requestId: `req-${i}`,
    params: {},
    fragment: template,
    templateParameterValues: { LambdaImageUri: IMAGE, ...c.params },
  }));
  const results = await invokeBundle<MacroResponse>('macro', events, {});
  processed = results.map((r, i) => {
    if (!r.ok) throw new Error(`macro threw for ${CASES[i].name}: ${r.error.message}`);
    if (r.result.status !== 'success') throw new Error(`macro refused ${CASES[i].name}: ${r.result.errorMessage}`);
    // CloudFormation hands the SAM transform what the macro returned; the macro has run, so only SAM remains.
    const sam: Template = { ...r.result.fragment, Transform: 'AWS::Serverless-2016-10-31' };
    const cfn = samTranslate(sam, { LambdaImageUri: IMAGE, ...CASES[i].params });
    return { c: CASES[i], sam, cfn };
  });
}, 180000);

test('cfn-lint reports nothing on the template itself', () => {
  expect(describeFindings(cfnLint(`${ROOT}/${TEMPLATE}`))).toEqual([]);
});

test('cfn-lint reports nothing on the macro output and on its SAM translation, for every parameter set', () => {
  const files = processed.flatMap((p, i) => [
    writeTemplate(p.sam, `sam-${i}.json`),
    writeTemplate(p.cfn, `cfn-${i}.json`),
  ]);
  expect(describeFindings(cfnLint(...files))).toEqual([]);
});

describe.each(CASES.map((c, i) => [c.name, i] as const))('%s', (_name, i) => {
  test('the function gets exactly one variable per topic and publish rights on exactly those ARNs', () => {
    const { c, cfn } = processed[i];
    const fn = cfn.Resources.JobFunction.Properties as { Environment?: { Variables: Record<string, string> } };
    const role = cfn.Resources.JobRole.Properties as {
      Policies: { PolicyName: string; PolicyDocument: { Statement: unknown[] } }[];
    };
    const publish = role.Policies.find((p) => p.PolicyName === 'CloudCronSnsPublish');
    if (Object.keys(c.topics).length === 0) {
      expect(fn.Environment).toBeUndefined();
      expect(publish).toBeUndefined();
    } else {
      expect(fn.Environment?.Variables).toEqual(c.topics);
      expect(publish?.PolicyDocument.Statement).toEqual([
        { Effect: 'Allow', Action: 'sns:Publish', Resource: [...new Set(Object.values(c.topics))] },
      ]);
    }
    // No statement anywhere allows sns:Publish on "*".
    expect(JSON.stringify(cfn)).not.toMatch(/"sns:Publish"[^\]]*"Resource":\s*"\*"/);
  });

  test('an EventBridge Scheduler schedule invokes the function, with a dead-letter queue', () => {
    const { cfn } = processed[i];
    const schedule = cfn.Resources.JobFunctionSchedule;
    expect(schedule.Type).toBe('AWS::Scheduler::Schedule');
    const target = (schedule.Properties as { Target: Record<string, unknown> }).Target;
    expect(target.Arn).toEqual({ 'Fn::GetAtt': ['JobFunction', 'Arn'] });
    expect(target.DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': ['ScheduleDeadLetterQueue', 'Arn'] } });
    expect(schedule.Properties?.Name).toBeUndefined();
  });
});

test('the processed template keeps every output the issue names', () => {
  for (const { cfn } of processed) {
    expect(Object.keys(cfn.Outputs ?? {})).toEqual(
      expect.arrayContaining([
        'FunctionName',
        'FunctionArn',
        'RoleArn',
        'ScheduleArn',
        'DeadLetterQueueUrl',
        'DeadLetterQueueArn',
      ]),
    );
  }
});

test('the built macro refuses bad parameter values of the real template with a message naming them', async () => {
  const template = readTemplate(TEMPLATE);
  const bad: [Record<string, string>, RegExp][] = [
    [{ SnsTopics: 'ALERTS=arn:aws:sqs:us-east-1:123456789012:q' }, /SnsTopics entry "ALERTS".*not an SNS topic ARN/],
    [{ ScheduleExpression: 'cron(0 8 * * MON *)' }, /JobFunction event Schedule: .*cron\(0 8 \* \* MON \*\)/],
    [{ ScheduleTimezone: 'Europe/Pariss' }, /Europe\/Pariss/],
    [{ SchedulePayload: '{report: daily}' }, /Input .* is not valid JSON/],
    // Wrapped in the job context, the payload is still checked (the macro resolves Fn::If and Fn::Sub).
    [{ SchedulePayload: '{report: daily}', ScheduleContext: 'true' }, /Input .* is not valid JSON/],
  ];
  const results = await invokeBundle<MacroResponse>(
    'macro',
    bad.map(([params], i) => ({
      requestId: `bad-${i}`,
      fragment: template,
      templateParameterValues: { LambdaImageUri: IMAGE, ...params },
    })),
    {},
  );
  results.forEach((r, i) => {
    expect(r.ok && r.result.status).toBe('failure');
    expect(r.ok && r.result.status === 'failure' && r.result.errorMessage).toMatch(bad[i][1]);
  });
});

type Res = { Type: string; Condition?: string; Properties: Record<string, unknown> };
const res = (p: Processed, id: string) => p.cfn.Resources[id] as Res | undefined;
const byName = (name: string) => processed.find((p) => p.c.name === name)!;
const statements = (p: Processed, roleId: string) =>
  (res(p, roleId)!.Properties.Policies as { PolicyDocument: { Statement: unknown[] } }[]).flatMap(
    (x) => x.PolicyDocument.Statement,
  );
/** A value of the processed template as CloudFormation would resolve it for the case's parameters. */
const resolved = (p: Processed, v: unknown) =>
  resolver(p.cfn, {
    parameters: { LambdaImageUri: IMAGE, ...p.c.params },
    resources: { JobFunction: 'job-fn' },
    attributes: {
      'JobFunction.Arn': 'arn:aws:lambda:us-east-1:123456789012:function:job-fn',
      'RunsAlertRole.Arn': 'role',
      'JobFunctionSchedule.Arn': 'schedule',
      'JobLogGroup.Arn': 'log-group',
      'RunDeadLetterQueue.Arn': 'dlq',
    },
  }).value(v);

describe('wired to the Runs app (RunsEventBusArn set)', () => {
  const wired = () => byName('wired to the Runs app, with a failure topic and the job context');

  test('both destinations go to the Runs bus, and the job role may put only "lambda" events on it', () => {
    for (const p of [wired(), byName('wired to the Runs app, no failure topic')]) {
      expect(resolved(p, res(p, 'JobInvokeConfig')!.Properties.DestinationConfig)).toEqual({
        OnSuccess: { Destination: BUS },
        OnFailure: { Destination: BUS },
      });
      const put = (resolved(p, statements(p, 'JobRole')) as { Action: string }[]).filter(
        (st) => st.Action === 'events:PutEvents',
      );
      expect(put).toEqual([
        {
          Effect: 'Allow',
          Action: 'events:PutEvents',
          Resource: BUS,
          Condition: { StringEquals: { 'events:source': 'lambda' } },
        },
      ]);
    }
  });

  test('the stack registers the job with the registrar named after the bus, after its invoke config exists', () => {
    const p = wired();
    const reg = p.cfn.Resources.RunsRegistration as Res & { DependsOn?: string | string[] };
    expect(reg.Type).toBe('AWS::CloudFormation::CustomResource');
    expect(reg.Condition).toBe('WiredToRuns');
    expect([reg.DependsOn].flat()).toContain('JobInvokeConfig');
    const props = resolved(p, reg.Properties) as Record<string, unknown>;
    expect(props.ServiceToken).toBe('arn:aws:lambda:us-east-1:123456789012:function:cloud-cron-runs-registrar');
    expect(props).toMatchObject({
      FunctionName: 'job-fn',
      ScheduleArn: 'schedule',
      MissedRunGraceMinutes: '10',
      ScheduleContext: 'true',
    });
  });

  test("FailureTopicArn is still notified: the stack forwards its own job's failed and missed runs with its own role", () => {
    const p = wired();
    const rule = resolved(p, res(p, 'RunsAlertRule')!.Properties) as {
      EventBusName: string;
      EventPattern: Record<string, unknown>;
      Targets: Record<string, unknown>[];
    };
    expect(rule.EventBusName).toBe(BUS);
    expect(rule.EventPattern).toEqual({
      source: ['cloud-cron.runs'],
      'detail-type': ['Cloud Cron Run Failed', 'Cloud Cron Run Missed'],
      detail: { job: ['job-fn'] },
    });
    expect(rule.Targets).toEqual([{ Id: 'FailureTopic', Arn: OPS, RoleArn: 'role', InputPath: '$.detail' }]);
    expect(resolved(p, statements(p, 'RunsAlertRole'))).toEqual([
      { Effect: 'Allow', Action: 'sns:Publish', Resource: OPS },
    ]);
    const trust = resolved(
      p,
      (res(p, 'RunsAlertRole')!.Properties.AssumeRolePolicyDocument as { Statement: unknown[] }).Statement,
    );
    expect(trust).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: {
          StringEquals: { 'aws:SourceAccount': '123456789012' },
          ArnLike: { 'aws:SourceArn': 'arn:aws:events:us-east-1:123456789012:rule/cloud-cron-runs/*' },
        },
      },
    ]);
    // The job's own role no longer needs to publish to the failure topic.
    expect(JSON.stringify(resolved(p, statements(p, 'JobRole')))).not.toContain(OPS);
    expect(resolved(p, { 'Fn::If': ['ForwardsRunAlerts', 'yes', 'no'] })).toBe('yes');
    const other = byName('wired to the Runs app, no failure topic');
    expect(resolved(other, { 'Fn::If': ['ForwardsRunAlerts', 'yes', 'no'] })).toBe('no');
  });

  test('the job context wraps the payload in the documented envelope the Scheduler fills in', () => {
    const p = wired();
    const target = (res(p, 'JobFunctionSchedule')!.Properties as { Target: { Input: unknown } }).Target;
    const input = resolved(p, target.Input) as string;
    expect(input).toBe(scheduleInput(p.c.params.SchedulePayload));
    const event = JSON.parse(
      substituteSchedulerContext(input, {
        scheduledTime: '2030-01-07T07:00:00Z',
        executionId: 'exec-1',
        attempt: 1,
        scheduleArn: 'arn:aws:scheduler:us-east-1:123456789012:schedule/default/s',
      }),
    );
    expect(event).toEqual({
      payload: { report: 'daily', payload: 'user key' },
      cloudCron: {
        scheduledTime: '2030-01-07T07:00:00Z',
        executionId: 'exec-1',
        attempt: '1',
        scheduleArn: 'arn:aws:scheduler:us-east-1:123456789012:schedule/default/s',
        trigger: 'schedule',
      },
    });
  });
});

test('not wired: the on-failure record still goes to FailureTopicArn, nothing of the Runs app is created', () => {
  const p = byName('every optional feature on');
  expect(resolved(p, res(p, 'JobInvokeConfig')!.Properties.DestinationConfig)).toEqual({
    OnFailure: { Destination: 'arn:aws:sns:us-east-1:123456789012:ops' },
  });
  for (const id of ['RunsRegistration', 'RunsAlertRule', 'RunsAlertRole', 'DestinationDeliveryAlarm']) {
    expect(resolved(p, { 'Fn::If': [res(p, id)!.Condition!, 'created', 'absent'] })).toBe('absent');
  }
  const target = (res(p, 'JobFunctionSchedule')!.Properties as { Target: { Input: unknown } }).Target;
  expect(resolved(p, target.Input)).toBe('{"report":"daily"}');
});

test('every role of the processed template is trusted by its service for this account only (aws:SourceAccount)', () => {
  for (const p of processed) {
    // Only the roles this parameter set creates (a role under a false Condition does not exist and is not resolved).
    const roles = Object.entries(p.cfn.Resources).filter(
      ([, r]) =>
        r.Type === 'AWS::IAM::Role' &&
        (!r.Condition || resolved(p, { 'Fn::If': [r.Condition, 'created', 'absent'] }) === 'created'),
    );
    expect(roles.map(([id]) => id)).toEqual(expect.arrayContaining(['JobRole', 'ScheduleRole']));
    for (const [id, role] of roles) {
      const trust = resolved(p, (role.Properties!.AssumeRolePolicyDocument as { Statement: unknown[] }).Statement) as {
        Condition?: { StringEquals?: Record<string, string> };
      }[];
      for (const st of trust)
        expect([id, st.Condition?.StringEquals?.['aws:SourceAccount']]).toEqual([id, '123456789012']);
    }
    // The schedule uses that role, which may invoke exactly this function and dead-letter to exactly its queue.
    const target = (res(p, 'JobFunctionSchedule')!.Properties as { Target: { RoleArn: unknown } }).Target;
    expect(target.RoleArn).toEqual({ 'Fn::GetAtt': ['ScheduleRole', 'Arn'] });
    expect(statements(p, 'ScheduleRole')).toEqual([
      { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: { 'Fn::GetAtt': ['JobFunction', 'Arn'] } },
      { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': ['ScheduleDeadLetterQueue', 'Arn'] } },
    ]);
  }
});

test('not wired: Lambda publishes the on-failure record to FailureTopicArn with the job role, which may publish there', () => {
  const p = byName('every optional feature on');
  const publish = (resolved(p, statements(p, 'JobRole')) as { Action: string; Resource: unknown }[]).filter(
    (st) => st.Action === 'sns:Publish',
  );
  // Its own statement, beside the macro's CloudCronSnsPublish on the SnsTopics.
  expect(publish).toContainEqual({ Effect: 'Allow', Action: 'sns:Publish', Resource: OPS });
  // Wired to the Runs app, the job role no longer publishes there: the stack's alert rule does.
  const wired = byName('wired to the Runs app, with a failure topic and the job context');
  expect(JSON.stringify(resolved(wired, statements(wired, 'JobRole')))).not.toContain(OPS);
});

test('FailureTopicArn takes a standard topic only: Lambda destinations and alarm actions cannot use FIFO topics', () => {
  const param = readTemplate(TEMPLATE).Parameters!.FailureTopicArn as { AllowedPattern: string };
  const allowed = new RegExp(param.AllowedPattern);
  expect(allowed.test('')).toBe(true);
  expect(allowed.test(OPS)).toBe(true);
  expect(allowed.test(`${OPS}.fifo`)).toBe(false);
  expect(allowed.test('arn:aws:sqs:us-east-1:123456789012:ops')).toBe(false);
});
