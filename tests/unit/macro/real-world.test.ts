/**
 * The macro on real-world templates (issue 17, section 4): each case found by running it on the SAM translator's
 * and SAM CLI's test inputs, AWS's serverless patterns and fuzzed requests, reduced to its shape.
 */
import { MacroError } from '../../../functions/macro/errors';
import { handler, type MacroEvent, type MacroResponse } from '../../../functions/macro/index';
import { objectMembers } from '../../../functions/macro/json-entries';
import { nameProblem, parseSnsTopics } from '../../../functions/macro/sns-topics';
import { POLICY_NAME, transform } from '../../../functions/macro/transform';
import type { Template } from '../../../tooling/cfn-yaml';

const ARN = (name: string) => `arn:aws:sns:us-east-1:123456789012:${name}`;
const TOPICS = `ALERTS=${ARN('alerts')},REPORTS=${ARN('reports')}`;

type Resources = Record<string, unknown>;
const template = (resources: Resources, extra: Record<string, unknown> = {}): Template =>
  ({ Parameters: { SnsTopics: { Type: 'String', Default: '' } }, Resources: resources, ...extra }) as Template;
const fn = (props: Record<string, unknown> = {}, more: Record<string, unknown> = {}) => ({
  Type: 'AWS::Serverless::Function',
  Properties: { Handler: 'index.handler', Runtime: 'nodejs22.x', CodeUri: 's3://b/k.zip', ...props },
  ...more,
});
const role = (policies?: unknown[]) => ({
  Type: 'AWS::IAM::Role',
  Properties: {
    AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [] },
    ...(policies ? { Policies: policies } : {}),
  },
});
const vars = (t: Template, id: string) =>
  (t.Resources[id].Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables;
const publishPolicies = (t: Template, roleId: string) =>
  ((t.Resources[roleId].Properties?.Policies ?? []) as { PolicyName?: string; PolicyDocument?: unknown }[]).filter(
    (p) => p.PolicyName === POLICY_NAME,
  );

const refusal = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(MacroError);
    return (e as Error).message;
  }
  throw new Error('expected a refusal');
};

const event = (fragment: unknown, values: unknown = {}, extra: Record<string, unknown> = {}) =>
  ({
    region: 'us-east-1',
    accountId: '123456789012',
    transformId: '123456789012::CloudCron',
    requestId: 'req-1',
    params: {},
    fragment,
    templateParameterValues: values,
    ...extra,
  }) as unknown as MacroEvent;

const failure = (r: MacroResponse) => {
  expect(r.status).toBe('failure');
  return r.status === 'failure' ? r.errorMessage : '';
};

describe('broken shapes get a message naming the fault, never an internal error', () => {
  test.each([
    ['a resource that is null', template({ Broken: null }), /^Resources\.Broken is null: each resource must be a map/],
    ['a resource that is a string', template({ Broken: 'x' }), /^Resources\.Broken is a string/],
    ['a resource without a Type', template({ Broken: { Properties: {} } }), /^Resources\.Broken has no Type$/],
    [
      'a Type that is not a string',
      template({ Broken: { Type: ['x'] } }),
      /^Resources\.Broken: Type must be a string, got a list/,
    ],
    [
      'Metadata that is a string',
      template({ Job: fn({}, { Metadata: 'x' }) }),
      /^Resources\.Job\.Metadata must be a map, got a string/,
    ],
    [
      'scalar Properties',
      template({ Job: { Type: 'AWS::Serverless::Function', Properties: 5 } }),
      /^Resources\.Job\.Properties must be a map, got a number/,
    ],
    [
      'Properties that are null',
      template({ Job: { Type: 'AWS::Serverless::Function', Properties: null } }),
      /^Resources\.Job\.Properties must be a map, got null/,
    ],
    [
      'Properties that are a list',
      template({ Job: { Type: 'AWS::Serverless::Function', Properties: [{ Handler: 'x' }] } }),
      /^Resources\.Job\.Properties must be a map, got a list/,
    ],
    [
      'a role with list Properties',
      template({ R: { Type: 'AWS::IAM::Role', Properties: [] } }),
      /^Resources\.R\.Properties must be a map, got a list/,
    ],
    [
      'a schedule with scalar Properties',
      template({ S: { Type: 'AWS::Scheduler::Schedule', Properties: 'rate(1 hour)' } }),
      /^Resources\.S\.Properties must be a map, got a string/,
    ],
    [
      'Properties that are an intrinsic',
      template({ Job: { Type: 'AWS::Serverless::Function', Properties: { 'Fn::If': ['C', {}, {}] } } }),
      /^Resources\.Job\.Properties is an intrinsic function/,
    ],
    [
      'Resources that are a list',
      { Resources: [] } as unknown as Template,
      /Resources section must be a map of logical IDs to resources, got a list/,
    ],
    ['Resources that are null', { Resources: null } as unknown as Template, /Resources section is empty/],
    ['no Resources', {} as Template, /^the template has no Resources section$/],
    ['Globals that are a list', template({ Job: fn() }, { Globals: [] }), /^Globals must be a map, got a list/],
    [
      'Globals.Function that is a string',
      template({ Job: fn() }, { Globals: { Function: 'x' } }),
      /^Globals\.Function must be a map, got a string/,
    ],
  ])('%s', (_label, t, message) => {
    expect(refusal(() => transform(t, { SnsTopics: TOPICS }))).toMatch(message);
  });

  test("resources of types the macro does not read are CloudFormation's to check", () => {
    const t = template({ Bucket: { Type: 'AWS::S3::Bucket', Properties: 'odd', Metadata: 7 }, Job: fn() });
    expect(() => transform(t, {})).not.toThrow();
  });

  test('the handler answers every request with a macro response, the requestId echoed', async () => {
    const odd: unknown[] = [null, undefined, 5, 'x', [], {}, { fragment: null }, { fragment: 5, requestId: 'r' }];
    for (const e of odd) {
      const r = await handler(e as MacroEvent);
      expect(r.status).toBe('failure');
      expect(failure(r)).not.toMatch(/internal error/);
      expect(r.fragment).toEqual(expect.any(Object));
      if (e && typeof e === 'object' && 'requestId' in e) expect(r.requestId).toBe('r');
    }
    expect(failure(await handler(null as unknown as MacroEvent))).toMatch(/not a CloudFormation macro event.*got null/);
    expect(failure(await handler({ requestId: 'r' } as unknown as MacroEvent))).toMatch(/the request has no fragment/);
    expect(failure(await handler(event(template({ Job: fn() }), 'x')))).toMatch(
      /templateParameterValues must be a map/,
    );
    const r = await handler(event(template({ Broken: null })));
    expect(r).toMatchObject({ requestId: 'req-1', status: 'failure', fragment: template({ Broken: null }) });
  });

  test('a template nested far past any real one is refused with where it happens, without a stack overflow', async () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 5000; i += 1) deep = [deep];
    const t = template({ Job: fn({ Tags: { Deep: deep } }) });
    expect(refusal(() => transform(t, {}))).toMatch(
      /^Resources\.Job\.Properties\.Tags\.Deep(\[0\])+… nests more than 1000 levels deep/,
    );
    const r = await handler(event(t));
    expect(failure(r)).toMatch(/nests more than 1000 levels deep/);
    // Too deep to echo: the runtime could not serialize it.
    expect(r.fragment).toEqual({});
    expect(() => JSON.stringify(r)).not.toThrow();
  });

  test('a template nested 900 levels deep is processed', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 900; i += 1) deep = { Fn: deep };
    const t = template({ Job: fn({ Tags: { Deep: deep } }) });
    expect(vars(transform(t, { SnsTopics: TOPICS }), 'Job')).toEqual({
      ALERTS: ARN('alerts'),
      REPORTS: ARN('reports'),
    });
  });
});

describe('object prototype names are just names', () => {
  test.each(['constructor', 'toString', 'hasOwnProperty', 'valueOf'])('a topic variable named %s is added', (name) => {
    const out = transform(template({ Job: fn() }), { SnsTopics: `${name}=${ARN('a')}` });
    expect(vars(out, 'Job')).toEqual({ [name]: ARN('a') });
  });

  test('a JSON map with a __proto__ key is refused as a name, and pollutes nothing', () => {
    expect(refusal(() => parseSnsTopics(`{"__proto__": "${ARN('a')}"}`))).toMatch(
      /"__proto__" is not a valid environment variable name/,
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('a __proto__ key in the template is copied as a key, never as a prototype', () => {
    const t = JSON.parse(
      `{"Parameters": {"SnsTopics": {"Type": "String"}}, "Resources": {"Job": {"Type": "AWS::Serverless::Function", "Properties": {"Environment": {"Variables": {"__proto__": {"polluted": 1}, "LOG": "x"}}}}}}`,
    ) as Template;
    const out = transform(t, { SnsTopics: `ALERTS=${ARN('a')}` });
    const v = vars(out, 'Job') as Record<string, unknown>;
    expect(Object.keys(v)).toEqual(['__proto__', 'LOG', 'ALERTS']);
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect((v as { polluted?: unknown }).polluted).toBeUndefined();
    expect(JSON.stringify(out)).toContain('"__proto__":{"polluted":1}');
  });

  test('parameters and resources named after Object.prototype members are not mistaken for declared ones', () => {
    // A Ref to "constructor" is not a parameter of this template: the expression cannot be known, and is left alone.
    const t = template({
      Job: fn({
        Role: { 'Fn::GetAtt': ['constructor', 'Arn'] },
        Events: { E: { Type: 'ScheduleV2', Properties: { ScheduleExpression: { Ref: 'constructor' } } } },
      }),
    });
    expect(refusal(() => transform(t, { SnsTopics: TOPICS }))).toMatch(
      /its Role is not an AWS::IAM::Role of this template/,
    );
    const marked = template({ Job: fn({}, { Metadata: { CloudCron: { SnsTopicsParameter: 'toString' } } }) });
    expect(refusal(() => transform(marked, {}))).toMatch(
      /SnsTopicsParameter must name a parameter of this template, got "toString"/,
    );
  });
});

test('Properties that are a list are refused, not silently dropped', () => {
  const t = template({ Job: { Type: 'AWS::Serverless::Function', Properties: [] } });
  expect(refusal(() => transform(t, { SnsTopics: TOPICS }))).toMatch(
    /Resources\.Job\.Properties must be a map, got a list/,
  );
});

describe('functions sharing a role of the template', () => {
  const shared = () =>
    template({
      First: fn({ Role: { 'Fn::GetAtt': ['SharedRole', 'Arn'] } }),
      Second: fn({ Role: { 'Fn::GetAtt': ['SharedRole', 'Arn'] } }),
      SharedRole: role([{ PolicyName: 'Logs', PolicyDocument: {} }]),
    });

  test('both get their variables; the role gets one policy on the union of their topics', () => {
    const out = transform(shared(), { SnsTopics: TOPICS });
    expect(vars(out, 'First')).toEqual({ ALERTS: ARN('alerts'), REPORTS: ARN('reports') });
    expect(vars(out, 'Second')).toEqual({ ALERTS: ARN('alerts'), REPORTS: ARN('reports') });
    expect(out.Resources.SharedRole.Properties?.Policies).toEqual([
      { PolicyName: 'Logs', PolicyDocument: {} },
      {
        PolicyName: POLICY_NAME,
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'sns:Publish', Resource: [ARN('alerts'), ARN('reports')] }],
        },
      },
    ]);
  });

  test('functions with different maps: each gets its own variables, the shared role the union', () => {
    const t = shared();
    t.Parameters = { SnsTopics: { Type: 'String' }, AuditTopics: { Type: 'String' } };
    t.Resources.First.Metadata = { CloudCron: {} };
    t.Resources.Second.Metadata = { CloudCron: { SnsTopicsParameter: 'AuditTopics' } };
    const out = transform(t, {
      SnsTopics: `ALERTS=${ARN('alerts')}`,
      AuditTopics: `AUDIT=${ARN('audit')},ALERTS=${ARN('alerts')}`,
    });
    expect(vars(out, 'First')).toEqual({ ALERTS: ARN('alerts') });
    expect(vars(out, 'Second')).toEqual({ AUDIT: ARN('audit'), ALERTS: ARN('alerts') });
    expect(publishPolicies(out, 'SharedRole')).toEqual([
      expect.objectContaining({
        PolicyDocument: expect.objectContaining({
          Statement: [{ Effect: 'Allow', Action: 'sns:Publish', Resource: [ARN('alerts'), ARN('audit')] }],
        }),
      }),
    ]);
  });

  test('a policy of that name written by the user is refused with a true message', () => {
    const t = template({ Job: fn({ Role: { Ref: 'R' } }), R: role([{ PolicyName: POLICY_NAME, PolicyDocument: {} }]) });
    expect(refusal(() => transform(t, { SnsTopics: TOPICS }))).toBe(
      `R: already has a policy named ${POLICY_NAME}, the name the CloudCron macro gives the sns:Publish grant of Job; rename that policy`,
    );
  });

  test('a role with no Properties or no Policies gets them', () => {
    const t = template({ Job: fn({ Role: { 'Fn::GetAtt': ['R', 'Arn'] } }), R: { Type: 'AWS::IAM::Role' } });
    expect(publishPolicies(transform(t, { SnsTopics: TOPICS }), 'R')).toHaveLength(1);
  });
});

describe('every way of naming a role of the template', () => {
  test.each([
    ['!GetAtt R.Arn', { 'Fn::GetAtt': ['R', 'Arn'] }],
    ['the string form of Fn::GetAtt', { 'Fn::GetAtt': 'R.Arn' }],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub string
    ['!Sub ${R.Arn}', { 'Fn::Sub': '${R.Arn}' }],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub string
    ['!Sub with a variable map', { 'Fn::Sub': ['${R.Arn}', { Other: 'x' }] }],
    ['!Ref R', { Ref: 'R' }],
  ])('%s', (_label, ref) => {
    const out = transform(template({ Job: fn({ Role: ref }), R: role() }), { SnsTopics: TOPICS });
    expect(publishPolicies(out, 'R')).toHaveLength(1);
    expect(out.Resources.Job.Properties?.Policies).toBeUndefined();
  });

  test.each([
    ['an ARN string', 'arn:aws:iam::123456789012:role/x'],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub string
    ['a Sub that builds an ARN', { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/x' }],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub string
    ['a Sub whose variable map redefines R.Arn', { 'Fn::Sub': ['${R.Arn}', { 'R.Arn': 'arn:aws:iam::1:role/y' }] }],
    ['another attribute', { 'Fn::GetAtt': 'R.RoleId' }],
    ['a condition', { 'Fn::If': ['C', { 'Fn::GetAtt': ['R', 'Arn'] }, 'arn:aws:iam::123456789012:role/x'] }],
    ['a resource that is not a role', { 'Fn::GetAtt': ['Bucket', 'Arn'] }],
  ])('not %s', (_label, ref) => {
    const t = template({ Job: fn({ Role: ref }), R: role(), Bucket: { Type: 'AWS::S3::Bucket' } });
    expect(refusal(() => transform(t, { SnsTopics: TOPICS }))).toMatch(
      /^Job: its Role is not an AWS::IAM::Role of this template/,
    );
  });
});

describe('Globals and function environments that are intrinsics', () => {
  const globals = (env: unknown) => template({ Job: fn() }, { Globals: { Function: { Environment: env } } });

  test('are accepted when the macro adds nothing', () => {
    for (const env of [{ Variables: { 'Fn::If': ['C', { A: '1' }, { A: '2' }] } }, { 'Fn::If': ['C', {}, {}] }]) {
      const t = globals(env);
      expect(transform(t, { SnsTopics: '' }).Globals).toEqual(t.Globals);
      expect(transform(t, {}).Resources.Job.Properties).toEqual(t.Resources.Job.Properties);
    }
    const own = template({ Job: fn({ Environment: { Variables: { 'Fn::If': ['C', {}, {}] } } }) });
    expect(transform(own, {}).Resources.Job.Properties).toEqual(own.Resources.Job.Properties);
  });

  test('are refused when the macro must add variables (SAM would drop one side)', () => {
    expect(
      refusal(() => transform(globals({ Variables: { 'Fn::If': ['C', {}, {}] } }), { SnsTopics: TOPICS })),
    ).toMatch(/^Globals: Function Environment must be a map with a Variables map \(not an intrinsic function\)/);
    const own = template({ Job: fn({ Environment: { Variables: { 'Fn::If': ['C', {}, {}] } } }) });
    expect(refusal(() => transform(own, { SnsTopics: TOPICS }))).toMatch(
      /^Job: its Environment must be a map with a Variables map/,
    );
  });
});

describe('JSON maps compare decoded names', () => {
  test.each([
    [
      `{"AL": "${ARN('a')}", "A\\u004c": "${ARN('b')}"}`,
      /names "AL" twice \("A\\u004c" is "AL" once its escapes are decoded\)/,
    ],
    [`{"\\u0041L": "${ARN('a')}", "AL": "${ARN('b')}"}`, /names "AL" twice/],
    [`{"A1": "${ARN('a')}", "nested": {"A1": 1}, "A1": "${ARN('b')}"}`, /names "A1" twice/],
    [`{ "A1" : "${ARN('a')}" ,\n "A1":"${ARN('b')}" }`, /names "A1" twice/],
  ])('%s', (map, message) => {
    expect(refusal(() => parseSnsTopics(map))).toMatch(message);
  });

  test('keys inside values and strings holding quotes, colons and braces are not keys', () => {
    const map = `{"A1": "${ARN('a')}", "B1": "${ARN('b')}"}`;
    expect(parseSnsTopics(map)).toEqual([
      { name: 'A1', arn: ARN('a') },
      { name: 'B1', arn: ARN('b') },
    ]);
    expect(objectMembers('{"a": "x\\":{\\"a\\":", "b": [1, {"a": 2}], "c\\"": {}}').map((m) => m.key)).toEqual([
      'a',
      'b',
      'c"',
    ]);
  });
});

describe('AWS::Events::Rule target Input', () => {
  const rule = (input: unknown, schedule = true) =>
    template(
      {
        Rule: {
          Type: 'AWS::Events::Rule',
          Properties: {
            ...(schedule ? { ScheduleExpression: 'rate(5 minutes)' } : { EventPattern: { source: ['x'] } }),
            Targets: [
              { Id: 'Ok', Arn: 'arn:aws:sqs:us-east-1:123456789012:q', Input: '{}' },
              { Id: 'Job', Arn: 'arn:aws:sqs:us-east-1:123456789012:q', Input: input },
            ],
          },
        },
      },
      { Parameters: { Payload: { Type: 'String', Default: '{"a":' } } },
    );

  test.each([
    ['a literal', '{"report": daily}'],
    ['a Ref to a parameter', { Ref: 'Payload' }],
  ])('that is not JSON is refused: %s', (_label, input) => {
    expect(refusal(() => transform(rule(input), {}))).toMatch(
      /^Rule target Job: the target's Input .* is not valid JSON/,
    );
    expect(refusal(() => transform(rule(input, false), {}))).toMatch(/^Rule target Job: the target's Input/);
  });

  test('that is JSON, or cannot be known before deployment, is accepted', () => {
    expect(() => transform(rule('{"report": "daily"}'), {})).not.toThrow();
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub string
    expect(() => transform(rule({ 'Fn::Sub': '{"at": "${AWS::Region}"}' }), {})).not.toThrow();
  });

  test('so is a SAM EventBridgeRule event Input', () => {
    const t = template({
      Job: fn({ Events: { E: { Type: 'EventBridgeRule', Properties: { Pattern: {}, Input: 'nope' } } } }),
    });
    expect(refusal(() => transform(t, {}))).toMatch(/^Job event E: the target's Input "nope" is not valid JSON/);
  });

  test('and the schedules of SAM state machines are checked like those of functions', () => {
    const t = template({
      Machine: {
        Type: 'AWS::Serverless::StateMachine',
        Properties: { Events: { E: { Type: 'ScheduleV2', Properties: { ScheduleExpression: 'cron(0 12 * * * *)' } } } },
      },
    });
    expect(refusal(() => transform(t, {}))).toMatch(/^Machine event E: schedule expression "cron\(0 12 \* \* \* \*\)"/);
  });
});

describe('Fn::ForEach (AWS::LanguageExtensions listed after the macro)', () => {
  const loop = (body: Record<string, unknown>) => ({ 'Fn::ForEach::Jobs': ['Name', ['A', 'B'], body] });
  const order =
    /list AWS::LanguageExtensions before CloudCron so that the macro sees the expanded resources: Transform: \[AWS::LanguageExtensions, CloudCron, AWS::Serverless-2016-10-31\]/;

  test('a function in a loop that would get topics is refused with the order that works', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub string
    const t = template({ ...loop({ '${Name}Job': fn({ CodeUri: { 'Fn::Sub': 's3://b/${Name}.zip' } }) }) });
    const message = refusal(() => transform(t, { SnsTopics: TOPICS }));
    expect(message).toMatch(
      /^Resources\.Fn::ForEach::Jobs: the AWS::Serverless::Function \$\{Name\}Job in this loop would get topic variables and sns:Publish/,
    );
    expect(message).toMatch(order);
  });

  test('nested loops and schedules in loops are refused too', () => {
    const nested = template({ 'Fn::ForEach::Envs': ['Env', ['dev'], loop({ '${Env}${Name}': fn() })] });
    expect(refusal(() => transform(nested, { SnsTopics: TOPICS }))).toMatch(
      /^Resources\.Fn::ForEach::Envs\.Fn::ForEach::Jobs: the AWS::Serverless::Function/,
    );
    const schedules = template(
      loop({
        '${Name}Tick': {
          Type: 'AWS::Scheduler::Schedule',
          Properties: { ScheduleExpression: 'rate(1 hour)', FlexibleTimeWindow: { Mode: 'OFF' }, Target: {} },
        },
      }),
    );
    expect(refusal(() => transform(schedules, {}))).toMatch(
      /\$\{Name\}Tick in this loop has a schedule or target Input to check/,
    );
    const events = template({
      Job: fn({
        Events: {
          'Fn::ForEach::Ticks': [
            'T',
            ['a'],
            { '${T}': { Type: 'Schedule', Properties: { Schedule: 'rate(1 hour)' } } },
          ],
        },
      }),
    });
    expect(refusal(() => transform(events, {}))).toMatch(
      /^Job: the Schedule event \$\{T\} in Events\.Fn::ForEach::Ticks cannot be checked/,
    );
    const env = template({
      Job: fn({ Environment: { Variables: { 'Fn::ForEach::V': ['V', ['A'], { '${V}': 'x' }] } } }),
    });
    expect(refusal(() => transform(env, { SnsTopics: TOPICS }))).toMatch(
      /^Job: its Environment Variables hold a Fn::ForEach loop/,
    );
  });

  test('the message names the macro as the template lists it', async () => {
    const t = template(loop({ '${Name}Job': fn() }));
    const r = await handler(event(t, { SnsTopics: TOPICS }, { transformId: '123456789012::CloudCronV2' }));
    expect(failure(r)).toMatch(/Transform: \[AWS::LanguageExtensions, CloudCronV2, AWS::Serverless-2016-10-31\]/);
  });

  test('a loop that holds nothing for the macro is left as it is', () => {
    const t = template({ ...loop({ '${Name}Job': fn(), '${Name}Queue': { Type: 'AWS::SQS::Queue' } }), Other: fn() });
    const out = transform(t, { SnsTopics: '' });
    expect(out.Resources['Fn::ForEach::Jobs']).toEqual(t.Resources['Fn::ForEach::Jobs']);
    // Functions outside loops still get their topics when the map is not empty, and unmarked loop functions
    // are refused then: nothing is lost silently.
    expect(refusal(() => transform(t, { SnsTopics: TOPICS }))).toMatch(/in this loop would get topic variables/);
  });

  test('when only marked functions are targeted, an unmarked function in a loop is not', () => {
    const t = template({ ...loop({ '${Name}Helper': fn() }), Job: fn({}, { Metadata: { CloudCron: {} } }) });
    expect(vars(transform(t, { SnsTopics: TOPICS }), 'Job')).toEqual({
      ALERTS: ARN('alerts'),
      REPORTS: ARN('reports'),
    });
  });
});

describe("Lambda's reserved names, as its current documentation lists them", () => {
  test.each([
    'AWS_XRAY_CONTEXT_MISSING',
    'AWS_XRAY_DAEMON_ADDRESS',
    'TZ',
    'LANG',
    'PATH',
    'NODE_OPTIONS',
    'AWS_XRAY_TRACING_NAME',
  ])('%s is not reserved', (name) => {
    expect(nameProblem(name)).toBeUndefined();
  });

  test.each([
    '_HANDLER',
    '_X_AMZN_TRACE_ID',
    'AWS_DEFAULT_REGION',
    'AWS_REGION',
    'AWS_EXECUTION_ENV',
    'AWS_LAMBDA_FUNCTION_NAME',
    'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
    'AWS_LAMBDA_FUNCTION_VERSION',
    'AWS_LAMBDA_INITIALIZATION_TYPE',
    'AWS_LAMBDA_LOG_GROUP_NAME',
    'AWS_LAMBDA_LOG_STREAM_NAME',
    'AWS_ACCESS_KEY',
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'AWS_LAMBDA_RUNTIME_API',
    'LAMBDA_TASK_ROOT',
    'LAMBDA_RUNTIME_DIR',
  ])('%s is reserved', (name) => {
    expect(nameProblem(name)).toMatch(/is reserved by Lambda/);
  });

  test("other AWS_LAMBDA_* names are refused as Lambda's own (AWS_LAMBDA_EXEC_WRAPPER starts the function)", () => {
    expect(nameProblem('AWS_LAMBDA_EXEC_WRAPPER')).toMatch(
      /AWS_LAMBDA_\* names are Lambda's: reserved, or read by Lambda/,
    );
  });
});

describe('a NoEcho map is never recorded or quoted', () => {
  const secret = (value = '') =>
    template({ Job: fn() }, { Parameters: { SnsTopics: { Type: 'String', NoEcho: true, Default: value } } });

  test('no Metadata record when NoEcho; the record otherwise', () => {
    const out = transform(secret(), { SnsTopics: TOPICS });
    expect(out.Resources.Job.Metadata).toBeUndefined();
    expect(vars(out, 'Job')).toEqual({ ALERTS: ARN('alerts'), REPORTS: ARN('reports') });
    expect(JSON.stringify(out)).not.toContain('"Ref":"SnsTopics"');
    expect(transform(template({ Job: fn() }), { SnsTopics: TOPICS }).Resources.Job.Metadata).toEqual({
      CloudCron: { AppliedSnsTopics: { Ref: 'SnsTopics' } },
    });
  });

  test.each([
    [`SECRET_NAME_1=${ARN('a')},SECRETNOEQUALS`, /entry 2 has no "="/],
    [
      `SECRET_NAME_1=arn:aws:sqs:us-east-1:123456789012:hidden-queue`,
      /entry 1: the value is not an SNS topic ARN \(this ARN is not for SNS\)/,
    ],
    [`SECRET_NAME_1=${ARN('a')},SECRET_NAME_1=${ARN('b')}`, /entry 2 names the same variable as entry 1/],
    [`1SECRET=${ARN('a')}`, /entry 1: the name is not a valid environment variable name/],
    [`AWS_SESSION_TOKEN=arn:aws:sns:us-east-1:210987654321:hidden`, /entry 1: the name is reserved by Lambda/],
    ['{"SECRET_NAME_1": hidden}', /is not valid JSON: write/],
    ['{"SECRET_NAME_1": 5}', /entry 1 must be a topic ARN string, got 5/],
  ])('%s', (map, message) => {
    const text = refusal(() => transform(secret(), { SnsTopics: map }));
    expect(text).toMatch(message);
    expect(text).toMatch(/^SnsTopics \(NoEcho, so entries are shown by position\)/);
    for (const part of ['SECRET', 'hidden', 'AWS_SESSION_TOKEN', '210987654321']) expect(text).not.toContain(part);
  });

  test('a name the function already has is refused without naming it', () => {
    const t = secret();
    t.Resources.Job.Properties = { ...t.Resources.Job.Properties, Environment: { Variables: { SECRET_NAME: 'x' } } };
    const text = refusal(() => transform(t, { SnsTopics: `SECRET_NAME=${ARN('a')}` }));
    expect(text).toBe(
      'SnsTopics (NoEcho) entry 1: Job already defines that variable in its Environment; rename the topic variable or remove the existing one',
    );
  });

  test('a schedule Input from a NoEcho parameter is not quoted', () => {
    const t = template(
      {
        Job: fn({
          Events: {
            E: { Type: 'ScheduleV2', Properties: { ScheduleExpression: 'rate(1 hour)', Input: { Ref: 'Payload' } } },
          },
        }),
      },
      { Parameters: { Payload: { Type: 'String', NoEcho: true } } },
    );
    const text = refusal(() => transform(t, { Payload: '{"token": hunter2' }));
    expect(text).toBe(
      "Job event E: the schedule's Input from NoEcho parameter Payload is not valid JSON: pass a JSON document such as {}",
    );
  });
});

test('a template that declares no SnsTopics parameter is left as it is, whatever values the request carries', () => {
  const t = { Resources: { Job: fn(), R: role() } } as unknown as Template;
  expect(transform(t, { SnsTopics: TOPICS })).toEqual(t);
});

describe('values resolved through Fn::If and Fn::Sub', () => {
  const schedule = (input: unknown, conditions: Record<string, unknown>) =>
    template(
      {
        Job: fn({
          Events: { E: { Type: 'ScheduleV2', Properties: { ScheduleExpression: 'rate(1 hour)', Input: input } } },
        }),
      },
      {
        Conditions: conditions,
        Parameters: {
          P: { Type: 'String', Default: '{"a":' },
          Secret: { Type: 'String', NoEcho: true, Default: 'hunter2' },
        },
      },
    );

  test('conditions that name each other in a loop, or Object.prototype names, end without an answer', () => {
    const loop = schedule(
      { 'Fn::If': ['A', { Ref: 'P' }, '{}'] },
      { A: { Condition: 'B' }, B: { 'Fn::Not': [{ Condition: 'A' }] } },
    );
    expect(() => transform(loop, {})).not.toThrow();
    const proto = schedule({ 'Fn::If': ['constructor', { Ref: 'P' }, '{}'] }, {});
    expect(() => transform(proto, {})).not.toThrow();
  });

  test('an Input built with Fn::Sub around a NoEcho parameter is checked but not quoted', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub string
    const t = schedule({ 'Fn::Sub': '{"token": ${Secret}' }, {});
    const text = refusal(() => transform(t, {}));
    expect(text).toBe(
      "Job event E: the schedule's Input from NoEcho parameter Secret is not valid JSON: pass a JSON document such as {}",
    );
    expect(text).not.toContain('hunter2');
  });
});
