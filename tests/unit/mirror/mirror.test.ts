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
import { mockClient } from 'aws-sdk-client-mock';
import type { CfnResponse } from '../../../functions/common/cfn-response';
import type { Budget } from '../../../functions/mirror/deadline';
import { ResponseDeliveryError } from '../../../functions/mirror/errors';
import { parseRepositoryUri } from '../../../functions/mirror/image-ref';
import {
  type BuildStateEvent,
  type Deps,
  handleBuildStateChange,
  handleCloudFormation,
  isBuildStateEvent,
  isCloudFormationEvent,
  UNRECORDED_BUILD_GRACE_MS,
} from '../../../functions/mirror/mirror';
import { type PendingRequest, type PendingStore, pendingId } from '../../../functions/mirror/pending';
import { EVENTS } from '../../../tooling/paths';

const ecrMock = mockClient(ECRClient);
const codebuildMock = mockClient(CodeBuildClient);

const load = <T>(name: string): T => JSON.parse(readFileSync(join(EVENTS, name), 'utf8')) as T;
const D = (c: string) => `sha256:${c.repeat(64)}`;
const SOURCE = '123456789012.dkr.ecr.us-west-2.amazonaws.com/release/app';
const DEST = '123456789012.dkr.ecr.us-east-1.amazonaws.com/mirror/app';
const PROJECT = 'CopyProject-a1B2c3D4e5F6';
const BUILD = `${PROJECT}:0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0`;
const never = () => new Promise<never>(() => undefined);

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

/** An in-memory PendingStore whose operations can be made to fail or hang (the DynamoDB one is tested apart). */
class MemoryStore implements PendingStore {
  items = new Map<string, PendingRequest>();
  fail: Partial<Record<keyof PendingStore, 'error' | 'hang'>> = {};
  /** The build-id index has no entry yet (a global secondary index is eventually consistent). */
  indexLag = false;
  calls: string[] = [];
  private gate(op: keyof PendingStore) {
    this.calls.push(op);
    if (this.fail[op] === 'error') return Promise.reject(new Error(`${op} throttled`));
    if (this.fail[op] === 'hang') return never();
    return Promise.resolve();
  }
  async put(r: PendingRequest) {
    await this.gate('put');
    this.items.set(r.id, { ...r });
  }
  async setBuild(id: string, buildId: string) {
    await this.gate('setBuild');
    const item = this.items.get(id);
    if (!item) throw new Error('ConditionalCheckFailed');
    item.buildId = buildId;
  }
  async get(id: string) {
    await this.gate('get');
    return this.items.get(id);
  }
  async findByBuild(buildId: string) {
    await this.gate('findByBuild');
    return this.indexLag ? undefined : [...this.items.values()].find((i) => i.buildId === buildId);
  }
  async remove(id: string) {
    await this.gate('remove');
    this.items.delete(id);
  }
}

let sent: { url: string; response: CfnResponse }[];
let letters: Record<string, unknown>[];
let store: MemoryStore;
let deps: Deps;
let regions: string[];
let deliver: (url: string) => Promise<void>;
/**
 * The work budget of tests where a call hangs until the deadline: long enough that the mocked calls before the
 * hang finish first even on a loaded machine, so the phase named is always the one that hangs.
 */
const HANG_MS = 500;
const budget = (workMs = 10000): Budget => ({
  workUntil: Date.now() + workMs,
  answerUntil: Date.now() + workMs + 10000,
});

beforeEach(() => {
  ecrMock.reset();
  codebuildMock.reset();
  sent = [];
  letters = [];
  regions = [];
  store = new MemoryStore();
  deliver = async () => undefined;
  const clients = new Map<string, ECRClient>();
  deps = {
    ecr: (region) => {
      regions.push(region);
      if (!clients.has(region)) clients.set(region, new ECRClient({ region }));
      return clients.get(region) as ECRClient;
    },
    codebuild: new CodeBuildClient({ region: 'us-east-1' }),
    pending: store,
    projectName: PROJECT,
    repository: parseRepositoryUri(DEST, 'test'),
    responseUrlPolicy: { region: 'us-east-1' },
    send: async (url, response) => {
      await deliver(url);
      sent.push({ url, response });
    },
    deadLetter: async (record) => {
      letters.push(record);
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
  codebuildMock.on(StartBuildCommand).resolves({ build: { id: BUILD } });
});

type Request = Record<string, unknown> & {
  ResponseURL: string;
  StackId: string;
  RequestId: string;
  LogicalResourceId: string;
  PhysicalResourceId?: string;
  ResourceProperties: Record<string, unknown>;
};
const create = (props: Record<string, string> = {}): Request => {
  const e = load<Request>('mirror-create.json');
  return { ...e, ResourceProperties: { ...e.ResourceProperties, ...props } };
};
const ID = pendingId(create().StackId, create().RequestId, create().LogicalResourceId);
const varsOf = () =>
  Object.fromEntries(
    (codebuildMock.commandCalls(StartBuildCommand)[0].args[0].input.environmentVariablesOverride ?? []).map((v) => [
      v.name,
      v.value,
    ]),
  );

describe('event routing', () => {
  test('recognises both event kinds, malformed requests included, and nothing else', () => {
    expect(isCloudFormationEvent(load('mirror-create.json'))).toBe(true);
    expect(isCloudFormationEvent({ ResponseURL: 'x' })).toBe(true);
    expect(isCloudFormationEvent({ RequestType: 'Create' })).toBe(true);
    expect(isBuildStateEvent(load('mirror-build-failed.json'))).toBe(true);
    expect(isCloudFormationEvent({ Records: [] })).toBe(false);
    expect(isBuildStateEvent(load('mirror-delete.json'))).toBe(false);
  });
});

describe('Create', () => {
  test('resolves the tag in the source region, records the request, starts a build that carries only an opaque id', async () => {
    const event = create();
    const outcome = await handleCloudFormation(event, deps, budget());
    expect(outcome).toEqual({ status: 'BUILDING', physicalResourceId: `${DEST}@${D('b')}`, buildId: BUILD });
    expect(sent).toEqual([]);
    expect(regions).toEqual(['us-west-2', 'us-east-1']);
    const get = ecrMock.commandCalls(BatchGetImageCommand)[0].args[0].input;
    expect(get).toMatchObject({
      registryId: '123456789012',
      repositoryName: 'release/app',
      imageIds: [{ imageTag: 'v1' }],
    });
    const start = codebuildMock.commandCalls(StartBuildCommand)[0].args[0].input;
    expect(start.projectName).toBe(PROJECT);
    expect(start.idempotencyToken).toBe(ID);
    expect(varsOf()).toEqual({
      SOURCE_REPOSITORY: SOURCE,
      SOURCE_REGISTRY: '123456789012.dkr.ecr.us-west-2.amazonaws.com',
      SOURCE_REGION: 'us-west-2',
      IMAGE_DIGEST: D('b'),
      DEST_REPOSITORY: DEST,
      DEST_REGISTRY: '123456789012.dkr.ecr.us-east-1.amazonaws.com',
      DEST_TAG: 'v1',
      MIRROR_REQUEST_ID: ID,
    });
    // Nothing of the request is in the build: not the URL, not its host, not the stack or request id.
    const visible = JSON.stringify(start);
    for (const s of [event.ResponseURL, new URL(event.ResponseURL).host, event.StackId, event.RequestId]) {
      expect([s, visible.includes(s)]).toEqual([s, false]);
    }
    expect(store.items.get(ID)).toMatchObject({
      id: ID,
      buildId: BUILD,
      requestType: 'Create',
      responseUrl: event.ResponseURL,
      physicalResourceId: `${DEST}@${D('b')}`,
      failurePhysicalResourceId: 'MirroredImage-not-mirrored',
      imageDigest: D('b'),
      destTag: 'v1',
    });
    expect(store.calls).toEqual(['put', 'setBuild']);
  });

  test('x86_64 picks the amd64 manifest', async () => {
    await handleCloudFormation(create({ Architecture: 'x86_64' }), deps, budget());
    expect(varsOf().IMAGE_DIGEST).toBe(D('a'));
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
    expect(await handleCloudFormation(create(), deps, budget())).toMatchObject({
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
    await handleCloudFormation(create(), deps, budget());
    expect(sent[0].response.Status).toBe('FAILED');
    expect(sent[0].response.Reason).toBe(
      `${SOURCE}:v1 is a multi-architecture index without a linux/arm64 image (it has linux/amd64): set Architecture to x86_64 if that platform is listed, or publish a linux/arm64 image under this tag`,
    );
    expect(codebuildMock.commandCalls(StartBuildCommand)).toHaveLength(0);
    expect(store.calls).toEqual([]);
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
    const outcome = await handleCloudFormation(create(), deps, budget());
    expect(outcome.status).toBe('FAILED');
    expect(sent[0].response).toMatchObject({ Status: 'FAILED', PhysicalResourceId: 'MirroredImage-not-mirrored' });
    expect(sent[0].response.Reason).toMatch(reason);
  });

  test('a missing tag names the tag and the property', async () => {
    ecrMock.on(BatchGetImageCommand, { repositoryName: 'release/app' }).resolves({
      images: [],
      failures: [{ failureCode: 'ImageNotFound', failureReason: 'Requested image not found' }],
    });
    await handleCloudFormation(create(), deps, budget());
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
    [
      { DestinationRepositoryUri: '123456789012.dkr.ecr.us-east-1.amazonaws.com/other' },
      /DestinationRepositoryUri .*\/other is not this mirror's repository .*mirror\/app/,
    ],
  ])('bad property %j fails before any call', async (props, reason) => {
    await handleCloudFormation(create(props), deps, budget());
    expect(sent[0].response.Reason).toMatch(reason);
    expect(ecrMock.calls()).toHaveLength(0);
    expect(store.calls).toEqual([]);
  });

  test('a digest already in the destination answers SUCCESS without a build, tagging it when needed', async () => {
    ecrMock.on(DescribeImagesCommand).resolves({ imageDetails: [{ imageDigest: D('b'), imageTags: ['old'] }] });
    ecrMock.on(BatchGetImageCommand, { repositoryName: 'mirror/app' }).resolves({
      images: [{ imageManifest: '{"m":1}', imageManifestMediaType: 'application/vnd.oci.image.manifest.v1+json' }],
    });
    ecrMock.on(PutImageCommand).resolves({});
    await handleCloudFormation(create(), deps, budget());
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
    expect(store.calls).toEqual([]);
  });

  test('an already-tagged digest is not tagged again', async () => {
    ecrMock.on(DescribeImagesCommand).resolves({ imageDetails: [{ imageDigest: D('b'), imageTags: ['v1'] }] });
    await handleCloudFormation(create(), deps, budget());
    expect(sent[0].response.Status).toBe('SUCCESS');
    expect(ecrMock.commandCalls(PutImageCommand)).toHaveLength(0);
  });

  test('a refused StartBuild answers FAILED and forgets the recorded request', async () => {
    codebuildMock
      .on(StartBuildCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'AccountLimitExceededException' }));
    await handleCloudFormation(create(), deps, budget());
    expect(sent[0].response.Reason).toBe(
      `could not start the copy build in CodeBuild project ${PROJECT}: AccountLimitExceededException: Rate exceeded`,
    );
    expect(store.items.size).toBe(0);
  });

  test('a request that cannot be recorded answers FAILED without a build', async () => {
    store.fail.put = 'error';
    await handleCloudFormation(create(), deps, budget());
    expect(sent[0].response).toMatchObject({ Status: 'FAILED', Reason: 'put throttled' });
    expect(codebuildMock.commandCalls(StartBuildCommand)).toHaveLength(0);
  });
});

describe('the deadline guard answers FAILED naming the phase that hung', () => {
  test.each([
    ['resolve source', () => ecrMock.on(BatchGetImageCommand, { repositoryName: 'release/app' }).callsFake(never)],
    ['check destination', () => ecrMock.on(DescribeImagesCommand).callsFake(never)],
    ['record the request', () => (store.fail.put = 'hang')],
    ['start build', () => codebuildMock.on(StartBuildCommand).callsFake(never)],
    ['start build', () => (store.fail.setBuild = 'hang')],
  ])('%s', async (phase, hang) => {
    hang();
    const outcome = await handleCloudFormation(create(), deps, budget(HANG_MS));
    expect(outcome.status).toBe('FAILED');
    expect(sent).toHaveLength(1);
    expect(sent[0].response).toMatchObject({ Status: 'FAILED', PhysicalResourceId: 'MirroredImage-not-mirrored' });
    expect(sent[0].response.Reason).toMatch(new RegExp(`^${phase} timed out: `));
    // Whatever was recorded is forgotten: the build (if any) will find nothing to answer.
    expect(store.items.size).toBe(0);
  });

  test('a Delete whose image deletion hangs still answers SUCCESS', async () => {
    ecrMock.on(BatchDeleteImageCommand).callsFake(never);
    const event = { ...load<Request>('mirror-delete.json') };
    event.ResourceProperties = { ...event.ResourceProperties, KeepImagesOnDelete: 'false' };
    await handleCloudFormation(event, deps, budget(HANG_MS));
    expect(sent[0].response.Status).toBe('SUCCESS');
  });
});

describe('requests that are not answerable as they are', () => {
  test.each([
    ['no ResponseURL', { ResponseURL: undefined }, 'the request has no ResponseURL'],
    ['a ResponseURL that is not a URL', { ResponseURL: 'not a url' }, 'ResponseURL is not a URL'],
    [
      'an http ResponseURL',
      { ResponseURL: 'http://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x' },
      'must use https',
    ],
    [
      'a ResponseURL elsewhere',
      { ResponseURL: 'https://attacker.example/x?X-Amz-Signature=1' },
      'is not CloudFormation',
    ],
  ])(
    '%s: nothing is sent and nothing is called; the request is dead-lettered with its reason, not its URL',
    async (_n, change, reason) => {
      const event = { ...create(), ...change };
      const outcome = await handleCloudFormation(event, deps, budget());
      expect(outcome.status).toBe('UNANSWERABLE');
      expect(sent).toEqual([]);
      expect(ecrMock.calls()).toHaveLength(0);
      expect(codebuildMock.calls()).toHaveLength(0);
      expect(letters).toHaveLength(1);
      expect(letters[0]).toMatchObject({
        kind: 'UnusableResponseUrl',
        RequestId: event.RequestId,
        LogicalResourceId: 'MirroredImage',
      });
      expect(String(letters[0].reason)).toContain(reason);
      expect(JSON.stringify(letters)).not.toContain('X-Amz-Signature');
    },
  );

  test.each([
    [
      'an unknown RequestType',
      { RequestType: 'Rename' },
      'unsupported RequestType "Rename": expected Create, Update or Delete',
      'MirroredImage-not-mirrored',
    ],
    [
      'no RequestType',
      { RequestType: undefined },
      'unsupported RequestType null: expected Create, Update or Delete',
      'MirroredImage-not-mirrored',
    ],
    [
      'no ResourceProperties',
      { ResourceProperties: undefined },
      'the request has no ResourceProperties',
      'MirroredImage-not-mirrored',
    ],
    [
      'ResourceProperties that are not an object',
      { ResourceProperties: 'x' },
      'the request has no ResourceProperties',
      'MirroredImage-not-mirrored',
    ],
    ['no StackId', { StackId: undefined }, 'the request has no StackId', 'MirroredImage-not-mirrored'],
    [
      'an Update without PhysicalResourceId',
      { RequestType: 'Update' },
      'the Update request has no PhysicalResourceId',
      'MirroredImage-not-mirrored',
    ],
    [
      'a Delete without ResourceProperties',
      { RequestType: 'Delete', PhysicalResourceId: `${DEST}@${D('3')}`, ResourceProperties: undefined },
      'the request has no ResourceProperties',
      `${DEST}@${D('3')}`,
    ],
  ])('%s answers FAILED at once, before any AWS call', async (_n, change, reason, physicalId) => {
    const outcome = await handleCloudFormation({ ...create(), ...change }, deps, budget());
    expect(outcome.status).toBe('FAILED');
    expect(sent).toHaveLength(1);
    expect(sent[0].response.Status).toBe('FAILED');
    expect(sent[0].response.Reason).toContain(reason);
    expect(sent[0].response.PhysicalResourceId).toBe(physicalId);
    expect(ecrMock.calls()).toHaveLength(0);
    expect(codebuildMock.calls()).toHaveLength(0);
    expect(store.calls).toEqual([]);
  });

  test('an answer CloudFormation refuses is dead-lettered without the URL, instead of failing the invocation', async () => {
    deliver = async () => {
      throw new ResponseDeliveryError('CloudFormation did not accept the FAILED response for MirroredImage: HTTP 403');
    };
    const outcome = await handleCloudFormation({ ...create(), RequestType: 'Rename' }, deps, budget());
    expect(outcome.status).toBe('UNDELIVERED');
    expect(letters).toEqual([
      expect.objectContaining({
        kind: 'UndeliveredAnswer',
        RequestId: create().RequestId,
        ResponseURLHost: new URL(create().ResponseURL).host,
      }),
    ]);
    expect(JSON.stringify(letters)).not.toContain(create().ResponseURL);
  });
});

describe('Update', () => {
  test('starts a build whose failure keeps the previous PhysicalResourceId', async () => {
    const update = load<Request>('mirror-update.json');
    ecrMock.on(BatchGetImageCommand, { repositoryName: 'release/app', imageIds: [{ imageTag: 'v2' }] }).resolves({
      images: [
        {
          imageId: { imageDigest: D('f') },
          imageManifest: INDEX,
          imageManifestMediaType: 'application/vnd.oci.image.index.v1+json',
        },
      ],
    });
    expect(await handleCloudFormation(update, deps, budget())).toMatchObject({ status: 'BUILDING' });
    expect(varsOf().DEST_TAG).toBe('v2');
    const [record] = [...store.items.values()];
    expect(record).toMatchObject({ requestType: 'Update', failurePhysicalResourceId: update.PhysicalResourceId });
  });

  test('an immediate failure answers with the previous PhysicalResourceId', async () => {
    const update = load<Request>('mirror-update.json');
    ecrMock.on(BatchGetImageCommand).rejects(new RepositoryNotFoundException({ message: 'gone', $metadata: {} }));
    await handleCloudFormation(update, deps, budget());
    expect(sent[0].response).toMatchObject({ Status: 'FAILED', PhysicalResourceId: update.PhysicalResourceId });
  });
});

describe('Delete', () => {
  const del = (props: Record<string, string>, physicalId?: string): Request => {
    const e = load<Request>('mirror-delete.json');
    return {
      ...e,
      ...(physicalId ? { PhysicalResourceId: physicalId } : {}),
      ResourceProperties: { ...e.ResourceProperties, ...props },
    };
  };

  test('keeps the image by default and answers with the same PhysicalResourceId', async () => {
    const event = del({});
    await handleCloudFormation(event, deps, budget());
    expect(sent[0].response).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: event.PhysicalResourceId });
    expect(ecrMock.calls()).toHaveLength(0);
  });

  test('KeepImagesOnDelete=false deletes exactly the mirrored digest', async () => {
    ecrMock.on(BatchDeleteImageCommand).resolves({ imageIds: [{ imageDigest: D('3') }], failures: [] });
    const event = del({ KeepImagesOnDelete: 'false' });
    await handleCloudFormation(event, deps, budget());
    expect(ecrMock.commandCalls(BatchDeleteImageCommand)[0].args[0].input).toEqual({
      registryId: '123456789012',
      repositoryName: 'mirror/app',
      imageIds: [{ imageDigest: String(event.PhysicalResourceId).split('@')[1] }],
    });
    expect(sent[0].response).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: event.PhysicalResourceId });
  });

  test('a failed delete still answers SUCCESS, so the stack is not blocked', async () => {
    ecrMock.on(BatchDeleteImageCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    await handleCloudFormation(del({ KeepImagesOnDelete: 'false' }), deps, budget());
    expect(sent[0].response.Status).toBe('SUCCESS');
  });

  test('a resource that never mirrored anything deletes nothing', async () => {
    await handleCloudFormation(del({ KeepImagesOnDelete: 'false' }, 'MirroredImage-not-mirrored'), deps, budget());
    expect(ecrMock.calls()).toHaveLength(0);
    expect(sent[0].response).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'MirroredImage-not-mirrored' });
  });

  test.each([
    ['another registry', `${SOURCE}@${D('9')}`, {}],
    ['another repository of the same registry', `123456789012.dkr.ecr.us-east-1.amazonaws.com/other/app@${D('9')}`, {}],
    [
      'another repository, even when the request names it as destination',
      `123456789012.dkr.ecr.us-east-1.amazonaws.com/other/app@${D('9')}`,
      { DestinationRepositoryUri: '123456789012.dkr.ecr.us-east-1.amazonaws.com/other/app' },
    ],
  ])('an image in %s is never deleted', async (_n, physicalId, props) => {
    await handleCloudFormation(del({ KeepImagesOnDelete: 'false', ...props }, physicalId), deps, budget());
    expect(ecrMock.calls()).toHaveLength(0);
    expect(sent[0].response).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: physicalId });
  });
});

describe('build state events', () => {
  const digest = 'sha256:3b8e1f4c7f2a9d0e6b5c4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e3d';
  const request = load<Request>('mirror-create.json');
  const record = (changes: Partial<PendingRequest> = {}): PendingRequest => ({
    id: ID,
    buildId: BUILD,
    requestType: 'Create',
    responseUrl: request.ResponseURL,
    stackId: request.StackId,
    requestId: request.RequestId,
    logicalResourceId: 'MirroredImage',
    physicalResourceId: `${DEST}@${digest}`,
    failurePhysicalResourceId: 'MirroredImage-not-mirrored',
    destRepository: DEST,
    imageDigest: digest,
    destTag: 'v1',
    createdAt: Date.now(),
    expiresAt: Math.floor(Date.now() / 1000) + 7200,
    ...changes,
  });
  const withStatus = (status: string, file = 'mirror-build-failed.json') => {
    const e = load<BuildStateEvent>(file);
    e.detail['build-status'] = status;
    return e;
  };
  const withoutVars = (e: BuildStateEvent) => {
    e.detail['additional-information'] = { ...e.detail['additional-information'], environment: {} };
    return e;
  };
  beforeEach(() => {
    store.items.set(ID, record());
  });

  test('the sample events carry the id of the sample request', () => {
    const vars =
      load<BuildStateEvent>('mirror-build-succeeded.json').detail['additional-information']?.environment?.[
        'environment-variables'
      ];
    expect(vars?.find((v) => v.name === 'MIRROR_REQUEST_ID')?.value).toBe(ID);
  });

  test('SUCCEEDED checks the destination and answers SUCCESS from the stored request, then forgets it', async () => {
    ecrMock.on(DescribeImagesCommand).resolves({ imageDetails: [{ imageDigest: digest, imageTags: ['v1'] }] });
    const outcome = await handleBuildStateChange(load('mirror-build-succeeded.json'), deps, budget());
    expect(outcome.status).toBe('SUCCESS');
    expect(sent).toEqual([
      {
        url: request.ResponseURL,
        response: {
          Status: 'SUCCESS',
          PhysicalResourceId: `${DEST}@${digest}`,
          StackId: request.StackId,
          RequestId: request.RequestId,
          LogicalResourceId: 'MirroredImage',
          Data: { ImageUri: `${DEST}@${digest}`, TaggedImageUri: `${DEST}:v1`, ImageDigest: digest },
        },
      },
    ]);
    expect(ecrMock.commandCalls(DescribeImagesCommand)[0].args[0].input).toMatchObject({
      repositoryName: 'mirror/app',
      imageIds: [{ imageDigest: digest }],
    });
    expect(store.items.size).toBe(0);
  });

  test('values in the build cannot change the answer: digest, repository, tag and URL come from the stored request', async () => {
    ecrMock.on(DescribeImagesCommand).resolves({ imageDetails: [{ imageDigest: digest, imageTags: ['v1'] }] });
    const forged = load<BuildStateEvent>('mirror-build-succeeded.json');
    const vars = forged.detail['additional-information']?.environment?.['environment-variables'] ?? [];
    for (const v of vars) {
      if (v.name === 'IMAGE_DIGEST') v.value = D('e');
      if (v.name === 'DEST_REPOSITORY') v.value = '999999999999.dkr.ecr.us-east-1.amazonaws.com/evil';
      if (v.name === 'DEST_TAG') v.value = 'evil';
    }
    vars.push({ name: 'CFN_RESPONSE_URL', value: 'https://attacker.example/x' });
    await handleBuildStateChange(forged, deps, budget());
    expect(sent.map((s) => s.url)).toEqual([request.ResponseURL]);
    expect(sent[0].response.Data).toEqual({
      ImageUri: `${DEST}@${digest}`,
      TaggedImageUri: `${DEST}:v1`,
      ImageDigest: digest,
    });
  });

  test('SUCCEEDED without the digest in the destination answers FAILED', async () => {
    await handleBuildStateChange(load('mirror-build-succeeded.json'), deps, budget());
    expect(sent[0].response).toMatchObject({ Status: 'FAILED', PhysicalResourceId: 'MirroredImage-not-mirrored' });
    expect(sent[0].response.Reason).toContain(`does not hold ${digest}`);
  });

  test('SUCCEEDED whose destination check hangs answers FAILED naming the phase', async () => {
    ecrMock.on(DescribeImagesCommand).callsFake(never);
    await handleBuildStateChange(load('mirror-build-succeeded.json'), deps, budget(HANG_MS));
    expect(sent[0].response).toMatchObject({ Status: 'FAILED' });
    expect(sent[0].response.Reason).toMatch(/^check destination timed out: /);
  });

  test.each([
    ['FAILED', 'the copy failed'],
    ['FAULT', 'CodeBuild had an internal fault; retry the deployment'],
    ['STOPPED', 'the build was stopped before it finished'],
    ['TIMED_OUT', 'the build did not finish within its timeout (queued or running)'],
  ])('%s answers FAILED with the failed phase, its cause and the log link', async (status, hint) => {
    const event = withStatus(status);
    await handleBuildStateChange(event, deps, budget());
    const link = event.detail['additional-information']?.logs?.['deep-link'];
    expect(sent[0].response).toMatchObject({ Status: 'FAILED', PhysicalResourceId: 'MirroredImage-not-mirrored' });
    expect(sent[0].response.Reason).toBe(
      `copy build ${event.detail['build-id']} ended ${status} in phase PRE_BUILD (COMMAND_EXECUTION_ERROR: Error while executing command: aws ecr get-login-password --region "$SOURCE_REGION" | "$SKOPEO" login --authfile "$REGISTRY_AUTH_FILE" --username AWS --password-stdin "$SOURCE_REGISTRY". Reason: exit status 1): ${hint}. Log: ${link}`,
    );
    expect(sent[0].response.Data).toBeUndefined();
    expect(store.items.size).toBe(0);
  });

  test('a build that died before its buildspec ran still answers', async () => {
    await handleBuildStateChange(load('mirror-build-timed-out.json'), deps, budget());
    expect(sent[0].response.Reason).toContain('ended TIMED_OUT in phase QUEUED (BUILD_TIMED_OUT');
  });

  // Every way of finding the request: event variables, the build id, the build's variables.
  test('an event without the variables is found by its build id, without asking CodeBuild', async () => {
    // CodeBuild would hang: it is not needed when the table's index has the build.
    codebuildMock.on(BatchGetBuildsCommand).callsFake(never);
    await handleBuildStateChange(withoutVars(withStatus('FAILED')), deps, budget());
    expect(store.calls).toEqual(['findByBuild', 'remove']);
    expect(codebuildMock.commandCalls(BatchGetBuildsCommand)).toHaveLength(0);
    expect(sent).toHaveLength(1);
    expect(sent[0].response).toMatchObject({ Status: 'FAILED', RequestId: request.RequestId });
  });

  test('found through BatchGetBuilds when the event lacks the variables and the index has no entry yet', async () => {
    const vars =
      load<BuildStateEvent>('mirror-build-failed.json').detail['additional-information']?.environment?.[
        'environment-variables'
      ];
    codebuildMock
      .on(BatchGetBuildsCommand)
      .resolves({ builds: [{ environment: { environmentVariables: vars } as never }] });
    store.indexLag = true;
    await handleBuildStateChange(withoutVars(withStatus('FAILED')), deps, budget());
    expect(codebuildMock.commandCalls(BatchGetBuildsCommand)[0].args[0].input).toEqual({ ids: [BUILD] });
    expect(store.calls).toEqual(['findByBuild', 'get', 'remove']);
    expect(sent[0].response.Status).toBe('FAILED');
  });

  test.each([
    [
      'fails',
      () => codebuildMock.on(BatchGetBuildsCommand).rejects(new Error('throttled')),
      /BatchGetBuilds: throttled/,
      10000,
    ],
    [
      'hangs',
      () => codebuildMock.on(BatchGetBuildsCommand).callsFake(never),
      /BatchGetBuilds: find the pending request timed out: CodeBuild \(BatchGetBuilds\)/,
      HANG_MS,
    ],
  ])(
    'with no index entry yet and a BatchGetBuilds that %s, the invocation fails for a retry (the event holds no secret)',
    async (_n, arrange, reason, workMs) => {
      arrange();
      store.indexLag = true;
      await expect(
        handleBuildStateChange(withoutVars(withStatus('FAILED')), deps, budget(workMs)),
      ).rejects.toMatchObject({
        name: 'PendingRequestError',
        message: expect.stringMatching(reason),
      });
      expect(sent).toEqual([]);
      // The retry, once the index has the build, answers.
      store.indexLag = false;
      await handleBuildStateChange(withoutVars(withStatus('FAILED')), deps, budget());
      expect(sent).toHaveLength(1);
    },
  );

  test('a build that carries no id, and is not in the index, was not started here: nothing to answer', async () => {
    codebuildMock.on(BatchGetBuildsCommand).resolves({ builds: [{}] });
    store.indexLag = true;
    expect(await handleBuildStateChange(withoutVars(withStatus('FAILED')), deps, budget())).toMatchObject({
      status: 'IGNORED',
    });
    expect(sent).toEqual([]);
  });

  test('found by its build id when the lookup by opaque id fails', async () => {
    store.fail.get = 'error';
    // findByBuild reads the item itself in the DynamoDB store; the memory store returns it directly.
    await handleBuildStateChange(withStatus('FAILED'), deps, budget());
    expect(store.calls).toEqual(['get', 'findByBuild', 'remove']);
    expect(sent[0].response.Status).toBe('FAILED');
  });

  test('no request anywhere (answered already, expired, or not started here): nothing to answer', async () => {
    store.items.clear();
    expect(await handleBuildStateChange(withStatus('FAILED'), deps, budget())).toMatchObject({ status: 'IGNORED' });
    expect(sent).toEqual([]);
  });

  test('every lookup failing fails the invocation, so Lambda retries it (the event holds no secret)', async () => {
    store.fail.get = 'error';
    store.fail.findByBuild = 'error';
    await expect(handleBuildStateChange(withStatus('FAILED'), deps, budget())).rejects.toMatchObject({
      name: 'PendingRequestError',
      message: expect.stringContaining('GetItem: get throttled; Query by build id: findByBuild throttled'),
    });
    expect(sent).toEqual([]);
  });

  test('a build that is not the one the request waits for (someone else started it with our id) answers nothing', async () => {
    store.items.set(ID, record({ buildId: `${PROJECT}:11111111-2222-3333-4444-555555555555` }));
    expect(await handleBuildStateChange(withStatus('SUCCEEDED'), deps, budget())).toMatchObject({ status: 'IGNORED' });
    expect(sent).toEqual([]);
    expect(store.items.has(ID)).toBe(true);
  });

  test('a request whose build is not recorded yet is retried; one abandoned long ago is dropped', async () => {
    store.items.set(ID, record({ buildId: undefined }));
    await expect(handleBuildStateChange(withStatus('FAILED'), deps, budget())).rejects.toMatchObject({
      name: 'PendingRequestError',
    });
    store.items.set(ID, record({ buildId: undefined, createdAt: Date.now() - UNRECORDED_BUILD_GRACE_MS - 1 }));
    expect(await handleBuildStateChange(withStatus('FAILED'), deps, budget())).toMatchObject({ status: 'IGNORED' });
    expect(sent).toEqual([]);
    expect(store.items.size).toBe(0);
  });

  test('an answer CloudFormation does not accept fails the invocation and keeps the request for the retry', async () => {
    deliver = async () => {
      throw new ResponseDeliveryError('HTTP 500');
    };
    await expect(handleBuildStateChange(withStatus('FAILED'), deps, budget())).rejects.toMatchObject({
      name: 'ResponseDeliveryError',
    });
    expect(store.items.has(ID)).toBe(true);
  });

  test.each([
    ['another project', (e: BuildStateEvent) => (e.detail['project-name'] = 'other')],
    ['a non-terminal state', (e: BuildStateEvent) => (e.detail['build-status'] = 'IN_PROGRESS')],
  ])('ignores %s', async (_name, change) => {
    const event = withStatus('FAILED');
    change(event);
    expect(await handleBuildStateChange(event, deps, budget())).toMatchObject({ status: 'IGNORED' });
    expect(sent).toEqual([]);
    expect(store.calls).toEqual([]);
  });
});

test('re-tagging in an IMMUTABLE repository says what to do instead', async () => {
  ecrMock.on(DescribeImagesCommand).resolves({ imageDetails: [{ imageDigest: D('b'), imageTags: ['old'] }] });
  ecrMock.on(BatchGetImageCommand, { repositoryName: 'mirror/app' }).resolves({
    images: [{ imageManifest: '{"m":1}', imageManifestMediaType: 'application/vnd.oci.image.manifest.v1+json' }],
  });
  ecrMock
    .on(PutImageCommand)
    .rejects(Object.assign(new Error('tag exists'), { name: 'ImageTagAlreadyExistsException' }));
  await handleCloudFormation(create(), deps, budget());
  expect(sent[0].response).toMatchObject({ Status: 'FAILED' });
  expect(sent[0].response.Reason).toBe(
    `tag v1 already names another image in ${DEST}, whose tags are IMMUTABLE (ImageTagMutability): mirror a new SourceImageTag`,
  );
});
