import { readConfig } from '../../functions/mirror/config';
import { parseRepositoryUri } from '../../functions/mirror/image-ref';
import { BUILD_INDEX, PENDING_TTL_SECONDS } from '../../functions/mirror/pending';
import { cfnLint, describeFindings, readTemplate, samTranslate, templatePath } from '../../tooling/cfn';
import type { Template } from '../../tooling/cfn-yaml';
import { sarProblems } from '../../tooling/sar';
import { functionEnvironment, resolver } from '../../tooling/template-env';

const FILE = 'template-mirror.yaml';
const template = readTemplate(FILE);
const SOURCE = '123456789012.dkr.ecr.us-west-2.amazonaws.com/release/app';

let translated: Template;
beforeAll(() => {
  translated = samTranslate(templatePath(FILE), { SourceRepositoryUri: SOURCE });
});

test('cfn-lint reports nothing at all', () => {
  expect(describeFindings(cfnLint(templatePath(FILE)))).toEqual([]);
});

test('is publishable to the Serverless Application Repository', () => {
  expect(sarProblems(template, templatePath(FILE))).toEqual([]);
});

test('every parameter has a description and a constraint', () => {
  for (const [name, p] of Object.entries(template.Parameters ?? {})) {
    expect({ name, description: !!p.Description, constraint: !!p.ConstraintDescription }).toEqual({
      name,
      description: true,
      constraint: true,
    });
    expect(p.AllowedPattern ?? p.AllowedValues).toBeDefined();
  }
});

const pattern = (name: string) => new RegExp(`^(?:${template.Parameters?.[name]?.AllowedPattern})$`);

test.each([
  [
    'SourceRepositoryUri',
    [
      SOURCE,
      '123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/a',
      '123456789012.dkr.ecr-fips.us-east-1.amazonaws.com/a/b-c',
    ],
    [
      'docker.io/library/nginx',
      `${SOURCE}:latest`,
      `${SOURCE}@sha256:${'a'.repeat(64)}`,
      '12345.dkr.ecr.us-west-2.amazonaws.com/app',
      '123456789012.dkr.ecr.us-west-2.amazonaws.com/App',
    ],
  ],
  ['SourceImageTag', ['latest', 'v1.2.3', '2025_01-rc.1'], ['', '-x', '.x', 'a:b', 'x'.repeat(129)]],
  ['DestinationRepositoryName', ['', 'my-lambda', 'team/app.v2'], ['My', '/app', 'app/', 'a//b']],
])('%s accepts good values and rejects bad ones', (name, good, bad) => {
  for (const v of good) expect([v, pattern(name).test(v)]).toEqual([v, true]);
  for (const v of bad) expect([v, pattern(name).test(v)]).toEqual([v, false]);
});

test('the function accepts exactly the source URIs the parameter allows', () => {
  const re = pattern('SourceRepositoryUri');
  for (const uri of [SOURCE, '123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/a', 'docker.io/x', `${SOURCE}:v1`]) {
    let parsed = true;
    try {
      parseRepositoryUri(uri, 'SourceRepositoryUri');
    } catch {
      parsed = false;
    }
    expect([uri, parsed]).toEqual([uri, re.test(uri)]);
  }
});

test('Architecture and KeepImagesOnDelete take only their listed values', () => {
  expect(template.Parameters?.Architecture?.AllowedValues).toEqual(['x86_64', 'arm64']);
  expect(template.Parameters?.KeepImagesOnDelete?.AllowedValues).toEqual(['true', 'false']);
  expect(template.Parameters?.KeepImagesOnDelete?.Default).toBe('true');
});

test.each([
  [SOURCE, '', 'release/app'],
  ['123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/team/app', '', 'team/app'],
  [SOURCE, 'my/copy', 'my/copy'],
])('source %s with DestinationRepositoryName "%s" creates repository %s', (uri, name, expected) => {
  for (const id of ['RetainedRepository', 'Repository']) {
    const props = template.Resources[id].Properties as { RepositoryName: unknown };
    const { value } = resolver(template, { parameters: { SourceRepositoryUri: uri, DestinationRepositoryName: name } });
    expect(value(props.RepositoryName)).toBe(expected);
  }
});

test('images outlive the stack only when KeepImagesOnDelete is true', () => {
  expect(template.Resources.RetainedRepository).toMatchObject({ Condition: 'KeepImages', DeletionPolicy: 'Retain' });
  expect(template.Resources.Repository).toMatchObject({
    Condition: 'RemoveImages',
    DeletionPolicy: 'Delete',
    Properties: expect.objectContaining({ EmptyOnDelete: true }),
  });
  for (const id of ['RetainedRepository', 'Repository']) {
    expect(template.Resources[id].Properties).toMatchObject({ ImageScanningConfiguration: { ScanOnPush: true } });
    const policy = JSON.parse(
      (template.Resources[id].Properties as { LifecyclePolicy: { LifecyclePolicyText: string } }).LifecyclePolicy
        .LifecyclePolicyText,
    );
    expect(policy.rules[0].selection).toMatchObject({ tagStatus: 'untagged', countType: 'imageCountMoreThan' });
  }
});

test('the custom resource is SAR-compatible, has a ServiceTimeout and passes every property the function reads', () => {
  const cr = translated.Resources.MirroredImage;
  expect(cr.Type).toBe('AWS::CloudFormation::CustomResource');
  expect(cr.Properties?.ServiceTimeout).toBeGreaterThanOrEqual(3000);
  expect(cr.Properties?.ServiceTimeout).toBeLessThanOrEqual(3600);
  expect(Object.keys(cr.Properties ?? {}).sort()).toEqual(
    [
      'Architecture',
      'DestinationRepositoryUri',
      'KeepImagesOnDelete',
      'ServiceTimeout',
      'ServiceToken',
      'SourceImageTag',
      'SourceRepositoryUri',
    ].sort(),
  );
  expect(cr.DependsOn).toEqual(
    expect.arrayContaining(['MirrorFunctionBuildState', 'MirrorFunctionBuildStatePermission', 'PendingRequests']),
  );
});

test("the build, its event and the function's retries all end before CloudFormation stops waiting", () => {
  const serviceTimeout = Number(translated.Resources.MirroredImage.Properties?.ServiceTimeout);
  const fnTimeout = Number(template.Globals?.Function?.Timeout);
  // CloudFormation and EventBridge both invoke the function asynchronously: its retries are bounded here.
  const configs = Object.values(translated.Resources).filter((r) => r.Type === 'AWS::Lambda::EventInvokeConfig');
  expect(configs).toHaveLength(1);
  const invokeConfig = configs[0].Properties as Record<string, unknown>;
  expect(invokeConfig).toMatchObject({ FunctionName: { Ref: 'MirrorFunction' }, Qualifier: '$LATEST' });
  const retries = Number(invokeConfig.MaximumRetryAttempts);
  const maxAge = Number(invokeConfig.MaximumEventAgeInSeconds);
  // Lambda retries an asynchronous invocation after about 1 minute, then 2: every retry must start before the
  // event is too old, or the retry that answers would be dropped.
  const retryDelays = [60, 120].slice(0, retries);
  expect(retries).toBe(2);
  expect(retries * fnTimeout + retryDelays.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(maxAge);
  // One event's whole window: the last attempt starts before maxAge and runs up to the function's timeout.
  const invocationWindow = maxAge + fnTimeout;
  const rule = translated.Resources.MirrorFunctionBuildState.Properties as {
    Targets: { RetryPolicy: { MaximumEventAgeInSeconds: number } }[];
  };
  const delivery = rule.Targets[0].RetryPolicy.MaximumEventAgeInSeconds;
  for (const compute of ['EC2', 'LAMBDA']) {
    const { value } = resolver(template, { parameters: { SourceRepositoryUri: SOURCE, BuildCompute: compute } });
    const raw = template.Resources.CopyProject.Properties as Record<string, unknown>;
    const project = value({
      TimeoutInMinutes: raw.TimeoutInMinutes,
      QueuedTimeoutInMinutes: raw.QueuedTimeoutInMinutes,
    }) as {
      TimeoutInMinutes?: number;
      QueuedTimeoutInMinutes?: number;
    };
    // Lambda compute takes no timeouts: its builds end within 15 minutes.
    const buildSeconds =
      compute === 'LAMBDA' ? 15 * 60 : (Number(project.TimeoutInMinutes) + Number(project.QueuedTimeoutInMinutes)) * 60;
    if (compute === 'LAMBDA') expect(project.TimeoutInMinutes ?? project.QueuedTimeoutInMinutes).toBeUndefined();
    // The Create (retries included) starts the build; the build ends; EventBridge delivers its terminal event
    // (retrying delivery up to `delivery`); the function answers (retries included).
    const worstCase = invocationWindow + buildSeconds + delivery + invocationWindow;
    expect([compute, worstCase, worstCase < serviceTimeout]).toEqual([compute, worstCase, true]);
  }
  // Nothing after the build may wait longer than the item lives.
  expect(serviceTimeout).toBeLessThan(PENDING_TTL_SECONDS);
});

test.each([
  ['EC2', 'x86_64', 'LINUX_CONTAINER', 'BUILD_GENERAL1_SMALL', 'aws/codebuild/amazonlinux-x86_64-standard:5.0'],
  ['EC2', 'arm64', 'ARM_CONTAINER', 'BUILD_GENERAL1_SMALL', 'aws/codebuild/amazonlinux-aarch64-standard:3.0'],
  [
    'LAMBDA',
    'x86_64',
    'LINUX_LAMBDA_CONTAINER',
    'BUILD_LAMBDA_4GB',
    'aws/codebuild/amazonlinux-x86_64-lambda-standard:go1.24',
  ],
  [
    'LAMBDA',
    'arm64',
    'ARM_LAMBDA_CONTAINER',
    'BUILD_LAMBDA_4GB',
    'aws/codebuild/amazonlinux-aarch64-lambda-standard:go1.24',
  ],
])('BuildCompute %s on %s builds in %s / %s with %s', (compute, arch, type, computeType, image) => {
  const { value } = resolver(template, {
    parameters: { SourceRepositoryUri: SOURCE, BuildCompute: compute, BuildArchitecture: arch },
  });
  expect(value(template.Resources.CopyProject.Properties?.Environment)).toEqual({
    Type: type,
    ComputeType: computeType,
    Image: image,
  });
});

test('the repository takes its tag mutability and encryption from parameters (AES256 without a key)', () => {
  expect(template.Parameters?.ImageTagMutability).toMatchObject({
    Default: 'MUTABLE',
    AllowedValues: ['MUTABLE', 'IMMUTABLE'],
  });
  expect(template.Parameters?.BuildCompute).toMatchObject({ Default: 'EC2', AllowedValues: ['EC2', 'LAMBDA'] });
  expect(template.Parameters?.BuildArchitecture).toMatchObject({
    Default: 'x86_64',
    AllowedValues: ['x86_64', 'arm64'],
  });
  const key = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  for (const [params, expected] of [
    [{}, { EncryptionType: 'AES256' }],
    [{ KmsKeyArn: key }, { EncryptionType: 'KMS', KmsKey: key }],
  ] as const) {
    const { value } = resolver(template, { parameters: { SourceRepositoryUri: SOURCE, ...params } });
    for (const id of ['RetainedRepository', 'Repository']) {
      const props = value(template.Resources[id].Properties) as Record<string, unknown>;
      expect(props.EncryptionConfiguration).toEqual(expected);
      expect(props.ImageTagMutability).toBe('MUTABLE');
    }
  }
});

test('KmsKeyArn accepts empty or a key ARN only', () => {
  const re = pattern('KmsKeyArn');
  for (const good of [
    '',
    'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    'arn:aws-cn:kms:cn-north-1:123456789012:key/mrk-1',
  ]) {
    expect([good, re.test(good)]).toEqual([good, true]);
  }
  for (const bad of ['alias/ecr', 'arn:aws:kms:us-east-1:123456789012:alias/ecr', '1234abcd-12ab']) {
    expect([bad, re.test(bad)]).toEqual([bad, false]);
  }
});

test('the build-state rule targets the function for this project and every terminal state only', () => {
  const rule = translated.Resources.MirrorFunctionBuildState;
  expect(rule.Type).toBe('AWS::Events::Rule');
  expect(rule.Properties?.EventPattern).toEqual({
    source: ['aws.codebuild'],
    'detail-type': ['CodeBuild Build State Change'],
    detail: {
      'project-name': [{ Ref: 'CopyProject' }],
      'build-status': ['SUCCEEDED', 'FAILED', 'FAULT', 'STOPPED', 'TIMED_OUT'],
    },
  });
  const [target] = (rule.Properties?.Targets ?? []) as { Arn: unknown; DeadLetterConfig: unknown }[];
  expect(target.Arn).toEqual({ 'Fn::GetAtt': ['MirrorFunction', 'Arn'] });
  expect(target.DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] } });
});

const TABLE_ARN = {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub string, not a JS template
  'Fn::Sub': 'arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${AWS::StackName}-mirror-pending',
};

test('the function runs the built bundle on nodejs24.x with a dead-letter queue and exactly its settings', () => {
  const fn = translated.Resources.MirrorFunction.Properties as Record<string, unknown>;
  expect(fn).toMatchObject({
    Runtime: 'nodejs24.x',
    Handler: 'index.handler',
    DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] } },
  });
  expect((fn.Environment as { Variables: unknown }).Variables).toEqual({
    MIRROR_PROJECT_NAME: { Ref: 'CopyProject' },
    MIRROR_PENDING_TABLE: { Ref: 'PendingRequests' },
    MIRROR_REPOSITORY_URI: {
      'Fn::If': [
        'KeepImages',
        { 'Fn::GetAtt': ['RetainedRepository', 'RepositoryUri'] },
        { 'Fn::GetAtt': ['Repository', 'RepositoryUri'] },
      ],
    },
    MIRROR_DEAD_LETTER_QUEUE_URL: { Ref: 'DeadLetterQueue' },
    POWERTOOLS_SERVICE_NAME: 'cloud-cron-mirror',
  });
  // What the template sets is what the function's configuration needs, and it validates.
  const env = functionEnvironment(template, 'MirrorFunction', {
    resources: { CopyProject: 'p', PendingRequests: 't', DeadLetterQueue: 'https://sqs.us-east-1.amazonaws.com/1/q' },
    attributes: { 'RetainedRepository.RepositoryUri': '123456789012.dkr.ecr.us-east-1.amazonaws.com/release/app' },
  });
  expect(readConfig({ ...env, AWS_REGION: 'us-east-1' }).repository.name).toBe('release/app');
  expect(template.Resources.MirrorFunction.Metadata).toEqual({
    BuildMethod: 'esbuild',
    BuildProperties: {
      Minify: true,
      Target: 'es2022',
      Sourcemap: false,
      MainFields: 'module,main',
      EntryPoints: ['functions/mirror/index.ts'],
    },
  });
});

test('pending requests: keyed by opaque id, a keys-only index by build, TTL, and readable by the function alone', () => {
  const table = template.Resources.PendingRequests;
  expect(table.Type).toBe('AWS::DynamoDB::Table');
  const props = table.Properties as Record<string, unknown>;
  expect(props).toMatchObject({
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    GlobalSecondaryIndexes: [
      {
        IndexName: BUILD_INDEX,
        KeySchema: [{ AttributeName: 'buildId', KeyType: 'HASH' }],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
    ],
    TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub string, not a JS template
    TableName: { 'Fn::Sub': '${AWS::StackName}-mirror-pending' },
  });
  const [deny, ...others] = (props.ResourcePolicy as { PolicyDocument: { Statement: Record<string, unknown>[] } })
    .PolicyDocument.Statement;
  expect(others).toEqual([]);
  expect(deny).toMatchObject({
    Effect: 'Deny',
    Principal: '*',
    Condition: { ArnNotEquals: { 'aws:PrincipalArn': { 'Fn::GetAtt': ['MirrorFunctionRole', 'Arn'] } } },
  });
  for (const action of [
    'dynamodb:GetItem',
    'dynamodb:Query',
    'dynamodb:Scan',
    'dynamodb:BatchGetItem',
    'dynamodb:PartiQLSelect',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
  ]) {
    expect(deny.Action).toContain(action);
  }
  expect(deny.Resource).toEqual([TABLE_ARN, { 'Fn::Sub': `${TABLE_ARN['Fn::Sub']}/index/*` }]);
});

type Statement = { Sid?: string; Action: string | string[]; Resource: unknown };

function statements(id: string): Statement[] {
  const policies = (
    translated.Resources[id].Properties as { Policies: { PolicyDocument: { Statement: Statement[] } }[] }
  ).Policies;
  return policies.flatMap((p) => p.PolicyDocument.Statement);
}

test('least privilege: every statement names its resources; only the ECR login uses "*"', () => {
  const all = [...statements('CopyRole'), ...statements('MirrorFunctionRole')];
  const wildcard = all.filter((s) => JSON.stringify(s.Resource).includes('"*"'));
  expect(wildcard).toEqual([
    { Sid: 'RegistryLogin', Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
  ]);
  for (const s of all) for (const a of ([] as string[]).concat(s.Action)) expect(a).not.toMatch(/\*/);
  // No managed policies: the function's role is written out here, logs included.
  expect(translated.Resources.MirrorFunctionRole.Properties?.ManagedPolicyArns).toBeUndefined();
});

test('the source repository ARN is derived from its URI, for pulls only', () => {
  const pull = statements('CopyRole').find((s) => s.Sid === 'PullSource') as Statement;
  expect(pull.Action).toEqual(['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability']);
  const arn = resolver(template, { parameters: { SourceRepositoryUri: SOURCE } }).value(pull.Resource);
  expect(arn).toBe('arn:aws:ecr:us-west-2:123456789012:repository/release/app');
  const resolve = statements('MirrorFunctionRole').find((s) => s.Sid === 'ResolveSourceTag') as Statement;
  expect(resolve.Action).toEqual(['ecr:BatchGetImage', 'ecr:DescribeImages']);
  expect(resolve.Resource).toEqual(pull.Resource);
});

test('outputs: the five values, each described', () => {
  const outputs = template.Outputs ?? {};
  expect(Object.keys(outputs).sort()).toEqual([
    'ImageDigest',
    'ImageUri',
    'RepositoryArn',
    'RepositoryUri',
    'TaggedImageUri',
  ]);
  for (const o of Object.values(outputs)) expect(o.Description).toBeTruthy();
  expect(outputs.ImageUri.Value).toEqual({ 'Fn::GetAtt': ['MirroredImage', 'ImageUri'] });
});

test('the function reaches only its table and index, starts only its own project; both roles trust only this account', () => {
  const fn = statements('MirrorFunctionRole');
  expect(fn.find((x) => x.Sid === 'KeepPendingRequests')).toMatchObject({
    Action: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:GetItem', 'dynamodb:DeleteItem'],
    Resource: TABLE_ARN,
  });
  expect(fn.find((x) => x.Sid === 'FindPendingRequestByBuild')).toMatchObject({
    Action: 'dynamodb:Query',
    Resource: { 'Fn::Sub': `${TABLE_ARN['Fn::Sub']}/index/${BUILD_INDEX}` },
  });
  expect(fn.find((x) => x.Sid === 'RunCopyBuild')).toMatchObject({
    Action: ['codebuild:StartBuild', 'codebuild:BatchGetBuilds'],
    Resource: { 'Fn::GetAtt': ['CopyProject', 'Arn'] },
  });
  const destination = {
    'Fn::If': ['KeepImages', { 'Fn::GetAtt': ['RetainedRepository', 'Arn'] }, { 'Fn::GetAtt': ['Repository', 'Arn'] }],
  };
  expect(fn.find((x) => x.Sid === 'ManageDestinationImage')?.Resource).toEqual(destination);
  const copy = statements('CopyRole');
  expect(copy.find((x) => x.Sid === 'PushDestination')?.Resource).toEqual(destination);
  // Neither role can reach the pending requests except the function's; the build's role has no DynamoDB at all.
  expect(JSON.stringify(copy)).not.toContain('dynamodb');
  for (const id of ['CopyRole', 'MirrorFunctionRole']) {
    const trust = (
      translated.Resources[id].Properties as { AssumeRolePolicyDocument: { Statement: { Condition?: unknown }[] } }
    ).AssumeRolePolicyDocument.Statement;
    for (const t of trust)
      expect(t.Condition).toEqual({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } });
  }
});
