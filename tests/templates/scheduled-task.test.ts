/**
 * template-scheduled-task.yaml through the built macro (dist/macro) for several parameter sets, then the SAM
 * translator; cfn-lint must report nothing on the template, the macro output and the translation. The processed
 * template is then read as CloudFormation would deploy it (conditions evaluated) to check what each resource gets.
 */
import { TASK_RUN_DETAIL_TYPE, TASK_RUN_SOURCE } from '../../functions/common/runs/task-runs';
import { buildAll } from '../../tooling/build';
import { cfnLint, describeFindings, readTemplate, samTranslate, writeTemplate } from '../../tooling/cfn';
import { failedRules } from '../../tooling/cfn-rules';
import type { Template } from '../../tooling/cfn-yaml';
import { macroOutputs, runMacro } from '../../tooling/macro';
import { ROOT } from '../../tooling/paths';
import { resolver } from '../../tooling/template-env';

const TEMPLATE = 'template-scheduled-task.yaml';
const REQUIRED = {
  ImageUri: `123456789012.dkr.ecr.us-east-1.amazonaws.com/nightly-export@sha256:${'a'.repeat(64)}`,
  TaskTimeoutMinutes: '90',
  SubnetIds: 'subnet-0123456789abcdef0',
  SecurityGroupIds: 'sg-0123456789abcdef0',
};
const topic = (i: number) => `arn:aws:sns:us-east-1:123456789012:cloud-cron-topic-${i}`;
const twenty = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`TOPIC_${i}`, topic(i)]));

type Case = { name: string; params: Record<string, string>; topics: Record<string, string> };
const CASES: Case[] = [
  { name: 'no topics, defaults', params: {}, topics: {} },
  { name: 'twenty topics as JSON', params: { SnsTopics: JSON.stringify(twenty) }, topics: twenty },
  {
    name: 'every option on',
    params: {
      SnsTopics: `EXPORTS=${topic(1)}\nAUDIT=arn:aws:sns:eu-west-1:210987654321:audit.fifo`,
      ScheduleExpression: 'cron(30 1 ? * MON-FRI *)',
      ScheduleTimezone: 'Europe/Berlin',
      SchedulePayload: '{"export":"orders","note":"say \\"hi\\" – ünïcode","since":null}',
      ScheduleState: 'DISABLED',
      ScheduleStartDate: '2030-01-01T00:00:00Z',
      ScheduleEndDate: '2030-12-31T23:59:59Z',
      FlexibleWindowMinutes: '15',
      EntryPoint: 'node',
      Command: '/var/task/export.js,--all',
      Cpu: '4096',
      Memory: '30720',
      ManagedPolicyArns: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess,arn:aws:iam::123456789012:policy/export-data',
      FailureTopicArn: 'arn:aws:sns:us-east-1:123456789012:ops',
      RunsEventBusArn: 'arn:aws:events:us-east-1:123456789012:event-bus/cloud-cron-runs',
      ClusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/batch',
      CapacityProvider: 'FARGATE_SPOT',
      AssignPublicIp: 'ENABLED',
      PreventOverlap: 'false',
      LogRetentionDays: '7',
      SubnetIds: 'subnet-0123456789abcdef0,subnet-0123456789abcdef1',
      SecurityGroupIds: 'sg-0123456789abcdef0,sg-0123456789abcdef1',
    },
    topics: { EXPORTS: topic(1), AUDIT: 'arn:aws:sns:eu-west-1:210987654321:audit.fifo' },
  },
  {
    name: 'wired to the Runs app, no failure topic',
    params: {
      RunsEventBusArn: 'arn:aws:events:us-east-1:123456789012:event-bus/cloud-cron-runs',
      MissedRunGraceMinutes: '15',
      ScheduleExpression: 'rate(6 hours)',
    },
    topics: {},
  },
  {
    name: 'arm64, 16 vCPU, one-time at() in another zone',
    params: {
      Architecture: 'arm64',
      Cpu: '16384',
      Memory: '122880',
      ScheduleExpression: 'at(2031-03-30T02:30:00)',
      ScheduleTimezone: 'America/New_York',
      SnsTopics: `RESULTS=${topic(2)}`,
    },
    topics: { RESULTS: topic(2) },
  },
];

type Processed = { c: Case; values: Record<string, string>; sam: Template; cfn: Template };
let processed: Processed[];

/** The processed template as deployed with these values: conditions evaluated, resources named by placeholders. */
function deployed(p: Processed, id: string): Record<string, unknown> {
  const names = new Proxy({} as Record<string, string>, { get: (_t, k) => `ref:${String(k)}` });
  const attributes = new Proxy({} as Record<string, string>, { get: (_t, k) => `att:${String(k)}` });
  const { value } = resolver(p.cfn, {
    parameters: p.values,
    resources: names,
    attributes,
    stackName: 'nightly-export',
  });
  return value(p.cfn.Resources[id].Properties) as Record<string, unknown>;
}

beforeAll(async () => {
  await buildAll(ROOT, ['macro']);
  const values = CASES.map((c) => ({ ...REQUIRED, ...c.params }));
  const outputs = await macroOutputs(readTemplate(TEMPLATE), values);
  processed = outputs.map((sam, i) => ({ c: CASES[i], values: values[i], sam, cfn: samTranslate(sam, values[i]) }));
}, 180000);

test('cfn-lint reports nothing on the template itself', () => {
  expect(describeFindings(cfnLint(`${ROOT}/${TEMPLATE}`))).toEqual([]);
});

test('cfn-lint reports nothing on the macro output and on its SAM translation, for every parameter set', () => {
  const files = processed.flatMap((p, i) => [
    writeTemplate(p.sam, `task-sam-${i}.json`),
    writeTemplate(p.cfn, `task-cfn-${i}.json`),
  ]);
  expect(describeFindings(cfnLint(...files))).toEqual([]);
});

describe.each(CASES.map((c, i) => [c.name, i] as const))('%s', (_name, i) => {
  test("the job's container gets one variable per topic, its task role publish rights on exactly those ARNs", () => {
    const p = processed[i];
    const task = deployed(p, 'TaskDefinition') as { ContainerDefinitions: { Name: string; Environment?: unknown[] }[] };
    const taskRole = deployed(p, 'TaskRole') as {
      Policies: { PolicyName: string; PolicyDocument: { Statement: unknown[] } }[];
    };
    const publish = taskRole.Policies.find((x) => x.PolicyName === 'CloudCronSnsPublish');
    const expected = Object.entries(p.c.topics).map(([Name, Value]) => ({ Name, Value }));
    if (expected.length === 0) {
      expect(task.ContainerDefinitions[0].Environment).toBeUndefined();
      expect(publish).toBeUndefined();
    } else {
      expect(task.ContainerDefinitions).toHaveLength(1);
      expect(task.ContainerDefinitions[0].Environment).toEqual(expected);
      expect(publish?.PolicyDocument.Statement).toEqual([
        { Effect: 'Allow', Action: 'sns:Publish', Resource: Object.values(p.c.topics) },
      ]);
    }
  });

  test('the execution role and the monitor get no topic rights; nothing publishes to "*"', () => {
    const p = processed[i];
    expect(JSON.stringify(deployed(p, 'ExecutionRole'))).not.toContain('sns:');
    const monitor = deployed(p, 'TaskMonitorFunction') as { Environment: { Variables: Record<string, string> } };
    for (const name of Object.keys(p.c.topics)) expect(monitor.Environment.Variables).not.toHaveProperty(name);
    const monitorRole = JSON.stringify(deployed(p, 'TaskMonitorRole'));
    for (const arn of Object.values(p.c.topics)) expect(monitorRole).not.toContain(arn);
    expect(JSON.stringify(p.cfn)).not.toMatch(/"sns:Publish"[^\]]*"Resource":\s*"\*"/);
  });

  test('the schedule runs the task definition in the cluster, through a task override carrying the payload', () => {
    const p = processed[i];
    const schedule = deployed(p, 'Schedule') as { Target: Record<string, unknown> };
    const payload = p.values.SchedulePayload ?? '{}';
    expect(JSON.parse(String(schedule.Target.Input))).toEqual({
      containerOverrides: [
        {
          name: 'job',
          environment: [
            { name: 'CLOUD_CRON_PAYLOAD', value: payload },
            { name: 'CLOUD_CRON_SCHEDULED_TIME', value: '<aws.scheduler.scheduled-time>' },
            { name: 'CLOUD_CRON_EXECUTION_ID', value: '<aws.scheduler.execution-id>' },
          ],
        },
      ],
    });
    expect(schedule.Target.Arn).toBe(p.values.ClusterArn ?? 'att:Cluster.Arn');
    const spot = p.values.CapacityProvider === 'FARGATE_SPOT';
    expect(schedule.Target.EcsParameters).toEqual({
      TaskDefinitionArn: 'ref:TaskDefinition',
      TaskCount: 1,
      ...(spot
        ? { CapacityProviderStrategy: [{ CapacityProvider: 'FARGATE_SPOT', Weight: 1 }] }
        : { LaunchType: 'FARGATE' }),
      PlatformVersion: 'LATEST',
      NetworkConfiguration: {
        AwsvpcConfiguration: {
          Subnets: p.values.SubnetIds.split(','),
          SecurityGroups: p.values.SecurityGroupIds.split(','),
          AssignPublicIp: p.values.AssignPublicIp ?? 'DISABLED',
        },
      },
    });
    expect(schedule.Target.DeadLetterConfig).toEqual({ Arn: 'att:ScheduleDeadLetterQueue.Arn' });
  });

  test("the monitor's rule receives this family's task changes in this cluster (starts too, with PreventOverlap)", () => {
    const p = processed[i];
    const rule = deployed(p, 'TaskMonitorFunctionTaskState') as { EventPattern: Record<string, unknown> };
    const overlap = (p.values.PreventOverlap ?? 'true') === 'true';
    expect(rule.EventPattern).toEqual({
      source: ['aws.ecs'],
      'detail-type': ['ECS Task State Change'],
      detail: {
        clusterArn: [p.values.ClusterArn ?? 'att:Cluster.Arn'],
        taskDefinitionArn: [
          { prefix: 'arn:aws:ecs:us-east-1:123456789012:task-definition/cloud-cron-nightly-export:' },
        ],
        lastStatus: overlap ? ['PROVISIONING', 'PENDING', 'STOPPED'] : ['STOPPED'],
      },
    });
    const task = deployed(p, 'TaskDefinition') as { Family: string };
    expect(task.Family).toBe('cloud-cron-nightly-export');
  });
});

test('the exact Input for a payload with quotes and non-ASCII text', () => {
  const schedule = deployed(processed[2], 'Schedule') as { Target: { Input: string } };
  expect(schedule.Target.Input).toBe(
    '{"containerOverrides":[{"name":"job","environment":[{"name":"CLOUD_CRON_PAYLOAD","value":"{\\"export\\":\\"orders\\",\\"note\\":\\"say \\\\\\"hi\\\\\\" – ünïcode\\",\\"since\\":null}"},{"name":"CLOUD_CRON_SCHEDULED_TIME","value":"<aws.scheduler.scheduled-time>"},{"name":"CLOUD_CRON_EXECUTION_ID","value":"<aws.scheduler.execution-id>"}]}]}',
  );
});

test('the processed template keeps every output the issue names', () => {
  for (const { cfn } of processed) {
    expect(Object.keys(cfn.Outputs ?? {})).toEqual(
      expect.arrayContaining([
        'TaskDefinitionArn',
        'ClusterArn',
        'ScheduleArn',
        'TaskRoleArn',
        'LogGroupName',
        'DeadLetterQueueUrl',
      ]),
    );
  }
});

describe('Fargate CPU and memory', () => {
  /** Amazon ECS developer guide, "Task CPU and memory" (Fargate, Linux). */
  const VALID: Record<string, number[]> = {
    '256': [512, 1024, 2048],
    '512': [1024, 2048, 3072, 4096],
    '1024': [2048, 3072, 4096, 5120, 6144, 7168, 8192],
    '2048': Array.from({ length: 13 }, (_, i) => 4096 + i * 1024),
    '4096': Array.from({ length: 23 }, (_, i) => 8192 + i * 1024),
    '8192': Array.from({ length: 12 }, (_, i) => 16384 + i * 4096),
    '16384': Array.from({ length: 12 }, (_, i) => 32768 + i * 8192),
  };
  const template = readTemplate(TEMPLATE);

  test('the parameters offer exactly the CPU values and the memory values of the table', () => {
    expect(template.Parameters?.Cpu.AllowedValues).toEqual(Object.keys(VALID));
    const memories = [...new Set(Object.values(VALID).flat())].sort((a, b) => a - b).map(String);
    expect(template.Parameters?.Memory.AllowedValues).toEqual(memories);
  });

  test('the Rules accept exactly the valid pairs, and name the valid memories when refusing', () => {
    const wrong: string[] = [];
    for (const cpu of template.Parameters?.Cpu.AllowedValues ?? []) {
      for (const memory of template.Parameters?.Memory.AllowedValues ?? []) {
        const failed = failedRules(template, { ...REQUIRED, Cpu: String(cpu), Memory: String(memory) });
        const valid = VALID[String(cpu)].includes(Number(memory));
        if (valid !== (failed.length === 0)) wrong.push(`${cpu}/${memory}: ${failed.join('; ') || 'accepted'}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(failedRules(template, { ...REQUIRED, Cpu: '256', Memory: '4096' })).toEqual([
      'with Cpu 256 (.25 vCPU) Fargate takes Memory 512, 1024 or 2048 (MiB).',
    ]);
    expect(failedRules(template, { ...REQUIRED, Cpu: '8192', Memory: '30720' })).toEqual([
      'with Cpu 8192 (8 vCPU) Fargate takes Memory 16384 to 61440 in steps of 4096 (MiB).',
    ]);
  });

  test('Fargate Spot with arm64 is refused before anything is created', () => {
    expect(failedRules(template, { ...REQUIRED, CapacityProvider: 'FARGATE_SPOT', Architecture: 'arm64' })).toEqual([
      'Fargate Spot runs x86_64 tasks only; use CapacityProvider FARGATE for arm64.',
    ]);
    expect(failedRules(template, { ...REQUIRED, CapacityProvider: 'FARGATE_SPOT' })).toEqual([]);
  });
});

test('the built macro refuses bad values of the real template with a message naming them', async () => {
  const template = readTemplate(TEMPLATE);
  const quotes = `"${'\\"'.repeat(2040)}"`; // valid JSON of 4082 characters that escapes to twice that
  const bad: [Record<string, string>, RegExp][] = [
    [{ SnsTopics: 'EXPORTS=arn:aws:sqs:us-east-1:123456789012:q' }, /SnsTopics entry "EXPORTS".*not an SNS topic ARN/],
    [{ SnsTopics: `CLOUD_CRON_PAYLOAD=${topic(1)}` }, /"CLOUD_CRON_PAYLOAD" is set by Cloud Cron's task contract/],
    [
      { SnsTopics: `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=${topic(1)}` },
      /"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI" is set by ECS in every container/,
    ],
    [{ ScheduleExpression: 'cron(0 2 * * * *)' }, /Schedule: .*cron\(0 2 \* \* \* \*\)/],
    [{ ScheduleTimezone: 'Europe/Pariss' }, /Europe\/Pariss/],
    [{ SchedulePayload: '{export: orders}' }, /is not valid JSON/],
    [
      { SchedulePayload: quotes },
      /Schedule: the task override carrying the payload would be \d+ characters, over the 8192 ECS accepts/,
    ],
  ];
  const outcomes = await runMacro(
    template,
    bad.map(([params]) => ({ ...REQUIRED, ...params })),
  );
  outcomes.forEach((o, i) => {
    expect(o.status).toBe('failure');
    expect(o.status === 'failure' && o.errorMessage).toMatch(bad[i][1]);
  });
});

const BUS = 'arn:aws:events:us-east-1:123456789012:event-bus/cloud-cron-runs';
const byName = (name: string) => processed.find((p) => p.c.name === name)!;
/** Whether a conditional resource of the processed template is created for the case's values. */
function created(p: Processed, id: string): boolean {
  const condition = p.cfn.Resources[id].Condition;
  if (!condition) return true;
  const { value } = resolver(p.cfn, { parameters: p.values, stackName: 'nightly-export' });
  return value({ 'Fn::If': [condition, true, false] }) === true;
}
const statements = (p: Processed, roleId: string) =>
  (
    deployed(p, roleId) as { Policies: { PolicyDocument: { Statement: Record<string, unknown>[] } }[] }
  ).Policies.flatMap((x) => x.PolicyDocument.Statement);

describe('wired to the Runs app (RunsEventBusArn set)', () => {
  const wired = () => [byName('every option on'), byName('wired to the Runs app, no failure topic')];

  test('the task monitor may put only task runs on exactly the Runs bus, and is told which bus', () => {
    for (const p of wired()) {
      expect(statements(p, 'TaskMonitorRole').filter((st) => st.Action === 'events:PutEvents')).toEqual([
        {
          Sid: 'RecordRuns',
          Effect: 'Allow',
          Action: 'events:PutEvents',
          Resource: BUS,
          Condition: {
            StringEquals: { 'events:source': TASK_RUN_SOURCE, 'events:detail-type': TASK_RUN_DETAIL_TYPE },
          },
        },
      ]);
      const monitor = deployed(p, 'TaskMonitorFunction') as { Environment: { Variables: Record<string, string> } };
      expect(monitor.Environment.Variables.RUNS_EVENT_BUS_ARN).toBe(BUS);
    }
  });

  test('the stack registers the task job with the registrar named after the bus, by its monitor and schedule', () => {
    for (const p of wired()) {
      expect(p.cfn.Resources.RunsRegistration.Type).toBe('AWS::CloudFormation::CustomResource');
      expect(created(p, 'RunsRegistration')).toBe(true);
      expect(deployed(p, 'RunsRegistration')).toEqual({
        ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:cloud-cron-runs-registrar',
        ServiceTimeout: 60,
        Runner: 'ecs',
        MonitorFunctionName: 'ref:TaskMonitorFunction',
        ScheduleArn: 'att:Schedule.Arn',
        MissedRunGraceMinutes: p.values.MissedRunGraceMinutes ?? '5',
        TaskDefinitionArn: 'ref:TaskDefinition',
        TaskTimeoutMinutes: p.values.TaskTimeoutMinutes,
        ScheduleExpression: p.values.ScheduleExpression ?? 'cron(0 2 * * ? *)',
        ScheduleTimezone: p.values.ScheduleTimezone ?? 'UTC',
        ScheduleState: p.values.ScheduleState ?? 'ENABLED',
        ScheduleStartDate: p.values.ScheduleStartDate ?? '',
        ScheduleEndDate: p.values.ScheduleEndDate ?? '',
        FlexibleWindowMinutes: p.values.FlexibleWindowMinutes ?? '0',
      });
    }
  });

  test("missed runs reach FailureTopicArn with the stack's own role; failures are the monitor's to notify", () => {
    const p = byName('every option on');
    const ops = p.values.FailureTopicArn;
    expect(created(p, 'RunsAlertRule') && created(p, 'RunsAlertRole')).toBe(true);
    const rule = deployed(p, 'RunsAlertRule') as { EventBusName: string; EventPattern: unknown; Targets: unknown[] };
    expect(rule.EventBusName).toBe(BUS);
    expect(rule.EventPattern).toEqual({
      source: ['cloud-cron.runs'],
      'detail-type': ['Cloud Cron Run Missed'],
      detail: { job: ['cloud-cron-nightly-export'] },
    });
    expect(rule.Targets).toEqual([
      { Id: 'FailureTopic', Arn: ops, RoleArn: 'att:RunsAlertRole.Arn', InputPath: '$.detail' },
    ]);
    expect(statements(p, 'RunsAlertRole')).toEqual([{ Effect: 'Allow', Action: 'sns:Publish', Resource: ops }]);
    const trust = (deployed(p, 'RunsAlertRole') as { AssumeRolePolicyDocument: { Statement: unknown[] } })
      .AssumeRolePolicyDocument.Statement;
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
    const alone = byName('wired to the Runs app, no failure topic');
    expect(created(alone, 'RunsRegistration')).toBe(true);
    expect(created(alone, 'RunsAlertRule') || created(alone, 'RunsAlertRole')).toBe(false);
  });

  test('not wired: nothing of the Runs app is created and the monitor may put no events', () => {
    for (const p of processed.filter((x) => !x.values.RunsEventBusArn)) {
      for (const id of ['RunsRegistration', 'RunsAlertRule', 'RunsAlertRole']) expect(created(p, id)).toBe(false);
      expect(JSON.stringify(statements(p, 'TaskMonitorRole'))).not.toContain('events:PutEvents');
    }
  });
});
