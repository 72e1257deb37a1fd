import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MacroError } from '../../../functions/macro/errors';
import { handler, type MacroEvent } from '../../../functions/macro/index';
import { parseSnsTopics } from '../../../functions/macro/sns-topics';
import { POLICY_NAME, transform } from '../../../functions/macro/transform';
import type { Template } from '../../../tooling/cfn-yaml';
import { EVENTS } from '../../../tooling/paths';

const ARN = (name: string, region = 'us-east-1', partition = 'aws') =>
  `arn:${partition}:sns:${region}:123456789012:${name}`;

function fragment(extra: Partial<Template> = {}, fn: Record<string, unknown> = {}): Template {
  return {
    Parameters: { SnsTopics: { Type: 'String', Default: '' } },
    Resources: {
      Job: {
        Type: 'AWS::Serverless::Function',
        Properties: { PackageType: 'Image', ImageUri: 'x', ...fn },
      },
    },
    ...extra,
  };
}

const env = (t: Template, id = 'Job') =>
  (t.Resources[id].Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
const policies = (t: Template, id = 'Job') => t.Resources[id].Properties?.Policies as unknown[];

describe('parseSnsTopics', () => {
  test.each([
    ['', []],
    ['   ', []],
    [`A1=${ARN('a')}`, [{ name: 'A1', arn: ARN('a') }]],
    [
      ` ALERTS = ${ARN('a')} ,, REPORTS=${ARN('r')} `,
      [
        { name: 'ALERTS', arn: ARN('a') },
        { name: 'REPORTS', arn: ARN('r') },
      ],
    ],
    [
      `ALERTS=${ARN('a')}\nREPORTS=${ARN('r')}\n\n`,
      [
        { name: 'ALERTS', arn: ARN('a') },
        { name: 'REPORTS', arn: ARN('r') },
      ],
    ],
    [
      `ALERTS=${ARN('a')}\r\n,REPORTS=${ARN('r')}`,
      [
        { name: 'ALERTS', arn: ARN('a') },
        { name: 'REPORTS', arn: ARN('r') },
      ],
    ],
    [
      JSON.stringify({ ALERTS: ARN('a'), Reports_2: ARN('r') }),
      [
        { name: 'ALERTS', arn: ARN('a') },
        { name: 'Reports_2', arn: ARN('r') },
      ],
    ],
    ['{}', []],
    [`CN=${ARN('t', 'cn-north-1', 'aws-cn')}`, [{ name: 'CN', arn: ARN('t', 'cn-north-1', 'aws-cn') }]],
    [`GOV=${ARN('t', 'us-gov-west-1', 'aws-us-gov')}`, [{ name: 'GOV', arn: ARN('t', 'us-gov-west-1', 'aws-us-gov') }]],
    [`FIFO=${ARN('orders.fifo', 'eu-west-3')}`, [{ name: 'FIFO', arn: ARN('orders.fifo', 'eu-west-3') }]],
    [
      `X_=${'arn:aws:sns:ap-southeast-2:999999999999:other-account'}`,
      [{ name: 'X_', arn: 'arn:aws:sns:ap-southeast-2:999999999999:other-account' }],
    ],
  ])('accepts %j', (input, expected) => {
    expect(parseSnsTopics(input)).toEqual(expected);
  });

  // Each bad map is refused with a message that names the entry and says what to fix.
  test.each([
    [`ALERTS`, /entry "ALERTS" has no "="/],
    [`ALERTS ${ARN('a')}`, /has no "="/],
    [`=${ARN('a')}`, /"" is not a valid environment variable name/],
    [`1ALERTS=${ARN('a')}`, /"1ALERTS" is not a valid environment variable name.*letter/],
    [`A=${ARN('a')}`, /"A" is not a valid environment variable name.*at least one more/],
    [`MY-TOPIC=${ARN('a')}`, /"MY-TOPIC" is not a valid environment variable name/],
    [`MY TOPIC=${ARN('a')}`, /"MY TOPIC" is not a valid/],
    [`AWS_REGION=${ARN('a')}`, /"AWS_REGION" is reserved by Lambda/],
    [`AWS_LAMBDA_FUNCTION_NAME=${ARN('a')}`, /"AWS_LAMBDA_FUNCTION_NAME" is reserved/],
    [`AWS_LAMBDA_ANYTHING=${ARN('a')}`, /"AWS_LAMBDA_ANYTHING" is reserved/],
    [`LAMBDA_TASK_ROOT=${ARN('a')}`, /"LAMBDA_TASK_ROOT" is reserved/],
    [`_HANDLER=${ARN('a')}`, /"_HANDLER" is reserved/],
    [`AWS_ACCESS_KEY_ID=${ARN('a')}`, /"AWS_ACCESS_KEY_ID" is reserved/],
    [`A1=${ARN('a')},A1=${ARN('b')}`, /names "A1" twice/],
    [`A1=`, /entry "A1" has no topic ARN/],
    [`A1=arn:aws:sqs:us-east-1:123456789012:queue`, /"A1".*is not an SNS topic ARN \(this ARN is not for SNS\)/],
    [`A1=my-topic`, /the value of A1, "my-topic", is not an SNS topic ARN/],
    [`A1=arn:aws:sns:us-east-1:12345:short-account`, /is not an SNS topic ARN.*12-digit account/],
    [`A1=arn:aws:sns:us-east-1:123456789012:bad.name`, /is not an SNS topic ARN/],
    [`A1=arn:azure:sns:us-east-1:123456789012:t`, /is not an SNS topic ARN/],
    [`A1=arn:aws:sns:useast1:123456789012:t`, /is not an SNS topic ARN/],
    [`A1=${ARN('x'.repeat(257))}`, /is not an SNS topic ARN/],
    ['{"A1": ', /SnsTopics is not valid JSON/],
    ['{"A1": 5}', /entry "A1" must be a topic ARN string, got 5/],
    ['{"A1": null}', /entry "A1" must be a topic ARN string, got null/],
    [`{"A1": "${ARN('a')}", "A1": "${ARN('b')}"}`, /names "A1" twice/],
    ['["x"]', /not valid JSON|must be an object/],
  ])('refuses %j', (input, message) => {
    expect(() => parseSnsTopics(input)).toThrow(MacroError);
    expect(() => parseSnsTopics(input)).toThrow(message);
  });
});

describe('transform: topics', () => {
  test('no topics: no variables, no policy; the function only records which map was applied', () => {
    const f = fragment();
    const out = transform(f, { SnsTopics: '' });
    expect(out.Resources.Job.Properties).toEqual(f.Resources.Job.Properties);
    expect(out.Resources.Job.Metadata).toEqual({ CloudCron: { AppliedSnsTopics: { Ref: 'SnsTopics' } } });
  });

  test('adds one variable per topic, merged with existing ones, and one statement on exactly those ARNs', () => {
    const out = transform(
      fragment({}, { Environment: { Variables: { LOG_LEVEL: 'debug' } }, Policies: 'AWSLambdaBasicExecutionRole' }),
      {
        SnsTopics: `ALERTS=${ARN('a')},REPORTS=${ARN('r')}`,
      },
    );
    expect(env(out)).toEqual({ LOG_LEVEL: 'debug', ALERTS: ARN('a'), REPORTS: ARN('r') });
    expect(policies(out)).toEqual([
      'AWSLambdaBasicExecutionRole',
      { Statement: [{ Effect: 'Allow', Action: 'sns:Publish', Resource: [ARN('a'), ARN('r')] }] },
    ]);
  });

  test('two names for one topic: two variables, one resource', () => {
    const out = transform(fragment(), { SnsTopics: `A1=${ARN('a')},A2=${ARN('a')}` });
    expect(env(out)).toEqual({ A1: ARN('a'), A2: ARN('a') });
    expect(policies(out)).toEqual([{ Statement: [{ Effect: 'Allow', Action: 'sns:Publish', Resource: [ARN('a')] }] }]);
  });

  test('is pure: the input fragment is not modified', () => {
    const f = fragment();
    const before = JSON.stringify(f);
    transform(f, { SnsTopics: `A1=${ARN('a')}` });
    expect(JSON.stringify(f)).toBe(before);
  });

  test('uses the parameter Default when the stack passes no value', () => {
    const f = fragment({ Parameters: { SnsTopics: { Type: 'String', Default: `A1=${ARN('a')}` } } });
    expect(env(transform(f, {}))).toEqual({ A1: ARN('a') });
  });

  test('a policy document in Policies becomes a list', () => {
    const doc = { Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' }] };
    const out = transform(fragment({}, { Policies: doc }), { SnsTopics: `A1=${ARN('a')}` });
    expect(policies(out)).toHaveLength(2);
    expect(policies(out)[0]).toEqual(doc);
  });

  test('a Role of this template gets a named inline policy', () => {
    const f = fragment({}, { Role: { 'Fn::GetAtt': ['JobRole', 'Arn'] } });
    f.Resources.JobRole = {
      Type: 'AWS::IAM::Role',
      Properties: { Policies: [{ PolicyName: 'Other', PolicyDocument: {} }] },
    };
    const out = transform(f, { SnsTopics: `A1=${ARN('a')}` });
    expect(out.Resources.JobRole.Properties?.Policies).toEqual([
      { PolicyName: 'Other', PolicyDocument: {} },
      {
        PolicyName: POLICY_NAME,
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'sns:Publish', Resource: [ARN('a')] }],
        },
      },
    ]);
    expect(out.Resources.Job.Properties?.Policies).toBeUndefined();
  });

  test('every function is targeted when none is marked', () => {
    const f = fragment();
    f.Resources.Other = { Type: 'AWS::Serverless::Function', Properties: { Handler: 'i.h' } };
    const out = transform(f, { SnsTopics: `A1=${ARN('a')}` });
    expect(env(out, 'Other')).toEqual({ A1: ARN('a') });
    expect(env(out, 'Job')).toEqual({ A1: ARN('a') });
  });

  test('once a function is marked with Metadata.CloudCron, only marked functions are targeted', () => {
    const f = fragment();
    f.Resources.Job.Metadata = { CloudCron: {} };
    f.Resources.Helper = { Type: 'AWS::Serverless::Function', Properties: { Handler: 'i.h' } };
    const out = transform(f, { SnsTopics: `A1=${ARN('a')}` });
    expect(env(out, 'Job')).toEqual({ A1: ARN('a') });
    expect(out.Resources.Helper).toEqual(f.Resources.Helper);
    expect(out.Resources.Job.Metadata).toEqual({ CloudCron: { AppliedSnsTopics: { Ref: 'SnsTopics' } } });
  });

  test('SnsTopicsParameter gives a function its own map', () => {
    const f = fragment({ Parameters: { SnsTopics: { Type: 'String' }, OtherTopics: { Type: 'String' } } });
    f.Resources.Job.Metadata = { CloudCron: {} };
    f.Resources.Second = {
      Type: 'AWS::Serverless::Function',
      Metadata: { CloudCron: { SnsTopicsParameter: 'OtherTopics' } },
      Properties: {},
    };
    const out = transform(f, { SnsTopics: `A1=${ARN('a')}`, OtherTopics: `B1=${ARN('b')}` });
    expect(env(out, 'Job')).toEqual({ A1: ARN('a') });
    expect(env(out, 'Second')).toEqual({ B1: ARN('b') });
    expect(() => transform(f, { SnsTopics: '', OtherTopics: 'B1' })).toThrow(/OtherTopics entry "B1" has no "="/);
  });

  test('leaves every other resource and section untouched', () => {
    const f = fragment({ Outputs: { X: { Value: { Ref: 'Job' } } }, Conditions: { C: { 'Fn::Equals': ['a', 'b'] } } });
    f.Resources.Bucket = { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'b' } };
    const out = transform(f, { SnsTopics: `A1=${ARN('a')}` });
    expect(out.Resources.Bucket).toEqual(f.Resources.Bucket);
    expect(out.Outputs).toEqual(f.Outputs);
    expect(out.Conditions).toEqual(f.Conditions);
  });

  // Refusals that need the function's context.
  test.each([
    [
      'a name the function already defines',
      fragment({}, { Environment: { Variables: { ALERTS: 'x' } } }),
      `ALERTS=${ARN('a')}`,
      /Job already defines ALERTS in its Environment/,
    ],
    [
      'a name the Globals define',
      fragment({ Globals: { Function: { Environment: { Variables: { ALERTS: 'x' } } } } }),
      `ALERTS=${ARN('a')}`,
      /already defines ALERTS in Globals.Function.Environment/,
    ],
    [
      'an environment past 4 KB',
      fragment({}, { Environment: { Variables: { BIG: 'x'.repeat(4052) } } }),
      `ALERTS=${ARN('a')}`,
      /over Lambda's 4 KB \(4096 bytes\) limit/,
    ],
    [
      'an intrinsic Environment',
      fragment({}, { Environment: { 'Fn::If': ['C', {}, {}] } }),
      `ALERTS=${ARN('a')}`,
      /Environment must be a map with a Variables map/,
    ],
    [
      'a Role from outside the template',
      fragment({}, { Role: 'arn:aws:iam::123456789012:role/x' }),
      `ALERTS=${ARN('a')}`,
      /Role is not an AWS::IAM::Role of this template/,
    ],
    [
      'intrinsic Policies',
      fragment({}, { Policies: { 'Fn::If': ['C', [], []] } }),
      `ALERTS=${ARN('a')}`,
      /Policies is an intrinsic function/,
    ],
  ])('refuses %s', (_label, f, map, message) => {
    expect(() => transform(f, { SnsTopics: map })).toThrow(message);
  });

  test('an environment of exactly 4096 bytes is accepted', () => {
    const f = fragment({}, { Environment: { Variables: { BIG: 'x'.repeat(4051) } } });
    expect(Object.keys(env(transform(f, { SnsTopics: `ALERTS=${ARN('a')}` })))).toEqual(['BIG', 'ALERTS']);
  });

  test('twenty topics at the limit of names fit; two hundred long ones do not', () => {
    const twenty = Array.from({ length: 20 }, (_, i) => `TOPIC_${i}=${ARN(`topic-${i}`)}`).join(',');
    expect(Object.keys(env(transform(fragment(), { SnsTopics: twenty })))).toHaveLength(20);
    const many = Array.from({ length: 200 }, (_, i) => `TOPIC_${i}=${ARN(`topic-${i}`)}`).join(',');
    expect(() => transform(fragment(), { SnsTopics: many })).toThrow(/200 topic variables .* over Lambda's 4 KB/);
  });
});

describe('transform: schedules', () => {
  const withSchedule = (props: Record<string, unknown>, type = 'ScheduleV2') =>
    fragment(
      {
        Parameters: {
          SnsTopics: { Type: 'String', Default: '' },
          Expr: { Type: 'String', Default: 'rate(5 minutes)' },
          Zone: { Type: 'String', Default: 'UTC' },
        },
      },
      { Events: { Tick: { Type: type, Properties: props } } },
    );

  test('accepts valid expressions, resolved through Refs', () => {
    const f = withSchedule({ ScheduleExpression: { Ref: 'Expr' }, ScheduleExpressionTimezone: { Ref: 'Zone' } });
    expect(() => transform(f, { Expr: 'cron(0 8 ? * MON-FRI *)', Zone: 'Europe/Paris' })).not.toThrow();
    expect(() => transform(f, {})).not.toThrow();
  });

  test.each([
    ['rate(0 minutes)', 'UTC', /Job event Tick: .*"rate\(0 minutes\)"/],
    ['cron(0 12 * * * *)', 'UTC', /Job event Tick: .*"cron\(0 12 \* \* \* \*\)"/],
    ['cron(0 8 * * ?)', 'UTC', /Job event Tick: .*"cron\(0 8 \* \* \?\)"/],
    ['at(2030-02-30T10:00:00)', 'UTC', /Job event Tick: .*"at\(2030-02-30T10:00:00\)"/],
    ['rate(5 minutes)', 'Mars/Olympus', /Job event Tick: .*"Mars\/Olympus"/],
  ])('refuses %s in %s, resolved from a parameter', (expr, zone, message) => {
    const f = withSchedule({ ScheduleExpression: { Ref: 'Expr' }, ScheduleExpressionTimezone: { Ref: 'Zone' } });
    expect(() => transform(f, { Expr: expr, Zone: zone })).toThrow(message);
  });

  test('rate units: a classic rule needs agreement, Scheduler (as in AWS serverless patterns) does not', () => {
    expect(() => transform(withSchedule({ Schedule: 'rate(5 minute)' }, 'Schedule'), {})).toThrow(
      /Job event Tick: .*"rate\(5 minute\)": use the plural unit "minutes" when the value is not 1/,
    );
    const rule = fragment();
    rule.Resources.Rule = { Type: 'AWS::Events::Rule', Properties: { ScheduleExpression: 'rate(1 hours)' } };
    expect(() => transform(rule, {})).toThrow(/^Rule: .*use the singular unit "hour"/);
    expect(() => transform(withSchedule({ ScheduleExpression: 'rate(5 minute)' }), {})).not.toThrow();
    const sched = fragment();
    sched.Resources.S = {
      Type: 'AWS::Scheduler::Schedule',
      Properties: { ScheduleExpression: 'rate(1 hours)', FlexibleTimeWindow: { Mode: 'OFF' }, Target: {} },
    };
    expect(() => transform(sched, {})).not.toThrow();
  });

  test('refuses a bad classic Schedule event, at() on an EventBridge rule and a bad AWS::Scheduler::Schedule', () => {
    expect(() => transform(withSchedule({ Schedule: 'rate(0 minutes)' }, 'Schedule'), {})).toThrow(
      /Job event Tick: .*rate\(0 minutes\)/,
    );
    const rule = fragment();
    rule.Resources.Rule = { Type: 'AWS::Events::Rule', Properties: { ScheduleExpression: 'at(2030-01-01T00:00:00)' } };
    expect(() => transform(rule, {})).toThrow(/Rule: .*at\(\) one-time schedules need EventBridge Scheduler/);
    const sched = fragment();
    sched.Resources.S = {
      Type: 'AWS::Scheduler::Schedule',
      Properties: { ScheduleExpression: 'cron(61 * * * ? *)', FlexibleTimeWindow: { Mode: 'OFF' }, Target: {} },
    };
    expect(() => transform(sched, {})).toThrow(/^S: .*cron\(61 \* \* \* \? \*\)/);
  });

  test("accepts AWS's documented wrap-around example and other wrapped ranges", () => {
    const f = withSchedule({ ScheduleExpression: { Ref: 'Expr' }, ScheduleExpressionTimezone: { Ref: 'Zone' } });
    for (const expr of ['cron(0/30 20-2 ? * MON-FRI *)', 'cron(0 20-2/2 ? * FRI-MON *)', 'cron(0 9 1 NOV-FEB ? *)']) {
      expect(() => transform(f, { Expr: expr, Zone: 'Europe/Paris' })).not.toThrow();
    }
  });

  test('an empty ScheduleExpressionTimezone is refused however it arrives (literal, parameter, Scheduler resource)', () => {
    // CloudFormation's schema and the Scheduler API take 1-50 characters (cfn-lint: E3033): refuse it before they do.
    const message = /^Job event Tick: time zone is empty: .*leave the time zone out for UTC$/;
    const literal = withSchedule({ ScheduleExpression: 'rate(5 minutes)', ScheduleExpressionTimezone: '' });
    expect(() => transform(literal, {})).toThrow(message);
    const viaRef = withSchedule({ ScheduleExpression: 'rate(5 minutes)', ScheduleExpressionTimezone: { Ref: 'Zone' } });
    expect(() => transform(viaRef, { Zone: '' })).toThrow(message);
    const sched = fragment();
    sched.Resources.S = {
      Type: 'AWS::Scheduler::Schedule',
      Properties: {
        ScheduleExpression: 'cron(0 8 ? * MON-FRI *)',
        ScheduleExpressionTimezone: '',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: {},
      },
    };
    expect(() => transform(sched, {})).toThrow(/^S: time zone is empty/);
    // Left out, the zone is UTC and nothing is refused.
    expect(() => transform(withSchedule({ ScheduleExpression: 'cron(0 8 ? * MON-FRI *)' }), {})).not.toThrow();
  });

  test('refuses a schedule Input that is not JSON', () => {
    const f = withSchedule({ ScheduleExpression: 'rate(1 hour)', Input: { Ref: 'Expr' } });
    expect(() => transform(f, { Expr: '{"a":' })).toThrow(/Job event Tick: the schedule's Input .* is not valid JSON/);
  });

  test('checks an Input chosen by Fn::If on parameters, and one built with Fn::Sub around a parameter', () => {
    const input = {
      'Fn::If': [
        'Wrapped',
        { 'Fn::Sub': ['{"payload":${P},"n":"${!Literal}"}', { P: { Ref: 'Expr' } }] },
        { Ref: 'Expr' },
      ],
    };
    const f = withSchedule({ ScheduleExpression: 'rate(1 hour)', Input: input });
    f.Conditions = { Wrapped: { 'Fn::Equals': [{ Ref: 'Wrap' }, 'true'] } };
    f.Parameters = { ...f.Parameters, Wrap: { Type: 'String', Default: 'false' } };
    expect(() => transform(f, { Expr: '{"a":', Wrap: 'true' })).toThrow(
      /the schedule's Input "{\\"payload\\":{\\"a\\":/,
    );
    expect(() => transform(f, { Expr: '{"a":', Wrap: 'false' })).toThrow(/is not valid JSON/);
    expect(() => transform(f, { Expr: '{"a":1}', Wrap: 'true' })).not.toThrow();
    // A condition that depends on more than parameters cannot be known before deployment: nothing is checked.
    f.Conditions = { Wrapped: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'us-east-1'] } };
    expect(() => transform(f, { Expr: '{"a":', Wrap: 'true' })).not.toThrow();
  });
});

describe('handler', () => {
  const sample = JSON.parse(readFileSync(join(EVENTS, 'macro-request.json'), 'utf8')) as MacroEvent;

  test('answers success with the processed fragment for the sample event', async () => {
    const res = await handler(sample);
    expect(res.status).toBe('success');
    expect(res.requestId).toBe(sample.requestId);
    expect(env(res.fragment, 'JobFunction')).toEqual({
      LOG_LEVEL: 'info',
      ALERTS: 'arn:aws:sns:us-east-1:123456789012:cloud-cron-alerts',
      REPORTS: 'arn:aws:sns:us-east-1:123456789012:cloud-cron-reports',
    });
  });

  test('answers failure with an errorMessage, never throws', async () => {
    const res = await handler({ ...sample, templateParameterValues: { SnsTopics: 'BROKEN' } });
    expect(res).toMatchObject({ status: 'failure', requestId: sample.requestId });
    expect(res.status === 'failure' && res.errorMessage).toMatch(/SnsTopics entry "BROKEN" has no "="/);
    const odd = await handler({ ...sample, fragment: null as unknown as Template });
    expect(odd.status).toBe('failure');
  });
});
