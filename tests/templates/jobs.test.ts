/**
 * template-jobs.yaml as cfn-lint and the SAM translator see it: clean, made only of resource types the Serverless
 * Application Repository accepts (after translation too: the schedule group is made at run time, schedules through
 * the API), and least privilege: every function has its own role trusted by Lambda in this account only, every
 * statement names its resources, the schedules' role is trusted by this group's schedules only, and the only
 * targets the app can reach are AllowedTargetArns.
 */
import { cfnLint, describeFindings, readTemplate, samTranslate, templatePath } from '../../tooling/cfn';
import type { Template } from '../../tooling/cfn-yaml';
import { SAR_SUPPORTED_RESOURCE_TYPES, sarProblems } from '../../tooling/sar';

const FILE = 'template-jobs.yaml';
const PATTERNS = 'arn:aws:lambda:us-east-1:123456789012:function:reports-*,arn:aws:sns:us-east-1:123456789012:alerts';
let cfn: Template;
let withRuns: Template;

beforeAll(() => {
  cfn = samTranslate(templatePath(FILE), { AllowedTargetArns: PATTERNS });
  withRuns = samTranslate(templatePath(FILE), {
    AllowedTargetArns: PATTERNS,
    RunsTableName: 'cloud-cron-runs-RunsTable-1A2B3C',
    JobsBucketName: 'my-existing-bucket',
    AlarmTopicArn: 'arn:aws:sns:us-east-1:123456789012:ops',
  });
}, 120000);

type Statement = {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, unknown>;
  Principal?: unknown;
};
const statementsOf = (t: Template, roleId: string): Statement[] =>
  ((t.Resources[roleId].Properties?.Policies ?? []) as { PolicyDocument: { Statement: unknown[] } }[])
    .flatMap((p) => p.PolicyDocument.Statement)
    .filter((s): s is Statement => !!s && typeof s === 'object' && 'Effect' in s);

test('cfn-lint reports nothing on the template and on its translations', () => {
  expect(describeFindings(cfnLint(templatePath(FILE), cfn))).toEqual([]);
  expect(describeFindings(cfnLint(templatePath(FILE), withRuns))).toEqual([]);
});

test('SAR accepts it: its checks pass, and every translated resource type is on its list (no Scheduler resource)', () => {
  expect(sarProblems(readTemplate(FILE), templatePath(FILE))).toEqual([]);
  for (const t of [cfn, withRuns]) {
    const types = [...new Set(Object.values(t.Resources).map((r) => r.Type))].sort();
    expect(types.filter((type) => type.startsWith('AWS::Scheduler::'))).toEqual([]);
    expect(types.filter((type) => !SAR_SUPPORTED_RESOURCE_TYPES.includes(type))).toEqual([]);
  }
  expect(cfn.Resources.JobsSetup.Type).toBe('AWS::CloudFormation::CustomResource');
});

test('AllowedTargetArns is required, and each entry must be a Lambda or SNS ARN pattern in a named account', () => {
  const p = readTemplate(FILE).Parameters!.AllowedTargetArns;
  expect(p.Default).toBeUndefined();
  expect(p.Type).toBe('CommaDelimitedList');
  const pattern = new RegExp(p.AllowedPattern!);
  for (const ok of PATTERNS.split(',')) expect(ok).toMatch(pattern);
  for (const bad of [
    '*',
    'arn:aws:lambda:*:*:function:*',
    'arn:aws:lambda:us-east-1:123456789012:*',
    'arn:aws:iam::123456789012:role/admin',
    'arn:aws:sqs:us-east-1:123456789012:queue',
    'arn:aws:states:us-east-1:123456789012:stateMachine:x',
    '',
  ])
    expect(bad).not.toMatch(pattern);
});

test('every function has its own role, trusted by Lambda for this account only, writing only its own log group', () => {
  const functions = Object.entries(cfn.Resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function');
  expect(functions.map(([id]) => id).sort()).toEqual([
    'ApiFunction',
    'DispatcherFunction',
    'FilesFunction',
    'ReconcilerFunction',
    'SetupFunction',
    'StatusFunction',
  ]);
  const roles = new Set<string>();
  for (const [, fn] of functions) {
    const roleId = (fn.Properties!.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    roles.add(roleId);
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
    expect(statementsOf(cfn, roleId)[0]).toEqual({
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: { 'Fn::GetAtt': [logGroup, 'Arn'] },
    });
  }
  expect(roles.size).toBe(functions.length);
});

test('no statement allows "*" but ListSchedules (which has no resource-level permission); no wildcard action', () => {
  const stars: string[] = [];
  for (const [id, r] of Object.entries(withRuns.Resources)) {
    if (r.Type !== 'AWS::IAM::Role') continue;
    for (const st of statementsOf(withRuns, id)) {
      expect(st.Effect).toBe('Allow');
      for (const a of [st.Action].flat()) expect(a).not.toMatch(/\*/);
      if (JSON.stringify(st.Resource) === '"*"') stars.push(`${id}: ${[st.Action].flat().join(',')}`);
      expect(st.Resource).toBeDefined();
    }
  }
  expect(stars).toEqual(['ReconcilerRole: scheduler:ListSchedules']);
});

test('the dispatcher reaches exactly AllowedTargetArns, and the schedules reach only the dispatcher', () => {
  const invoke = statementsOf(cfn, 'DispatcherRole').filter((s) => [s.Action].flat().includes('lambda:InvokeFunction'));
  expect(invoke).toEqual([
    { Effect: 'Allow', Action: ['lambda:InvokeFunction', 'sns:Publish'], Resource: { Ref: 'AllowedTargetArns' } },
  ]);
  const scheduler = cfn.Resources.SchedulerRole.Properties as {
    AssumeRolePolicyDocument: { Statement: Statement[] };
  };
  expect(scheduler.AssumeRolePolicyDocument.Statement).toEqual([
    expect.objectContaining({
      Principal: { Service: 'scheduler.amazonaws.com' },
      Condition: {
        StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
        ArnLike: {
          'aws:SourceArn': {
            'Fn::Sub':
              'arn:${AWS::Partition}:scheduler:${AWS::Region}:${AWS::AccountId}:schedule/${ScheduleGroupName}/*',
          },
        },
      },
    }),
  ]);
  expect(statementsOf(cfn, 'SchedulerRole')).toEqual([
    {
      Effect: 'Allow',
      Action: 'lambda:InvokeFunction',
      Resource: [{ 'Fn::GetAtt': ['DispatcherFunction', 'Arn'] }, { 'Fn::Sub': '${DispatcherFunction.Arn}:*' }],
    },
    { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': ['DispatchDeadLetterQueue', 'Arn'] } },
  ]);
  // Nobody else may invoke a target: no other role has lambda:InvokeFunction or sns:Publish beyond the dispatcher.
  for (const [id, r] of Object.entries(cfn.Resources)) {
    if (r.Type !== 'AWS::IAM::Role' || id === 'DispatcherRole') continue;
    for (const st of statementsOf(cfn, id)) {
      if ([st.Action].flat().includes('sns:Publish')) throw new Error(`${id} may publish`);
      if ([st.Action].flat().includes('lambda:InvokeFunction'))
        expect(JSON.stringify(st.Resource)).toMatch(/DispatcherFunction/);
    }
  }
  // Passing the schedules' role is limited to EventBridge Scheduler.
  expect(statementsOf(cfn, 'ReconcilerRole').find((s) => s.Action === 'iam:PassRole')).toEqual({
    Effect: 'Allow',
    Action: 'iam:PassRole',
    Resource: { 'Fn::GetAtt': ['SchedulerRole', 'Arn'] },
    Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
  });
});

test('the status writer can write only status objects; the file sync only reads the job files', () => {
  const status = statementsOf(cfn, 'StatusRole').filter((s) => JSON.stringify(s.Action).includes('s3:'));
  expect(status).toHaveLength(1);
  expect(JSON.stringify(status[0].Resource)).toContain('${JobsPrefix}*.status');
  const files = statementsOf(cfn, 'FilesRole').filter((s) => JSON.stringify(s.Action).includes('s3:'));
  expect(files.map((s) => s.Action)).toEqual(['s3:GetObject', 's3:ListBucket']);
  expect(files[1].Condition).toEqual({ StringLike: { 's3:prefix': { 'Fn::Sub': '${JobsPrefix}*' } } });
});

test('events that cannot be handled end in a dead-letter queue; the S3 queue policy is for this bucket and account', () => {
  const dispatcher = cfn.Resources.DispatcherFunction.Properties as Record<string, unknown>;
  expect(dispatcher.DeadLetterConfig).toEqual({ TargetArn: { 'Fn::GetAtt': ['DispatchDeadLetterQueue', 'Arn'] } });
  const invokeConfig = Object.values(cfn.Resources).find((r) => r.Type === 'AWS::Lambda::EventInvokeConfig');
  expect(invokeConfig?.Properties).toMatchObject({ MaximumRetryAttempts: 2 });
  const files = cfn.Resources.FilesQueue.Properties as { RedrivePolicy: unknown };
  expect(files.RedrivePolicy).toEqual({
    deadLetterTargetArn: { 'Fn::GetAtt': ['FilesDeadLetterQueue', 'Arn'] },
    maxReceiveCount: 5,
  });
  const streams = Object.values(cfn.Resources).filter(
    (r) => r.Type === 'AWS::Lambda::EventSourceMapping' && JSON.stringify(r.Properties).includes('StreamArn'),
  );
  expect(streams).toHaveLength(2);
  const reconcilerStream = streams.find((r) => JSON.stringify(r.Properties).includes('ReconcilerFunction'))!;
  expect(reconcilerStream.Properties).toMatchObject({
    DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['ReconcilerDeadLetterQueue', 'Arn'] } } },
    FilterCriteria: { Filters: [{ Pattern: '{"dynamodb":{"Keys":{"sk":{"S":["DEF"]}}}}' }] },
  });
  const policy = (cfn.Resources.FilesQueuePolicy.Properties as { PolicyDocument: { Statement: Statement[] } })
    .PolicyDocument.Statement[0];
  expect(policy.Principal).toEqual({ Service: 's3.amazonaws.com' });
  expect(policy.Condition).toMatchObject({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } });
});

test('the HTTP API has every route of docs/jobs.md, each with IAM (SigV4) authorization', () => {
  const body = (
    cfn.Resources.JobsApi.Properties as {
      Body: { paths: Record<string, Record<string, { security: unknown }>>; components: unknown };
    }
  ).Body;
  const routes = Object.entries(body.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, op })),
  );
  expect(routes.map((r) => r.route).sort()).toEqual([
    'DELETE /jobs/{id}',
    'GET /jobs',
    'GET /jobs/{id}',
    'GET /jobs/{id}/runs',
    'POST /jobs',
    'POST /jobs/{id}/pause',
    'POST /jobs/{id}/resume',
    'POST /jobs/{id}/run',
    'PUT /jobs/{id}',
  ]);
  for (const r of routes) expect(r.op.security).toEqual([{ AWS_IAM: [] }]);
  expect(body.components).toEqual({
    securitySchemes: {
      AWS_IAM: { type: 'apiKey', name: 'Authorization', in: 'header', 'x-amazon-apigateway-authtype': 'awsSigv4' },
    },
  });
});

test('the outputs the CLI and other stacks need are there, each with a Description', () => {
  const outputs = readTemplate(FILE).Outputs ?? {};
  expect(Object.keys(outputs)).toEqual(
    expect.arrayContaining([
      'JobsTableName',
      'JobsApiUrl',
      'JobsBucketName',
      'ScheduleGroupName',
      'DispatcherFunctionArn',
    ]),
  );
  for (const o of Object.values(outputs)) expect(o.Description).toBeTruthy();
});
