/**
 * The built mirror bundle (dist/mirror/index.js) against moto_server (ECR, CodeBuild, DynamoDB, SQS) with loopback
 * http and https servers as CloudFormation's ResponseURL (allowed by the test-only switch no template sets). moto's
 * CodeBuild records builds but runs nothing, so a build's end is played by the sample build-state events, carrying
 * the id of a build moto really recorded. Hung endpoints are played by a TCP server that accepts and never answers
 * and by a proxy in front of moto that never answers chosen operations.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  BatchGetBuildsCommand,
  CodeBuildClient,
  CreateProjectCommand,
  ListBuildsForProjectCommand,
  StartBuildCommand,
} from '@aws-sdk/client-codebuild';
import { DynamoDBClient, GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { CreateRepositoryCommand, DescribeImagesCommand, ECRClient, PutImageCommand } from '@aws-sdk/client-ecr';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { LOOPBACK_SWITCH } from '../../../functions/common/response-url';
import { buildAll, ROOT } from '../../../tooling/build';
import { readTemplate } from '../../../tooling/cfn';
import { AMD64, ARM64, pushIndexedImage, sha256 } from '../../../tooling/ecr-image';
import { invokeBundle } from '../../../tooling/invoke';
import {
  type BlackHole,
  blackHole,
  createPendingTable,
  type MotoProxy,
  motoProxy,
  startedEnvironment,
} from '../../../tooling/mirror-aws';
import { type Moto, startMoto } from '../../../tooling/moto';
import { EVENTS, tempDir } from '../../../tooling/paths';
import { functionEnvironment } from '../../../tooling/template-env';

type Received = { method: string; url: string; headers: IncomingHttpHeaders; body: Buffer };
type ResponseServer = { url: string; received: Received[]; close(): Promise<void> };
type CfnBody = {
  Status: string;
  Reason?: string;
  PhysicalResourceId: string;
  StackId: string;
  RequestId: string;
  LogicalResourceId: string;
  Data?: Record<string, string>;
};

async function responseServer(tls?: { key: Buffer; cert: Buffer }): Promise<ResponseServer> {
  const received: Received[] = [];
  const onRequest = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks),
      });
      res.writeHead(200).end();
    });
  };
  const server: Server = tls ? createHttpsServer(tls, onRequest) : createHttpServer(onRequest);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}/cfn-response?X-Amz-Signature=abc`,
    received,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const ACCOUNT = '123456789012';
const SOURCE = `${ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com/release/app`;
const DEST = `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/mirror/app`;
const PROJECT = 'cloud-cron-mirror-copy';
const TABLE = 'cloud-cron-mirror-pending';
const template = readTemplate('template-mirror.yaml');

let moto: Moto;
let proxy: MotoProxy;
let hole: BlackHole;
let http: ResponseServer;
let https: ResponseServer;
let attacker: ResponseServer;
let certDir: string;
let env: Record<string, string>;
let destEcr: ECRClient;
let codebuild: CodeBuildClient;
let ddb: DynamoDBClient;
let sqs: SQSClient;
let queueUrl: string;

function loadEvent<T>(name: string): T {
  return JSON.parse(readFileSync(join(EVENTS, name), 'utf8')) as T;
}

type CfnEvent = Record<string, unknown> & {
  ResponseURL: string;
  RequestId: string;
  ResourceProperties: Record<string, string>;
};
type EnvVar = { name: string; value: string; type?: string };
type BuildEvent = {
  detail: {
    'build-id': string;
    'build-status': string;
    'project-name': string;
    'additional-information': { environment: { 'environment-variables': EnvVar[] } };
  };
};

let requests = 0;
/** A request from the sample events with a fresh RequestId (each request is its own pending item). */
function cfnEvent(file: string, responseUrl: string, props: Record<string, string> = {}, extra = {}): CfnEvent {
  const e = loadEvent<CfnEvent>(file);
  requests++;
  return {
    ...e,
    RequestId: `${e.RequestId.slice(0, -4)}${String(requests).padStart(4, '0')}`,
    ...extra,
    ResponseURL: responseUrl,
    ResourceProperties: { ...e.ResourceProperties, ...props },
  };
}

/** The sample build-state event for a build moto recorded, with the variables it was started with (or `vars`). */
function buildEvent(file: string, buildId: string, vars?: EnvVar[]): BuildEvent {
  const e = loadEvent<BuildEvent>(file);
  e.detail['project-name'] = PROJECT;
  e.detail['build-id'] = `arn:aws:codebuild:us-east-1:${ACCOUNT}:build/${buildId}`;
  e.detail['additional-information'].environment['environment-variables'] =
    vars ?? structuredClone(startedEnvironment(proxy, buildId) ?? []);
  return e;
}

async function invoke(events: unknown[], context: Record<string, unknown> = {}, extraEnv: Record<string, string> = {}) {
  const results = await invokeBundle<{ status: string; buildId?: string; reason?: string }>(
    'mirror',
    events,
    { ...env, ...extraEnv },
    context,
  );
  for (const r of results) if (!r.ok) throw new Error(`${r.error.name}: ${r.error.message}\n${r.logs}`);
  return results.map((r) => (r.ok ? r.result : { status: 'ERROR' }));
}

function bodies(server: ResponseServer): CfnBody[] {
  return server.received.map((r) => JSON.parse(r.body.toString('utf8')) as CfnBody);
}

async function buildIds(): Promise<string[]> {
  return (await codebuild.send(new ListBuildsForProjectCommand({ projectName: PROJECT }))).ids ?? [];
}

async function pendingItems() {
  return (await ddb.send(new ScanCommand({ TableName: TABLE }))).Items ?? [];
}

async function deadLetters(): Promise<Record<string, unknown>[]> {
  const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }));
  return (out.Messages ?? []).map((m) => JSON.parse(m.Body ?? '{}') as Record<string, unknown>);
}

beforeAll(async () => {
  certDir = tempDir('cloudcron-tls-');
  execFileSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1'],
      ...['-addext', 'subjectAltName=IP:127.0.0.1'],
      ...['-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem')],
    ],
    { stdio: 'pipe' },
  );
  const started = await Promise.all([
    startMoto('us-east-1'),
    responseServer(),
    responseServer({ key: readFileSync(join(certDir, 'key.pem')), cert: readFileSync(join(certDir, 'cert.pem')) }),
    responseServer(),
    blackHole(),
    buildAll(ROOT, ['mirror']),
  ]);
  [moto, http, https, attacker, hole] = started;
  proxy = await motoProxy(moto.endpoint);
  const client = { endpoint: proxy.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
  const sourceEcr = new ECRClient({ ...client, region: 'us-west-2' });
  destEcr = new ECRClient({ ...client, region: 'us-east-1' });
  codebuild = new CodeBuildClient({ ...client, region: 'us-east-1' });
  ddb = new DynamoDBClient({ ...client, region: 'us-east-1' });
  sqs = new SQSClient({ ...client, region: 'us-east-1' });
  await pushIndexedImage(sourceEcr, 'release/app', 'v1');
  await destEcr.send(new CreateRepositoryCommand({ repositoryName: 'mirror/app' }));
  await createPendingTable(ddb, TABLE, template);
  queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'mirror-dlq' }))).QueueUrl ?? '';
  await codebuild.send(
    new CreateProjectCommand({
      name: PROJECT,
      // moto insists on a source location even for NO_SOURCE projects.
      source: { type: 'NO_SOURCE', buildspec: 'version: 0.2', location: 'none' },
      artifacts: { type: 'NO_ARTIFACTS' },
      environment: {
        type: 'LINUX_CONTAINER',
        computeType: 'BUILD_GENERAL1_SMALL',
        image: 'aws/codebuild/amazonlinux-x86_64-standard:5.0',
      },
      serviceRole: `arn:aws:iam::${ACCOUNT}:role/copy`,
    }),
  );
  env = {
    ...moto.env,
    AWS_ENDPOINT_URL: proxy.endpoint,
    // The function's environment exactly as the template sets it, with the names moto knows.
    ...functionEnvironment(template, 'MirrorFunction', {
      resources: { CopyProject: PROJECT, PendingRequests: TABLE, DeadLetterQueue: queueUrl },
      attributes: { 'RetainedRepository.RepositoryUri': DEST, 'Repository.RepositoryUri': DEST },
    }),
    [LOOPBACK_SWITCH]: 'true',
    NODE_EXTRA_CA_CERTS: join(certDir, 'cert.pem'),
  };
});

afterAll(async () => {
  await Promise.all([moto?.stop(), http?.close(), https?.close(), attacker?.close(), proxy?.close(), hole?.close()]);
  if (certDir) rmSync(certDir, { recursive: true, force: true });
});

beforeEach(() => {
  for (const s of [http, https, attacker]) s.received.length = 0;
  proxy.blackHoled.clear();
});

const createProps = {
  SourceRepositoryUri: SOURCE,
  SourceImageTag: 'v1',
  Architecture: 'arm64',
  DestinationRepositoryUri: DEST,
};

/** A Create that starts a build: its build id and the request. */
async function startCopy(props: Record<string, string> = {}) {
  // x86_64 unless asked: the amd64 digest is never put in the destination, so every such Create needs a build.
  const event = cfnEvent('mirror-create.json', http.url, { ...createProps, Architecture: 'x86_64', ...props });
  const [result] = await invoke([event]);
  expect(result).toMatchObject({ status: 'BUILDING' });
  return { event, buildId: result.buildId as string };
}

/** Puts the arm64 manifest in the destination, as a finished copy would. */
async function copyDone(tag = 'v1') {
  await destEcr
    .send(
      new PutImageCommand({
        repositoryName: 'mirror/app',
        imageManifest: ARM64,
        imageDigest: sha256(ARM64),
        imageTag: tag,
      }),
    )
    .catch((e: Error) => {
      if (e.name !== 'ImageAlreadyExistsException') throw e;
    });
}

describe('the pending request stays secret', () => {
  test('Create starts one build whose visible environment holds no URL and no request id, only an opaque id', async () => {
    const before = proxy.codebuildCalls.length;
    const { event, buildId } = await startCopy({ Architecture: 'arm64' });
    expect(http.received).toEqual([]);

    const starts = proxy.codebuildCalls.slice(before).filter((c) => c.target === 'StartBuild');
    expect(starts).toHaveLength(1);
    // What anyone allowed codebuild:BatchGetBuilds sees: the build (as moto keeps it) and its variables.
    const [build] = (await codebuild.send(new BatchGetBuildsCommand({ ids: [buildId] }))).builds ?? [];
    const visible = startedEnvironment(proxy, buildId) ?? [];
    const vars = Object.fromEntries(visible.map((v) => [v.name, v.value]));
    expect(Object.keys(vars).sort()).toEqual(
      [
        'DEST_REGISTRY',
        'DEST_REPOSITORY',
        'DEST_TAG',
        'IMAGE_DIGEST',
        'MIRROR_REQUEST_ID',
        'SOURCE_REGION',
        'SOURCE_REGISTRY',
        'SOURCE_REPOSITORY',
      ].sort(),
    );
    expect(vars.IMAGE_DIGEST).toBe(sha256(ARM64));
    expect(vars.MIRROR_REQUEST_ID).toMatch(/^[a-f0-9]{32}$/);
    const everything = JSON.stringify({ build, start: starts[0].body });
    for (const secret of [event.ResponseURL, new URL(event.ResponseURL).host, 'X-Amz-Signature', event.RequestId]) {
      expect([secret, everything.includes(secret)]).toEqual([secret, false]);
    }
    for (const v of visible) expect(v.value).not.toMatch(/https?:\/\//);

    // The request itself is in the table, keyed by that id, bound to that build.
    const item = await ddb.send(new GetItemCommand({ TableName: TABLE, Key: { id: { S: vars.MIRROR_REQUEST_ID } } }));
    expect(item.Item?.responseUrl?.S).toBe(event.ResponseURL);
    expect(item.Item?.buildId?.S).toBe(buildId);
    expect(item.Item?.imageDigest?.S).toBe(sha256(ARM64));
  });

  test('a forged SUCCEEDED event cannot change the image or the URL: the answer comes from the stored request', async () => {
    const { event, buildId } = await startCopy({ Architecture: 'arm64' });
    await copyDone();
    const forged = buildEvent('mirror-build-succeeded.json', buildId);
    const vars = forged.detail['additional-information'].environment['environment-variables'];
    for (const v of vars) {
      if (v.name === 'IMAGE_DIGEST') v.value = sha256(AMD64);
      if (v.name === 'DEST_REPOSITORY') v.value = `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/attacker/app`;
    }
    vars.push({ name: 'CFN_RESPONSE_URL', value: attacker.url }, { name: 'DEST_TAG', value: 'evil' });
    const [result] = await invoke([forged]);
    expect(result.status).toBe('SUCCESS');
    expect(attacker.received).toEqual([]);
    expect(bodies(http)).toEqual([
      {
        Status: 'SUCCESS',
        PhysicalResourceId: `${DEST}@${sha256(ARM64)}`,
        StackId: event.StackId,
        RequestId: event.RequestId,
        LogicalResourceId: 'MirroredImage',
        Data: { ImageUri: `${DEST}@${sha256(ARM64)}`, TaggedImageUri: `${DEST}:v1`, ImageDigest: sha256(ARM64) },
      },
    ]);
    expect(http.received[0].headers['content-type']).toBe('');
    // Answered once: the item is gone, and a replayed event answers nothing.
    const id = vars.find((v) => v.name === 'MIRROR_REQUEST_ID')?.value ?? '';
    expect((await ddb.send(new GetItemCommand({ TableName: TABLE, Key: { id: { S: id } } }))).Item).toBeUndefined();
    http.received.length = 0;
    expect((await invoke([forged]))[0].status).toBe('IGNORED');
    expect(http.received).toEqual([]);
  });

  test('a build started by someone else with our opaque id (StartBuild with overrides) answers nothing', async () => {
    const { buildId } = await startCopy();
    const theirs = await codebuild.send(
      new StartBuildCommand({
        projectName: PROJECT,
        environmentVariablesOverride: [
          ...(startedEnvironment(proxy, buildId) ?? []).map((v) => ({
            ...v,
            type: 'PLAINTEXT' as const,
          })),
          { name: 'CFN_RESPONSE_URL', value: attacker.url, type: 'PLAINTEXT' },
        ],
      }),
    );
    const event = buildEvent('mirror-build-failed.json', theirs.build?.id ?? '');
    expect((await invoke([event]))[0].status).toBe('IGNORED');
    expect(attacker.received).toEqual([]);
    expect(http.received).toEqual([]);
    // Our own build still answers its request.
    expect((await invoke([buildEvent('mirror-build-failed.json', buildId)]))[0].status).toBe('FAILED');
  });
});

describe('a build that ended answers its request', () => {
  test('FAILED and TIMED_OUT answer FAILED with the cause and the log link, in byte-correct bodies', async () => {
    const failed = await startCopy();
    const timedOut = await startCopy();
    await invoke([
      buildEvent('mirror-build-failed.json', failed.buildId),
      buildEvent('mirror-build-timed-out.json', timedOut.buildId),
    ]);
    for (const r of http.received) expect(Number(r.headers['content-length'])).toBe(r.body.length);
    const [f, t] = bodies(http);
    expect(f).toMatchObject({ Status: 'FAILED', PhysicalResourceId: 'MirroredImage-not-mirrored' });
    expect(f.RequestId).toBe(failed.event.RequestId);
    expect(f.Data).toBeUndefined();
    expect(f.Reason).toContain('ended FAILED in phase PRE_BUILD');
    expect(f.Reason).toContain('Log: https://console.aws.amazon.com/cloudwatch/home?region=us-east-1#logsV2:');
    expect(t.Reason).toContain(
      'ended TIMED_OUT in phase QUEUED (BUILD_TIMED_OUT: Build timed out while in queue — no capacity)',
    );
    expect(Buffer.byteLength(http.received[1].body.toString('utf8'))).toBeGreaterThan(
      http.received[1].body.toString('utf8').length,
    );
  });

  test('an event without the id, whose build cannot be read (CodeBuild black-holed), is found by its build id', async () => {
    const { event, buildId } = await startCopy();
    const bare = buildEvent('mirror-build-failed.json', buildId, []);
    const [result] = await invoke([bare], { remainingTimeMs: 8000 }, { AWS_ENDPOINT_URL_CODEBUILD: hole.endpoint });
    expect(result.status).toBe('FAILED');
    expect(bodies(http)).toEqual([expect.objectContaining({ Status: 'FAILED', RequestId: event.RequestId })]);
  });

  test('an event whose lookup fails (DynamoDB black-holed) fails the invocation, so Lambda retries it', async () => {
    const { buildId } = await startCopy();
    const event = buildEvent('mirror-build-failed.json', buildId);
    const [result] = await invokeBundle(
      'mirror',
      [event],
      { ...env, AWS_ENDPOINT_URL_DYNAMODB: hole.endpoint },
      {
        remainingTimeMs: 4000,
      },
    );
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatchObject({ name: 'PendingRequestError' });
    expect(!result.ok && result.error.message).toContain('find the pending request');
    expect(http.received).toEqual([]);
    // The request is still there: the retry answers it.
    expect((await invoke([event]))[0].status).toBe('FAILED');
  });
});

describe('requests answered at once', () => {
  test('a missing repository or tag answers FAILED, naming the source and the fix', async () => {
    await invoke([
      cfnEvent('mirror-create.json', http.url, {
        ...createProps,
        SourceRepositoryUri: `${ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com/release/missing`,
      }),
      cfnEvent('mirror-create.json', http.url, { ...createProps, SourceImageTag: 'v9' }),
    ]);
    const [noRepo, noTag] = bodies(http);
    expect(noRepo).toMatchObject({ Status: 'FAILED', PhysicalResourceId: 'MirroredImage-not-mirrored' });
    expect(noRepo.Reason).toContain('release/missing');
    expect(noRepo.Reason).toContain('check SourceRepositoryUri');
    expect(noTag.Reason).toContain('"v9"');
    expect(noTag.Reason).toContain('check SourceImageTag');
  });

  test('a digest already in the destination answers SUCCESS, tags it, and starts no build', async () => {
    await copyDone('previous');
    const before = (await buildIds()).length;
    await invoke([cfnEvent('mirror-create.json', http.url, createProps)]);
    expect(await buildIds()).toHaveLength(before);
    expect(bodies(http)).toEqual([
      expect.objectContaining({
        Status: 'SUCCESS',
        PhysicalResourceId: `${DEST}@${sha256(ARM64)}`,
        Data: { ImageUri: `${DEST}@${sha256(ARM64)}`, TaggedImageUri: `${DEST}:v1`, ImageDigest: sha256(ARM64) },
      }),
    ]);
    const described = await destEcr.send(
      new DescribeImagesCommand({ repositoryName: 'mirror/app', imageIds: [{ imageDigest: sha256(ARM64) }] }),
    );
    expect(described.imageDetails?.[0].imageTags).toEqual(expect.arrayContaining(['v1', 'previous']));
  });

  test.each([
    ['an unknown RequestType', { RequestType: 'Rename' }, /unsupported RequestType "Rename"/],
    ['no ResourceProperties', { ResourceProperties: undefined }, /no ResourceProperties/],
    ['ResourceProperties that are a list', { ResourceProperties: ['x'] }, /no ResourceProperties/],
    ['no RequestType', { RequestType: undefined }, /unsupported RequestType null/],
    [
      'an Update without PhysicalResourceId',
      { RequestType: 'Update', PhysicalResourceId: undefined },
      /no PhysicalResourceId/,
    ],
    [
      'another destination repository',
      {
        ResourceProperties: {
          ...createProps,
          DestinationRepositoryUri: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/other`,
        },
      },
      /is not this mirror's repository/,
    ],
  ])('a request with %s answers FAILED at once, without a build', async (_name, change, reason) => {
    const before = proxy.codebuildCalls.length;
    const items = (await pendingItems()).length;
    const event = { ...cfnEvent('mirror-create.json', http.url, createProps), ...change };
    const [result] = await invoke([event]);
    expect(result.status).toBe('FAILED');
    const [body] = bodies(http);
    expect(body.Status).toBe('FAILED');
    expect(body.Reason).toMatch(reason);
    expect(proxy.codebuildCalls.slice(before)).toEqual([]);
    expect(await pendingItems()).toHaveLength(items);
  });

  test.each([
    ['not a URL', 'not a url'],
    ['another host', 'https://example.com/cfn-response?X-Amz-Signature=abc'],
    [
      "another region's bucket",
      'https://cloudformation-custom-resource-response-uswest2.s3.us-west-2.amazonaws.com/x?X-Amz-Signature=abc',
    ],
    [
      'plain http to S3',
      'http://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x?X-Amz-Signature=abc',
    ],
  ])(
    'a ResponseURL that is %s is never called: the request goes to the dead-letter queue with its reason',
    async (_n, url) => {
      const event = cfnEvent('mirror-create.json', url, createProps);
      const before = proxy.codebuildCalls.length;
      const [result] = await invoke([event], {}, { [LOOPBACK_SWITCH]: 'false' });
      expect(result.status).toBe('UNANSWERABLE');
      expect(proxy.codebuildCalls.slice(before)).toEqual([]);
      const letters = await deadLetters();
      const mine = letters.find((l) => l.RequestId === event.RequestId);
      expect(mine).toMatchObject({ kind: 'UnusableResponseUrl', LogicalResourceId: 'MirroredImage' });
      expect(String(mine?.reason)).toMatch(/ResponseURL/);
      expect(JSON.stringify(letters)).not.toContain('X-Amz-Signature');
    },
  );

  test('Delete answers at once with the same PhysicalResourceId, over https too; images go only when asked', async () => {
    await copyDone();
    const physical = `${DEST}@${sha256(ARM64)}`;
    await invoke([
      cfnEvent(
        'mirror-delete.json',
        https.url,
        { ...createProps, KeepImagesOnDelete: 'true' },
        { PhysicalResourceId: physical },
      ),
    ]);
    expect(bodies(https)).toEqual([expect.objectContaining({ Status: 'SUCCESS', PhysicalResourceId: physical })]);
    const kept = await destEcr.send(
      new DescribeImagesCommand({ repositoryName: 'mirror/app', imageIds: [{ imageDigest: sha256(ARM64) }] }),
    );
    expect(kept.imageDetails).toHaveLength(1);

    // An image of another repository in the same registry is never deleted, whatever the request says.
    await destEcr.send(new CreateRepositoryCommand({ repositoryName: 'other/app' }));
    await destEcr.send(
      new PutImageCommand({
        repositoryName: 'other/app',
        imageManifest: ARM64,
        imageDigest: sha256(ARM64),
        imageTag: 'v1',
      }),
    );
    const other = `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/other/app@${sha256(ARM64)}`;
    await invoke([
      cfnEvent(
        'mirror-delete.json',
        http.url,
        {
          ...createProps,
          DestinationRepositoryUri: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/other/app`,
          KeepImagesOnDelete: 'false',
        },
        { PhysicalResourceId: other },
      ),
    ]);
    const stillThere = await destEcr.send(
      new DescribeImagesCommand({ repositoryName: 'other/app', imageIds: [{ imageDigest: sha256(ARM64) }] }),
    );
    expect(stillThere.imageDetails).toHaveLength(1);

    http.received.length = 0;
    await invoke([
      cfnEvent(
        'mirror-delete.json',
        http.url,
        { ...createProps, KeepImagesOnDelete: 'false' },
        { PhysicalResourceId: physical },
      ),
    ]);
    expect(bodies(http)).toEqual([expect.objectContaining({ Status: 'SUCCESS', PhysicalResourceId: physical })]);
    await expect(
      destEcr.send(
        new DescribeImagesCommand({ repositoryName: 'mirror/app', imageIds: [{ imageDigest: sha256(ARM64) }] }),
      ),
    ).rejects.toMatchObject({ name: 'ImageNotFoundException' });
  });
});

describe('never a silent stack: a hung endpoint answers FAILED naming the phase', () => {
  // A small budget: the guard, not the clients' own timeouts (seconds longer), must end each wait.
  const context = { remainingTimeMs: 5000 };

  test.each([
    ['resolve source', { AWS_ENDPOINT_URL_ECR: 'HOLE' }, []],
    ['check destination', {}, ['DescribeImages']],
    ['start build', { AWS_ENDPOINT_URL_CODEBUILD: 'HOLE' }, []],
  ])('%s', async (phase, extraEnv: Record<string, string>, operations: string[]) => {
    for (const op of operations) proxy.blackHoled.add(op);
    const overrides = Object.fromEntries(
      Object.entries(extraEnv).map(([k, v]) => [k, v === 'HOLE' ? hole.endpoint : v]),
    );
    const connections = hole.connections();
    const items = (await pendingItems()).length;
    // The amd64 digest is never copied into the destination here, so the Create goes on to the build.
    const event = cfnEvent('mirror-create.json', http.url, { ...createProps, Architecture: 'x86_64' });
    const [result] = await invoke([event], context, overrides);
    // Within the deadline, without measuring time: the sender makes no attempt once the invocation's answer
    // budget (remainingTimeMs less a safety second) is spent, and would then report UNDELIVERED with no body.
    // A FAILED body received here was sent inside the function's time.
    expect(result.status).toBe('FAILED');
    const [body] = bodies(http);
    expect(body).toMatchObject({ Status: 'FAILED', PhysicalResourceId: 'MirroredImage-not-mirrored' });
    expect(body.Reason).toContain(`${phase} timed out`);
    if (Object.keys(overrides).length) expect(hole.connections()).toBeGreaterThan(connections);
    // A request that was recorded before the hang is forgotten once answered.
    expect(await pendingItems()).toHaveLength(items);
  });
});
