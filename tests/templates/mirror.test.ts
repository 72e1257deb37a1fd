import { parseRepositoryUri } from '../../functions/mirror/image-ref';
import { cfnLint, describeFindings, readTemplate, samTranslate, templatePath } from '../../tooling/cfn';
import type { Template } from '../../tooling/cfn-yaml';
import { sarProblems } from '../../tooling/sar';
import { resolver } from '../../tooling/template-env';

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
  // The build (queue + run) must end, and its event answer, before CloudFormation gives up.
  const project = translated.Resources.CopyProject.Properties as {
    TimeoutInMinutes: number;
    QueuedTimeoutInMinutes: number;
  };
  expect((project.TimeoutInMinutes + project.QueuedTimeoutInMinutes) * 60).toBeLessThan(
    Number(cr.Properties?.ServiceTimeout),
  );
  expect(cr.DependsOn).toEqual(
    expect.arrayContaining(['MirrorFunctionBuildState', 'MirrorFunctionBuildStatePermission']),
  );
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

test('the function runs the built bundle on nodejs24.x with a dead-letter queue and the project name', () => {
  const fn = translated.Resources.MirrorFunction.Properties as Record<string, unknown>;
  expect(fn).toMatchObject({
    Runtime: 'nodejs24.x',
    Handler: 'index.handler',
    DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] } },
    Environment: { Variables: { MIRROR_PROJECT_NAME: { Ref: 'CopyProject' } } },
  });
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
  expect(Object.values(translated.Resources).map((r) => r.Type)).not.toContain('AWS::Lambda::EventInvokeConfig');
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
