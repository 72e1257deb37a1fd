import { MacroError } from '../../../functions/macro/errors';
import { transform } from '../../../functions/macro/transform';
import type { Template, TemplateResource } from '../../../tooling/cfn-yaml';

const ARN = (name: string) => `arn:aws:sns:us-east-1:123456789012:${name}`;
const TOPICS = `ALERTS=${ARN('alerts')},EXPORTS=${ARN('exports')}`;

type Container = Record<string, unknown>;
function fragment(
  containers: Container[] = [{ Name: 'job', Image: 'x' }],
  task: Partial<TemplateResource> = {},
): Template {
  return {
    Parameters: { SnsTopics: { Type: 'String', Default: TOPICS }, Payload: { Type: 'String', Default: '{"a":1}' } },
    Resources: {
      Task: {
        Type: 'AWS::ECS::TaskDefinition',
        ...task,
        Properties: {
          TaskRoleArn: { 'Fn::GetAtt': ['TaskRole', 'Arn'] },
          ExecutionRoleArn: { 'Fn::GetAtt': ['ExecRole', 'Arn'] },
          ContainerDefinitions: containers,
          ...task.Properties,
        },
      },
      TaskRole: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: {} } },
      ExecRole: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: {} } },
    },
  };
}

const containerEnv = (t: Template, i = 0) =>
  (t.Resources.Task.Properties!.ContainerDefinitions as Container[])[i].Environment as {
    Name: string;
    Value: string;
  }[];
const rolePolicies = (t: Template, id = 'TaskRole') => t.Resources[id].Properties?.Policies as { PolicyName: string }[];

function refusal(t: Template, params: Record<string, unknown> = {}): string {
  try {
    transform(t, params);
  } catch (e) {
    expect(e).toBeInstanceOf(MacroError);
    return (e as Error).message;
  }
  throw new Error('the macro accepted the template');
}

describe('topics in an ECS task definition', () => {
  test('one variable per topic in the container, publish on exactly those ARNs in the task role only', () => {
    const out = transform(fragment([{ Name: 'job', Image: 'x', Environment: [{ Name: 'MODE', Value: 'full' }] }]));
    expect(containerEnv(out)).toEqual([
      { Name: 'MODE', Value: 'full' },
      { Name: 'ALERTS', Value: ARN('alerts') },
      { Name: 'EXPORTS', Value: ARN('exports') },
    ]);
    expect(rolePolicies(out)).toEqual([
      {
        PolicyName: 'CloudCronSnsPublish',
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'sns:Publish', Resource: [ARN('alerts'), ARN('exports')] }],
        },
      },
    ]);
    expect(out.Resources.ExecRole.Properties?.Policies).toBeUndefined();
    expect(out.Resources.Task.Metadata?.CloudCron).toEqual({ AppliedSnsTopics: { Ref: 'SnsTopics' } });
  });

  test('no topics: nothing is added and nothing is required', () => {
    const t = fragment([{ Name: 'job' }], { Properties: { TaskRoleArn: undefined } });
    const out = transform(t, { SnsTopics: '' });
    expect(containerEnv(out)).toBeUndefined();
  });

  test.each([
    [
      'Metadata.CloudCron.Container names it',
      [{ Name: 'sidecar' }, { Name: 'job' }],
      { CloudCron: { Container: 'job' } },
      1,
    ],
    ['the only container', [{ Name: 'job' }], undefined, 0],
    ['the first essential one', [{ Name: 'init', Essential: false }, { Name: 'job' }, { Name: 'log' }], undefined, 1],
  ])('the container: %s', (_why, containers, metadata, index) => {
    const out = transform(fragment(containers, metadata ? { Metadata: metadata } : {}));
    expect(containerEnv(out, index).map((e) => e.Name)).toEqual(['ALERTS', 'EXPORTS']);
    (out.Resources.Task.Properties!.ContainerDefinitions as Container[]).forEach((c, i) => {
      if (i !== index) expect(c.Environment).toBeUndefined();
    });
  });

  test('the string form of Fn::GetAtt and a Ref name the task role too', () => {
    for (const TaskRoleArn of ['TaskRole.Arn', undefined].map((s) => (s ? { 'Fn::GetAtt': s } : { Ref: 'TaskRole' }))) {
      const out = transform(fragment(undefined, { Properties: { TaskRoleArn } }));
      expect(rolePolicies(out).map((p) => p.PolicyName)).toEqual(['CloudCronSnsPublish']);
    }
  });

  test.each<[string, Container[], Partial<TemplateResource>, RegExp]>([
    [
      'no task role',
      [{ Name: 'job' }],
      { Properties: { TaskRoleArn: undefined } },
      /Task: TaskRoleArn must be !GetAtt <Role>\.Arn .*never to the execution role/,
    ],
    [
      'a role from outside',
      [{ Name: 'job' }],
      { Properties: { TaskRoleArn: 'arn:aws:iam::123456789012:role/x' } },
      /TaskRoleArn must be/,
    ],
    [
      'the execution role as task role',
      [{ Name: 'job' }],
      { Properties: { TaskRoleArn: { 'Fn::GetAtt': ['ExecRole', 'Arn'] } } },
      /TaskRoleArn and ExecutionRoleArn are the same role ExecRole/,
    ],
    [
      'a container list built by a function',
      [],
      { Properties: { ContainerDefinitions: { 'Fn::If': ['C', [], []] } } },
      /ContainerDefinitions must be a list .* written out/,
    ],
    [
      'an unknown container',
      [{ Name: 'job' }],
      { Metadata: { CloudCron: { Container: 'app' } } },
      /Container "app" names no container of ContainerDefinitions \(job\)/,
    ],
    [
      'no essential container',
      [
        { Name: 'a', Essential: false },
        { Name: 'b', Essential: false },
      ],
      {},
      /no container is essential; set Metadata\.CloudCron\.Container/,
    ],
    ['a container without a literal name', [{ Name: { Ref: 'N' } }], {}, /needs a literal Name/],
    [
      'an environment built by a function',
      [{ Name: 'job', Environment: { 'Fn::If': ['C', [], []] } }],
      {},
      /Environment of container job must be a list/,
    ],
    [
      'a variable the container already has',
      [{ Name: 'job', Environment: [{ Name: 'ALERTS', Value: 'x' }] }],
      {},
      /SnsTopics entry "ALERTS": Task already defines ALERTS in the Environment of container job/,
    ],
  ])('refuses %s', (_why, containers, task, message) => {
    expect(refusal(fragment(containers, task))).toMatch(message);
  });

  test.each([
    ['CLOUD_CRON_SCHEDULED_TIME', /is set by Cloud Cron's task contract .* "SCHEDULED_TIME_TOPIC"/],
    ['ECS_CONTAINER_METADATA_URI_V4', /is set by ECS in every container .* "CONTAINER_METADATA_URI_V4_TOPIC"/],
    ['AWS_REGION', /is reserved/],
    ['1X', /is not a valid environment variable name/],
  ])('refuses the topic variable name %s', (name, message) => {
    expect(refusal(fragment(), { SnsTopics: `${name}=${ARN('a')}` })).toMatch(message);
  });

  test('a task role shared by two task definitions gets one policy on the union of their topics', () => {
    const t = fragment();
    t.Resources.Task2 = structuredClone(t.Resources.Task);
    t.Resources.Task2.Metadata = { CloudCron: { SnsTopicsParameter: 'Audit' } };
    t.Resources.Task.Metadata = { CloudCron: {} };
    t.Parameters!.Audit = { Type: 'String', Default: `AUDIT=${ARN('audit')},ALERTS=${ARN('alerts')}` };
    const out = transform(t);
    expect(rolePolicies(out)).toEqual([
      {
        PolicyName: 'CloudCronSnsPublish',
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: 'sns:Publish', Resource: [ARN('alerts'), ARN('exports'), ARN('audit')] },
          ],
        },
      },
    ]);
    expect(
      ((out.Resources.Task2.Properties!.ContainerDefinitions as Container[])[0].Environment as { Name: string }[]).map(
        (e) => e.Name,
      ),
    ).toEqual(['AUDIT', 'ALERTS']);
  });

  test('a function and a task definition sharing one role get one policy too', () => {
    const t = fragment();
    t.Resources.Monitor = {
      Type: 'AWS::Serverless::Function',
      Properties: { Handler: 'index.handler', Role: { 'Fn::GetAtt': 'TaskRole.Arn' } },
    };
    const out = transform(t);
    expect(rolePolicies(out).map((p) => p.PolicyName)).toEqual(['CloudCronSnsPublish']);
    expect(out.Resources.Monitor.Properties?.Environment).toEqual({
      Variables: { ALERTS: ARN('alerts'), EXPORTS: ARN('exports') },
    });
  });

  test('marking follows the functions: once one resource is marked, unmarked task definitions and functions are left alone', () => {
    const t = fragment(undefined, { Metadata: { CloudCron: {} } });
    t.Resources.Monitor = { Type: 'AWS::Serverless::Function', Properties: { Handler: 'index.handler' } };
    t.Resources.Other = structuredClone(t.Resources.Task);
    delete t.Resources.Other.Metadata;
    const out = transform(t);
    expect(containerEnv(out)).toHaveLength(2);
    expect(out.Resources.Monitor.Properties?.Environment).toBeUndefined();
    expect((out.Resources.Other.Properties!.ContainerDefinitions as Container[])[0].Environment).toBeUndefined();
  });

  test('Metadata.CloudCron.SnsTopicsParameter gives a task definition another map', () => {
    const t = fragment(undefined, { Metadata: { CloudCron: { SnsTopicsParameter: 'Audit' } } });
    t.Parameters!.Audit = { Type: 'String', Default: `AUDIT=${ARN('audit')}` };
    expect(containerEnv(transform(t))).toEqual([{ Name: 'AUDIT', Value: ARN('audit') }]);
  });
});

describe('the payload of a schedule that runs the task', () => {
  function withSchedule(input: unknown, extra: Record<string, unknown> = {}): Template {
    const t = fragment();
    t.Resources.Schedule = {
      Type: 'AWS::Scheduler::Schedule',
      Metadata: { CloudCron: { TaskPayload: true } },
      Properties: {
        ScheduleExpression: 'rate(1 hour)',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: {
          Arn: 'arn:aws:ecs:us-east-1:123456789012:cluster/c',
          RoleArn: 'r',
          ...(input === undefined ? {} : { Input: input }),
          EcsParameters: { TaskDefinitionArn: { Ref: 'Task' } },
          ...extra,
        },
      },
    };
    return t;
  }
  const input = (t: Template) => (t.Resources.Schedule.Properties!.Target as { Input: string }).Input;

  test('becomes the task override of the chosen container, from a parameter', () => {
    const out = transform(withSchedule({ Ref: 'Payload' }), { Payload: '{"say":"\\"hi\\""}' });
    expect(input(out)).toBe(
      '{"containerOverrides":[{"name":"job","environment":[{"name":"CLOUD_CRON_PAYLOAD","value":"{\\"say\\":\\"\\\\\\"hi\\\\\\"\\"}"},{"name":"CLOUD_CRON_SCHEDULED_TIME","value":"<aws.scheduler.scheduled-time>"},{"name":"CLOUD_CRON_EXECUTION_ID","value":"<aws.scheduler.execution-id>"}]}]}',
    );
    expect(out.Resources.Schedule.Metadata?.CloudCron).toEqual({
      TaskPayload: true,
      AppliedPayload: { Ref: 'Payload' },
    });
  });

  test('a literal payload, or none ({}), works the same; the container Metadata names is used', () => {
    const t = withSchedule(undefined);
    t.Resources.Task.Properties!.ContainerDefinitions = [{ Name: 'sidecar' }, { Name: 'main' }];
    t.Resources.Task.Metadata = { CloudCron: { Container: 'main' } };
    const parsed = JSON.parse(input(transform(t)));
    expect(parsed.containerOverrides[0].name).toBe('main');
    expect(parsed.containerOverrides[0].environment[0]).toEqual({ name: 'CLOUD_CRON_PAYLOAD', value: '{}' });
    expect(JSON.parse(input(transform(withSchedule('[1,2]')))).containerOverrides[0].environment[0].value).toBe(
      '[1,2]',
    );
  });

  test('an unmarked schedule is left as it is', () => {
    const t = withSchedule('{"containerOverrides":[]}');
    delete t.Resources.Schedule.Metadata;
    expect(input(transform(t))).toBe('{"containerOverrides":[]}');
  });

  test.each<[string, Template, RegExp]>([
    [
      'an input built by a function',
      withSchedule({ 'Fn::Join': ['', ['{"a":"', { Ref: 'AWS::Region' }, '"}']] }),
      /Target\.Input must be the payload as text or a Ref to a parameter/,
    ],
    [
      'a target that is not a task definition of the template',
      withSchedule('{}', { EcsParameters: { TaskDefinitionArn: 'arn:aws:ecs:us-east-1:1:task-definition/x:1' } }),
      /TaskPayload needs an ECS target whose EcsParameters\.TaskDefinitionArn is !Ref/,
    ],
    ['invalid JSON', withSchedule('{a}'), /Schedule: (the schedule's Input|the payload) .* is not valid JSON/],
  ])('refuses %s', (_why, t, message) => {
    expect(refusal(t)).toMatch(message);
  });

  test('refuses a TaskPayload that is not true', () => {
    const t = withSchedule('{}');
    t.Resources.Schedule.Metadata = { CloudCron: { TaskPayload: 'yes' } };
    expect(refusal(t)).toMatch(/Metadata\.CloudCron\.TaskPayload must be true/);
  });

  test('refuses a payload whose override would exceed the 8192 characters ECS takes, saying by how much', () => {
    const big = JSON.stringify({ data: 'x'.repeat(8000) });
    expect(refusal(withSchedule({ Ref: 'Payload' }), { Payload: big })).toMatch(
      /the task override carrying the payload would be 8263 characters, over the 8192 ECS accepts in RunTask overrides; shorten the payload by 71 characters/,
    );
  });
});
