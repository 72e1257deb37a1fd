import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BatchGetBuildsCommand, CodeBuildClient, StartBuildCommand } from '@aws-sdk/client-codebuild';
import {
  BatchDeleteImageCommand,
  BatchGetImageCommand,
  DescribeImagesCommand,
  ECRClient,
  ImageNotFoundException,
  PutImageCommand,
  RepositoryNotFoundException,
} from '@aws-sdk/client-ecr';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import type { CfnResponse } from '../../../functions/mirror/cfn-response';
import {
  type BuildStateEvent,
  type Deps,
  handleBuildStateChange,
  handleCloudFormation,
  isBuildStateEvent,
  isCloudFormationEvent,
} from '../../../functions/mirror/mirror';
import { EVENTS } from '../../../tooling/paths';

const ecrMock = mockClient(ECRClient);
const codebuildMock = mockClient(CodeBuildClient);

const load = <T>(name: string): T => JSON.parse(readFileSync(join(EVENTS, name), 'utf8')) as T;
const D = (c: string) => `sha256:${c.repeat(64)}`;
const SOURCE = '123456789012.dkr.ecr.us-west-2.amazonaws.com/release/app';
const DEST = '123456789012.dkr.ecr.us-east-1.amazonaws.com/mirror/app';
const PROJECT = 'CopyProject-a1B2c3D4e5F6';

const INDEX = JSON.stringify({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.index.v1+json',
  manifests: [
    {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: D('a'),
      size: 1,
      platform: { os: 'linux', architecture: 'amd64' },
    },
    {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: D('b'),
      size: 1,
      platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
    },
    {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: D('c'),
      size: 1,
      platform: { os: 'unknown', architecture: 'unknown' },
    },
  ],
});

let sent: { url: string; response: CfnResponse }[];
let deps: Deps;
let regions: string[];

beforeEach(() => {
  ecrMock.reset();
  codebuildMock.reset();
  sent = [];
  regions = [];
  const clients = new Map<string, ECRClient>();
  deps = {
    ecr: (region) => {
      regions.push(region);
      if (!clients.has(region)) clients.set(region, new ECRClient({ region }));
      return clients.get(region) as ECRClient;
    },
    codebuild: new CodeBuildClient({ region: 'us-east-1' }),
    projectName: PROJECT,
    send: async (url, response) => {
      sent.push({ url, response });
    },
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
  };
  // Source: the tag is an index; destination: nothing there yet.
  ecrMock.on(BatchGetImageCommand, { repositoryName: 'release/app' }).resolves({
    images: [
      {
        imageId: { imageDigest: D('f'), imageTag: 'v1' },
        imageManifest: INDEX,
        imageManifestMediaType: 'application/vnd.oci.image.index.v1+json',
      },
    ],
  });
  ecrMock.on(DescribeImagesCommand).rejects(new ImageNotFoundException({ message: 'not found', $metadata: {} }));
  codebuildMock.on(StartBuildCommand).resolves({ build: { id: `${PROJECT}:1234` } });
});

type Create = Extract<CloudFormationCustomResourceEvent, { RequestType: 'Create' }>;
type Update = Extract<CloudFormationCustomResourceEvent, { RequestType: 'Update' }>;
type Delete = Extract<CloudFormationCustomResourceEvent, { RequestType: 'Delete' }>;
const create = (props: Record<string, string> = {}): Create => {
  const e = load<Create>('mirror-create.json');
  return { ...e, ResourceProperties: { ...e.ResourceProperties, ...props } };
};

describe('event routing', () => {
  test('recognises both event kinds and nothing else', () => {
    expect(isCloudFormationEvent(load('mirror-create.json'))).toBe(true);
    expect(isBuildStateEvent(load('mirror-build-failed.json'))).toBe(true);
    expect(isCloudFormationEvent(load('mirror-build-failed.json'))).toBe(false);
    expect(isBuildStateEvent(load('mirror-delete.json'))).toBe(false);
    expect(isCloudFormationEvent({ Records: [] })).toBe(false);
  });
});

describe('Create', () => {
  test('resolves the tag in the source region, picks arm64 from the index and starts the build', async () => {
    const outcome = await handleCloudFormation(create(), deps);
    expect(outcome).toEqual({
      status: 'BUILDING',
      physicalResourceId: `${DEST}@${D('b')}`,
      buildId: `${PROJECT}:1234`,
    });
    expect(sent).toEqual([]);
    expect(regions).toEqual(['us-west-2', 'us-east-1']);
    const get = ecrMock.commandCalls(BatchGetImageCommand)[0].args[0].input;
    expect(get).toMatchObject({
      registryId: '123456789012',
      repositoryName: 'release/app',
      imageIds: [{ imageTag: 'v1' }],
    });
    expect(get.acceptedMediaTypes).toContain('application/vnd.oci.image.index.v1+json');
    const start = codebuildMock.commandCalls(StartBuildCommand)[0].args[0].input;
    expect(start.projectName).toBe(PROJECT);
    const vars = Object.fromEntries((start.environmentVariablesOverride ?? []).map((v) => [v.name, v.value]));
    expect(vars).toMatchObject({
      IMAGE_DIGEST: D('b'),
      CFN_REQUEST_TYPE: 'Create',
      CFN_FAILURE_PHYSICAL_RESOURCE_ID: 'MirroredImage-not-mirrored',
    });
  });

  test('x86_64 picks the amd64 manifest', async () => {
    await handleCloudFormation(create({ Architecture: 'x86_64' }), deps);
    const vars = codebuildMock.commandCalls(StartBuildCommand)[0].args[0].input.environmentVariablesOverride ?? [];
    expect(vars.find((v) => v.name === 'IMAGE_DIGEST')?.value).toBe(D('a'));
  });

  test('a single-platform manifest is copied by its own digest', async () => {
    ecrMock.on(BatchGetImageCommand, { repositoryName: 'release/app' }).resolves({
      images: [
        {
          imageId: { imageDigest: D('e') },
          imageManifest: JSON.stringify({ schemaVersion: 2, layers: [] }),
          imageManifestMediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        },
      ],
    });
    expect(await handleCloudFormation(create(), deps)).toMatchObject({
      status: 'BUILDING',
      physicalResourceId: `${DEST}@${D('e')}`,
    });
  });

  test('an index without the platform fails at once and lists what it has', async () => {
    ecrMock.on(BatchGetImageCommand, { repositoryName: 'release/app' }).resolves({
      images: [
        {
          imageId: { imageDigest: D('f') },
          imageManifest: JSON.stringify({
            manifests: [{ digest: D('a'), platform: { os: 'linux', architecture: 'amd64' } }],
          }),
          imageManifestMediaType: 'application/vnd.oci.image.index.v1+json',
        },
      ],
    });
    await handleCloudFormation(create(), deps);
    expect(sent[0].response.Status).toBe('FAILED');
    expect(sent[0].response.Reason).toBe(
      `${SOURCE}:v1 is a multi-architecture index without a linux/arm64 image (it has linux/amd64): set Architecture to x86_64 if that platform is listed, or publish a linux/arm64 image under this tag`,
    );
    expect(codebuildMock.commandCalls(StartBuildCommand)).toHaveLength(0);
  });

  test.each([
    [
      new RepositoryNotFoundException({ message: 'gone', $metadata: {} }),
      /release\/app does not exist in registry 123456789012 \(region us-west-2\): check SourceRepositoryUri/,
    ],
    [
      Object.assign(new Error('not authorized to perform ecr:BatchGetImage'), { name: 'AccessDeniedException' }),
      /access denied reading .*release\/app:v1: the repository policy .* must allow this account/,
    ],
  ])('a source error fails at once with what to fix (%s)', async (error, reason) => {
    ecrMock.on(BatchGetImageCommand, { repositoryName: 'release/app' }).rejects(error);
    const outcome = await handleCloudFormation(create(), deps);
    expect(outcome.status).toBe('FAILED');
    expect(sent[0].response).toMatchObject({ Status: 'FAILED', PhysicalResourceId: 'MirroredImage-not-mirrored' });
    expect(sent[0].response.Reason).toMatch(reason);
  });

  test('a missing tag names the tag and the property', async () => {
    ecrMock.on(BatchGetImageCommand, { repositoryName: 'release/app' }).resolves({
      images: [],
      failures: [{ failureCode: 'ImageNotFound', failureReason: 'Requested image not found' }],
    });
    await handleCloudFormation(create(), deps);
    expect(sent[0].response.Reason).toBe(
      `tag "v1" was not found in ${SOURCE} (ImageNotFound: Requested image not found): check SourceImageTag, or push the tag first`,
    );
  });

  test.each([
    [
      { SourceRepositoryUri: 'docker.io/library/nginx' },
      /SourceRepositoryUri "docker.io\/library\/nginx" is not an ECR repository URI/,
    ],
    [{ SourceImageTag: '-bad' }, /SourceImageTag "-bad" is not a valid image tag/],
    [{ Architecture: 'amd64' }, /Architecture "amd64" must be x86_64 or arm64/],
    [{ KeepImagesOnDelete: 'yes' }, /KeepImagesOnDelete "yes" must be true or false/],
  ])('bad property %j fails before any call', async (props, reason) => {
    await handleCloudFormation(create(props), deps);
    expect(sent[0].response.Reason).toMatch(reason);
    expect(ecrMock.calls()).toHaveLength(0);
  });

  test('a digest already in the destination answers SUCCESS without a build, tagging it when needed', async () => {
    ecrMock.on(DescribeImagesCommand).resolves({ imageDetails: [{ imageDigest: D('b'), imageTags: ['old'] }] });
    ecrMock.on(BatchGetImageCommand, { repositoryName: 'mirror/app' }).resolves({
      images: [{ imageManifest: '{"m":1}', imageManifestMediaType: 'application/vnd.oci.image.manifest.v1+json' }],
    });
    ecrMock.on(PutImageCommand).resolves({});
    await handleCloudFormation(create(), deps);
    expect(sent[0].response).toEqual({
      Status: 'SUCCESS',
      PhysicalResourceId: `${DEST}@${D('b')}`,
      StackId: create().StackId,
      RequestId: create().RequestId,
      LogicalResourceId: 'MirroredImage',
      Data: { ImageUri: `${DEST}@${D('b')}`, TaggedImageUri: `${DEST}:v1`, ImageDigest: D('b') },
    });
    expect(ecrMock.commandCalls(PutImageCommand)[0].args[0].input).toMatchObject({
      repositoryName: 'mirror/app',
      imageManifest: '{"m":1}',
      imageDigest: D('b'),
      imageTag: 'v1',
    });
    expect(codebuildMock.commandCalls(StartBuildCommand)).toHaveLength(0);
  });

  test('an already-tagged digest is not tagged again', async () => {
    ecrMock.on(DescribeImagesCommand).resolves({ imageDetails: [{ imageDigest: D('b'), imageTags: ['v1'] }] });
    await handleCloudFormation(create(), deps);
    expect(sent[0].response.Status).toBe('SUCCESS');
    expect(ecrMock.commandCalls(PutImageCommand)).toHaveLength(0);
  });

  test('a refused StartBuild answers FAILED instead of leaving the stack waiting', async () => {
    codebuildMock
      .on(StartBuildCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'AccountLimitExceededException' }));
    await handleCloudFormation(create(), deps);
    expect(sent[0].response.Reason).toBe(
      `could not start the copy build in CodeBuild project ${PROJECT}: AccountLimitExceededException: Rate exceeded`,
    );
  });
});

describe('Update', () => {
  test('starts a build whose failure keeps the previous PhysicalResourceId', async () => {
    const update = load<Update>('mirror-update.json');
    ecrMock.on(BatchGetImageCommand, { repositoryName: 'release/app', imageIds: [{ imageTag: 'v2' }] }).resolves({
      images: [
        {
          imageId: { imageDigest: D('f') },
          imageManifest: INDEX,
          imageManifestMediaType: 'application/vnd.oci.image.index.v1+json',
        },
      ],
    });
    expect(await handleCloudFormation(update, deps)).toMatchObject({ status: 'BUILDING' });
    const vars = codebuildMock.commandCalls(StartBuildCommand)[0].args[0].input.environmentVariablesOverride ?? [];
    const get = (n: string) => vars.find((v) => v.name === n)?.value;
    expect(get('CFN_REQUEST_TYPE')).toBe('Update');
    expect(get('DEST_TAG')).toBe('v2');
    expect(get('CFN_FAILURE_PHYSICAL_RESOURCE_ID')).toBe(update.PhysicalResourceId);
  });

  test('an immediate failure answers with the previous PhysicalResourceId', async () => {
    const update = load<Update>('mirror-update.json');
    ecrMock.on(BatchGetImageCommand).rejects(new RepositoryNotFoundException({ message: 'gone', $metadata: {} }));
    await handleCloudFormation(update, deps);
    expect(sent[0].response).toMatchObject({ Status: 'FAILED', PhysicalResourceId: update.PhysicalResourceId });
  });
});

describe('Delete', () => {
  const del = (props: Record<string, string>): Delete => {
    const e = load<Delete>('mirror-delete.json');
    return { ...e, ResourceProperties: { ...e.ResourceProperties, ...props } };
  };

  test('keeps the image by default and answers with the same PhysicalResourceId', async () => {
    const event = del({});
    await handleCloudFormation(event, deps);
    expect(sent[0].response).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: event.PhysicalResourceId });
    expect(ecrMock.calls()).toHaveLength(0);
  });

  test('KeepImagesOnDelete=false deletes exactly the mirrored digest', async () => {
    ecrMock.on(BatchDeleteImageCommand).resolves({ imageIds: [{ imageDigest: D('3') }], failures: [] });
    const event = del({ KeepImagesOnDelete: 'false' });
    await handleCloudFormation(event, deps);
    const input = ecrMock.commandCalls(BatchDeleteImageCommand)[0].args[0].input;
    expect(input).toEqual({
      registryId: '123456789012',
      repositoryName: 'mirror/app',
      imageIds: [{ imageDigest: event.PhysicalResourceId.split('@')[1] }],
    });
    expect(sent[0].response).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: event.PhysicalResourceId });
  });

  test('a failed delete still answers SUCCESS, so the stack is not blocked', async () => {
    ecrMock.on(BatchDeleteImageCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    await handleCloudFormation(del({ KeepImagesOnDelete: 'false' }), deps);
    expect(sent[0].response.Status).toBe('SUCCESS');
  });

  test('a resource that never mirrored anything deletes nothing', async () => {
    const event = { ...del({ KeepImagesOnDelete: 'false' }), PhysicalResourceId: 'MirroredImage-not-mirrored' };
    await handleCloudFormation(event, deps);
    expect(ecrMock.calls()).toHaveLength(0);
    expect(sent[0].response).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'MirroredImage-not-mirrored' });
  });

  test('an image in another registry than the destination is never deleted', async () => {
    const event = { ...del({ KeepImagesOnDelete: 'false' }), PhysicalResourceId: `${SOURCE}@${D('9')}` };
    await handleCloudFormation(event, deps);
    expect(ecrMock.calls()).toHaveLength(0);
  });
});

test('an unknown RequestType answers FAILED', async () => {
  const event = { ...create(), RequestType: 'Rename' } as unknown as CloudFormationCustomResourceEvent;
  await handleCloudFormation(event, deps);
  expect(sent[0].response).toMatchObject({ Status: 'FAILED', Reason: 'unsupported RequestType Rename' });
});

describe('build state events', () => {
  const succeeded = () => load<BuildStateEvent>('mirror-build-succeeded.json');
  const withStatus = (status: string, file = 'mirror-build-failed.json') => {
    const e = load<BuildStateEvent>(file);
    e.detail['build-status'] = status;
    return e;
  };
  const responseUrl = load<Create>('mirror-create.json').ResponseURL;
  const digest = 'sha256:3b8e1f4c7f2a9d0e6b5c4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e3d';

  test('SUCCEEDED checks the destination and answers SUCCESS with the digest-pinned image', async () => {
    ecrMock.on(DescribeImagesCommand).resolves({ imageDetails: [{ imageDigest: digest, imageTags: ['v1'] }] });
    const outcome = await handleBuildStateChange(succeeded(), deps);
    expect(outcome.status).toBe('SUCCESS');
    expect(sent).toEqual([
      {
        url: responseUrl,
        response: {
          Status: 'SUCCESS',
          PhysicalResourceId: `${DEST}@${digest}`,
          StackId: load<Create>('mirror-create.json').StackId,
          RequestId: load<Create>('mirror-create.json').RequestId,
          LogicalResourceId: 'MirroredImage',
          Data: { ImageUri: `${DEST}@${digest}`, TaggedImageUri: `${DEST}:v1`, ImageDigest: digest },
        },
      },
    ]);
  });

  test('SUCCEEDED without the digest in the destination answers FAILED', async () => {
    await handleBuildStateChange(succeeded(), deps);
    expect(sent[0].response).toMatchObject({ Status: 'FAILED', PhysicalResourceId: 'MirroredImage-not-mirrored' });
    expect(sent[0].response.Reason).toContain(`does not hold ${digest}`);
  });

  test.each([
    ['FAILED', 'the copy failed'],
    ['FAULT', 'CodeBuild had an internal fault; retry the deployment'],
    ['STOPPED', 'the build was stopped before it finished'],
    ['TIMED_OUT', 'the build did not finish within its timeout (queued or running)'],
  ])('%s answers FAILED with the failed phase, its cause and the log link', async (status, hint) => {
    const event = withStatus(status);
    await handleBuildStateChange(event, deps);
    const link = event.detail['additional-information']?.logs?.['deep-link'];
    expect(sent[0].response).toMatchObject({ Status: 'FAILED', PhysicalResourceId: 'MirroredImage-not-mirrored' });
    expect(sent[0].response.Reason).toBe(
      `copy build ${event.detail['build-id']} ended ${status} in phase PRE_BUILD (COMMAND_EXECUTION_ERROR: Error while executing command: aws ecr get-login-password --region "$SOURCE_REGION" | "$SKOPEO" login --authfile "$REGISTRY_AUTH_FILE" --username AWS --password-stdin "$SOURCE_REGISTRY". Reason: exit status 1): ${hint}. Log: ${link}`,
    );
    expect(sent[0].response.Data).toBeUndefined();
  });

  test('a build that died before its buildspec ran still answers', async () => {
    await handleBuildStateChange(load<BuildStateEvent>('mirror-build-timed-out.json'), deps);
    expect(sent[0].response.Reason).toContain('ended TIMED_OUT in phase QUEUED (BUILD_TIMED_OUT');
  });

  test('reads the request from the build when the event lacks the variables', async () => {
    const event = withStatus('FAILED');
    const vars = event.detail['additional-information']?.environment?.['environment-variables'] ?? [];
    event.detail['additional-information'] = { ...event.detail['additional-information'], environment: {} };
    codebuildMock
      .on(BatchGetBuildsCommand)
      .resolves({ builds: [{ environment: { environmentVariables: vars } as never }] });
    await handleBuildStateChange(event, deps);
    expect(codebuildMock.commandCalls(BatchGetBuildsCommand)[0].args[0].input).toEqual({
      ids: ['CopyProject-a1B2c3D4e5F6:0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0'],
    });
    expect(sent[0].response.Status).toBe('FAILED');
  });

  test('a build not started by the function (no request variables) is ignored', async () => {
    const event = withStatus('FAILED');
    event.detail['additional-information'] = { ...event.detail['additional-information'], environment: {} };
    codebuildMock.on(BatchGetBuildsCommand).resolves({ builds: [{}] });
    expect(await handleBuildStateChange(event, deps)).toMatchObject({ status: 'IGNORED' });
    expect(sent).toEqual([]);
  });

  test('a failed BatchGetBuilds fails the invocation, so Lambda retries it', async () => {
    const event = withStatus('FAILED');
    event.detail['additional-information'] = { ...event.detail['additional-information'], environment: {} };
    codebuildMock.on(BatchGetBuildsCommand).rejects(new Error('throttled'));
    await expect(handleBuildStateChange(event, deps)).rejects.toMatchObject({ name: 'PendingRequestError' });
  });

  test.each([
    ['another project', (e: BuildStateEvent) => (e.detail['project-name'] = 'other')],
    ['a non-terminal state', (e: BuildStateEvent) => (e.detail['build-status'] = 'IN_PROGRESS')],
  ])('ignores %s', async (_name, change) => {
    const event = withStatus('FAILED');
    change(event);
    expect(await handleBuildStateChange(event, deps)).toMatchObject({ status: 'IGNORED' });
    expect(sent).toEqual([]);
  });
});
