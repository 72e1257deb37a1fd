/**
 * template-runs.yaml as cfn-lint and the SAM translator see it: clean, made only of resource types the
 * Serverless Application Repository accepts (after translation too), and least privilege: every role is trusted
 * by Lambda in this account only, and every statement names the resources it needs.
 */
import { TASK_RUN_DETAIL_TYPE, TASK_RUN_SOURCE } from '../../functions/common/runs/task-runs';
import { cfnLint, describeFindings, readTemplate, samTranslate, templatePath } from '../../tooling/cfn';
import type { Template } from '../../tooling/cfn-yaml';
import { SAR_SUPPORTED_RESOURCE_TYPES } from '../../tooling/sar';

const FILE = 'template-runs.yaml';
let cfn: Template;

beforeAll(() => {
  cfn = samTranslate(templatePath(FILE));
}, 60000);

type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: Record<string, unknown> };
const roles = () => Object.entries(cfn.Resources).filter(([, r]) => r.Type === 'AWS::IAM::Role');
const statementsOf = (roleId: string): Statement[] =>
  ((cfn.Resources[roleId].Properties?.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[]).flatMap(
    (p) => p.PolicyDocument.Statement,
  );

test('cfn-lint reports nothing on the template and on its translation', () => {
  expect(describeFindings(cfnLint(templatePath(FILE), cfn))).toEqual([]);
});

test('after translation, every resource type is one SAR accepts (no EventBus, no Scheduler schedule, no EventInvokeConfig)', () => {
  const types = [...new Set(Object.values(cfn.Resources).map((r) => r.Type))].sort();
  expect(types.filter((t) => /Scheduler|EventInvokeConfig|EventBus$/.test(t))).toEqual([]);
  expect(types.filter((t) => !SAR_SUPPORTED_RESOURCE_TYPES.includes(t))).toEqual([]);
});

test('every function has its own role, trusted by Lambda for this account only, writing only its own log group', () => {
  const functions = Object.entries(cfn.Resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function');
  expect(functions.map(([id]) => id).sort()).toEqual([
    'BusFunction',
    'RecorderFunction',
    'RegistrarFunction',
    'WatchdogFunction',
  ]);
  for (const [id, fn] of functions) {
    const roleId = (fn.Properties!.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const role = cfn.Resources[roleId].Properties as {
      AssumeRolePolicyDocument: { Statement: Statement[] };
      ManagedPolicyArns?: unknown;
    };
    expect(role.ManagedPolicyArns).toBeUndefined();
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'lambda.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      },
    ]);
    const logGroup = (fn.Properties!.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
    expect(statementsOf(roleId)[0]).toEqual({
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: { 'Fn::GetAtt': [logGroup, 'Arn'] },
    });
    expect(id).toBeTruthy();
  }
});

test('no statement allows "*" or a wildcard action; the only resource patterns are the registrar\'s reads', () => {
  const patterns: string[] = [];
  for (const [id] of roles()) {
    for (const st of statementsOf(id)) {
      expect(st.Effect).toBe('Allow');
      for (const a of [st.Action].flat()) expect(a).not.toMatch(/\*/);
      const text = JSON.stringify(st.Resource);
      expect(text).not.toBe('"*"');
      if (text.includes('*')) patterns.push(`${id}: ${[st.Action].flat().join(',')} ${text}`);
    }
  }
  expect(patterns).toEqual([
    expect.stringMatching(
      /^RegistrarRole: lambda:GetFunctionConfiguration,lambda:ListTags,lambda:GetFunctionEventInvokeConfig .*:function:\*"/,
    ),
    expect.stringMatching(/^RegistrarRole: scheduler:GetSchedule .*:schedule\/\*\/\*"/),
  ]);
});

test('the recorder and the watchdog may put only their own source on their own bus, and write only the ledger', () => {
  for (const roleId of ['RecorderRole', 'WatchdogRole']) {
    const put = statementsOf(roleId).filter((s) => s.Action === 'events:PutEvents');
    expect(put).toEqual([
      {
        Effect: 'Allow',
        Action: 'events:PutEvents',
        Resource: { 'Fn::GetAtt': ['RunsBus', 'Arn'] },
        Condition: { StringEquals: { 'events:source': 'cloud-cron.runs' } },
      },
    ]);
    expect(JSON.stringify(statementsOf(roleId))).not.toMatch(/sns:/);
  }
});

test('destination records and task runs reach the recorder through rules on the Runs bus, with retries and a dead-letter queue', () => {
  const patterns = {
    RecorderFunctionDestinationRecords: {
      source: ['lambda'],
      'detail-type': [{ prefix: 'Lambda Function Invocation Result' }],
    },
    // The source and detail type the task monitor's role may put (template-scheduled-task.yaml, RecordRuns).
    RecorderFunctionTaskRuns: { source: [TASK_RUN_SOURCE], 'detail-type': [TASK_RUN_DETAIL_TYPE] },
  };
  for (const [id, pattern] of Object.entries(patterns)) {
    const rule = cfn.Resources[id].Properties as Record<string, unknown>;
    expect(rule.EventBusName).toEqual({ 'Fn::GetAtt': ['RunsBus', 'Name'] });
    expect(rule.EventPattern).toEqual(pattern);
    const [target] = rule.Targets as Record<string, unknown>[];
    expect(target.DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': ['RecorderDeadLetterQueue', 'Arn'] } });
  }
  const policy = cfn.Resources.RecorderDeadLetterQueuePolicy.Properties as {
    PolicyDocument: { Statement: Statement[] };
  };
  expect(policy.PolicyDocument.Statement[0].Condition).toEqual({
    ArnEquals: {
      'aws:SourceArn': [
        { 'Fn::GetAtt': ['RecorderFunctionDestinationRecords', 'Arn'] },
        { 'Fn::GetAtt': ['RecorderFunctionTaskRuns', 'Arn'] },
      ],
    },
  });
  // The recorder's own failures (after Lambda's retries) land in the same queue.
  expect(cfn.Resources.RecorderFunction.Properties?.DeadLetterConfig).toEqual({
    TargetArn: { 'Fn::GetAtt': ['RecorderDeadLetterQueue', 'Arn'] },
  });
});

test('the watchdog runs on an EventBridge schedule rule; the registrar is named after the bus', () => {
  const tick = cfn.Resources.WatchdogFunctionTick;
  expect(tick.Type).toBe('AWS::Events::Rule');
  expect(tick.Properties?.ScheduleExpression).toEqual({ 'Fn::Sub': `rate(\${WatchdogRateMinutes} minutes)` });
  expect(cfn.Resources.RegistrarFunction.Properties?.FunctionName).toEqual({ 'Fn::Sub': `\${BusName}-registrar` });
  expect(readTemplate(FILE).Parameters?.WatchdogRateMinutes.AllowedValues).not.toContain(1);
});

test('the outputs the jobs and the CLI need are there, each with a Description', () => {
  const outputs = readTemplate(FILE).Outputs ?? {};
  expect(Object.keys(outputs)).toEqual(
    expect.arrayContaining(['RunsTableName', 'RunsEventBusArn', 'RegistrarFunctionArn']),
  );
  for (const o of Object.values(outputs)) expect(o.Description).toBeTruthy();
});
