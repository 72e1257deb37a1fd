/**
 * The built mirror bundle (dist/mirror/index.js) against moto_server (ECR, CodeBuild) with loopback http and
 * https servers as CloudFormation's ResponseURL. moto's CodeBuild records builds but runs nothing, so the
 * build's end is played by the sample build-state events in events/.
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
} from '@aws-sdk/client-codebuild';
import { CreateRepositoryCommand, DescribeImagesCommand, ECRClient, PutImageCommand } from '@aws-sdk/client-ecr';
import { buildAll, ROOT } from '../../../tooling/build';
import { readTemplate } from '../../../tooling/cfn';
import { ARM64, pushIndexedImage, sha256 } from '../../../tooling/ecr-image';
import { invokeBundle } from '../../../tooling/invoke';
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

/**
 * A loopback proxy in front of moto_server that (1) records every CodeBuild request body, so the test sees the
 * exact StartBuild call, and (2) rewrites the ISO-8601 strings moto returns for CodeBuild timestamps into the
 * epoch seconds the real service (and therefore the SDK's deserializer) uses. Nothing else is changed.
 */
type Proxy = {
  endpoint: string;
  codebuildCalls: { target: string; body: Record<string, unknown> }[];
  close(): Promise<void>;
};

function epochTimestamps(value: unknown, key = ''): unknown {
  if (typeof value === 'string' && /(Time|^created|^lastModified)$/.test(key) && !Number.isNaN(Date.parse(value))) {
    return Date.parse(value) / 1000;
  }
  if (Array.isArray(value)) return value.map((v) => epochTimestamps(v));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, epochTimestamps(v, k)]));
  }
  return value;
}

async function motoProxy(target: string): Promise<Proxy> {
  const codebuildCalls: Proxy['codebuildCalls'] = [];
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const amzTarget = String(req.headers['x-amz-target'] ?? '');
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(([k]) => !['host', 'connection', 'content-length'].includes(k)),
      ) as Record<string, string>;
      const upstream = await fetch(`${target}${req.url}`, {
        method: req.method,
        headers,
        body: body.length ? body : undefined,
      });
      let out = Buffer.from(await upstream.arrayBuffer());
      if (amzTarget.startsWith('CodeBuild_20161006.')) {
        codebuildCalls.push({ target: amzTarget.split('.')[1], body: JSON.parse(body.toString('utf8') || '{}') });
        if (upstream.ok) out = Buffer.from(JSON.stringify(epochTimestamps(JSON.parse(out.toString('utf8')))));
      }
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
      res.end(out);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    codebuildCalls,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const ACCOUNT = '123456789012';
const SOURCE = `${ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com/release/app`;
const DEST = `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/mirror/app`;
const PROJECT = 'cloud-cron-mirror-copy';

let moto: Moto;
let proxy: Proxy;
let http: ResponseServer;
let https: ResponseServer;
let certDir: string;
let env: Record<string, string>;
let sourceEcr: ECRClient;
let destEcr: ECRClient;
let codebuild: CodeBuildClient;

/** The function's environment exactly as the template sets it, with the project name moto knows. */
function templateEnvironment(): Record<string, string> {
  return functionEnvironment(readTemplate('template-mirror.yaml'), 'MirrorFunction', {
    resources: { CopyProject: PROJECT },
  });
}

function loadEvent<T>(name: string): T {
  return JSON.parse(readFileSync(join(EVENTS, name), 'utf8')) as T;
}

type CfnEvent = {
  ResponseURL: string;
  RequestId: string;
  ResourceProperties: Record<string, string>;
  PhysicalResourceId?: string;
};
type BuildEvent = {
  detail: {
    'project-name': string;
    'additional-information': { environment: { 'environment-variables': { name: string; value: string }[] } };
  };
};

function cfnEvent(
  file: string,
  responseUrl: string,
  props: Record<string, string> = {},
  extra: Record<string, string> = {},
): CfnEvent {
  const e = loadEvent<CfnEvent>(file);
  return { ...e, ...extra, ResponseURL: responseUrl, ResourceProperties: { ...e.ResourceProperties, ...props } };
}

function buildEvent(file: string, vars: Record<string, string>): BuildEvent {
  const e = loadEvent<BuildEvent>(file);
  e.detail['project-name'] = PROJECT;
  for (const v of e.detail['additional-information'].environment['environment-variables']) {
    if (v.name in vars) v.value = vars[v.name];
  }
  return e;
}

async function invoke(events: unknown[]) {
  const results = await invokeBundle<{ status: string; buildId?: string }>('mirror', events, env);
  for (const r of results) if (!r.ok) throw new Error(`${r.error.name}: ${r.error.message}\n${r.logs}`);
  return results;
}

function bodies(server: ResponseServer): CfnBody[] {
  return server.received.map((r) => JSON.parse(r.body.toString('utf8')) as CfnBody);
}

async function buildIds(): Promise<string[]> {
  return (await codebuild.send(new ListBuildsForProjectCommand({ projectName: PROJECT }))).ids ?? [];
}

function startBuildCalls(): Record<string, unknown>[] {
  return proxy.codebuildCalls.filter((c) => c.target === 'StartBuild').map((c) => c.body);
}

beforeAll(async () => {
  certDir = tempDir('cloudcron-tls-');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      join(certDir, 'key.pem'),
      '-out',
      join(certDir, 'cert.pem'),
    ],
    { stdio: 'pipe' },
  );
  const started = await Promise.all([
    startMoto('us-east-1'),
    responseServer(),
    responseServer({ key: readFileSync(join(certDir, 'key.pem')), cert: readFileSync(join(certDir, 'cert.pem')) }),
    buildAll(ROOT, ['mirror']),
  ]);
  [moto, http, https] = started;
  proxy = await motoProxy(moto.endpoint);
  env = {
    ...moto.env,
    AWS_ENDPOINT_URL: proxy.endpoint,
    ...templateEnvironment(),
    NODE_EXTRA_CA_CERTS: join(certDir, 'cert.pem'),
  };
  const client = { endpoint: proxy.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
  sourceEcr = new ECRClient({ ...client, region: 'us-west-2' });
  destEcr = new ECRClient({ ...client, region: 'us-east-1' });
  codebuild = new CodeBuildClient({ ...client, region: 'us-east-1' });
  await pushIndexedImage(sourceEcr, 'release/app', 'v1');
  await destEcr.send(new CreateRepositoryCommand({ repositoryName: 'mirror/app' }));
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
});

afterAll(async () => {
  await Promise.all([moto?.stop(), http?.close(), https?.close(), proxy?.close()]);
  if (certDir) rmSync(certDir, { recursive: true, force: true });
});

beforeEach(() => {
  http.received.length = 0;
  https.received.length = 0;
});

const createProps = {
  SourceRepositoryUri: SOURCE,
  SourceImageTag: 'v1',
  Architecture: 'arm64',
  DestinationRepositoryUri: DEST,
};

test('Create resolves the index to the arm64 digest and starts one build carrying the pending request', async () => {
  const event = cfnEvent('mirror-create.json', http.url, createProps);
  const [result] = await invoke([event]);
  expect(result.ok && result.result).toMatchObject({ status: 'BUILDING' });
  await new Promise((r) => setTimeout(r, 200));
  expect(http.received).toEqual([]);

  const ids = await buildIds();
  expect(ids).toHaveLength(1);
  const [build] = (await codebuild.send(new BatchGetBuildsCommand({ ids }))).builds ?? [];
  expect(build.projectName).toBe(PROJECT);

  const [start, ...more] = startBuildCalls();
  expect(more).toEqual([]);
  expect(start.projectName).toBe(PROJECT);
  expect(start.idempotencyToken).toBe(event.RequestId);
  const vars = Object.fromEntries(
    (start.environmentVariablesOverride as { name: string; value: string; type: string }[]).map((v) => [
      v.name,
      v.value,
    ]),
  );
  expect(vars).toEqual({
    SOURCE_REPOSITORY: SOURCE,
    SOURCE_REGISTRY: `${ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com`,
    SOURCE_REGION: 'us-west-2',
    IMAGE_DIGEST: sha256(ARM64),
    DEST_REPOSITORY: DEST,
    DEST_REGISTRY: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`,
    DEST_TAG: 'v1',
    CFN_REQUEST_TYPE: 'Create',
    CFN_RESPONSE_URL: http.url,
    CFN_STACK_ID: loadEvent<{ StackId: string }>('mirror-create.json').StackId,
    CFN_REQUEST_ID: event.RequestId,
    CFN_LOGICAL_RESOURCE_ID: 'MirroredImage',
    CFN_PHYSICAL_RESOURCE_ID: `${DEST}@${sha256(ARM64)}`,
    CFN_FAILURE_PHYSICAL_RESOURCE_ID: 'MirroredImage-not-mirrored',
  });
});

test('a missing repository or tag answers FAILED within seconds, naming the source and the fix', async () => {
  const started = Date.now();
  await invoke([
    cfnEvent('mirror-create.json', http.url, {
      ...createProps,
      SourceRepositoryUri: `${ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com/release/missing`,
    }),
    cfnEvent('mirror-create.json', http.url, { ...createProps, SourceImageTag: 'v9' }),
  ]);
  expect(Date.now() - started).toBeLessThan(10000);
  const [noRepo, noTag] = bodies(http);
  expect(noRepo).toMatchObject({
    Status: 'FAILED',
    PhysicalResourceId: 'MirroredImage-not-mirrored',
    LogicalResourceId: 'MirroredImage',
  });
  expect(noRepo.Reason).toContain('release/missing');
  expect(noRepo.Reason).toContain('check SourceRepositoryUri');
  expect(noTag.Status).toBe('FAILED');
  expect(noTag.Reason).toContain('"v9"');
  expect(noTag.Reason).toContain(SOURCE);
  expect(noTag.Reason).toContain('check SourceImageTag');
});

test('a digest already in the destination answers SUCCESS at once, tags it, and starts no build', async () => {
  await destEcr.send(
    new PutImageCommand({
      repositoryName: 'mirror/app',
      imageManifest: ARM64,
      imageDigest: sha256(ARM64),
      imageTag: 'previous',
    }),
  );
  const before = (await buildIds()).length;
  await invoke([cfnEvent('mirror-create.json', http.url, createProps)]);
  expect(await buildIds()).toHaveLength(before);
  const [body] = bodies(http);
  expect(body).toMatchObject({
    Status: 'SUCCESS',
    PhysicalResourceId: `${DEST}@${sha256(ARM64)}`,
    Data: { ImageUri: `${DEST}@${sha256(ARM64)}`, TaggedImageUri: `${DEST}:v1`, ImageDigest: sha256(ARM64) },
  });
  const described = await destEcr.send(
    new DescribeImagesCommand({ repositoryName: 'mirror/app', imageIds: [{ imageDigest: sha256(ARM64) }] }),
  );
  expect(described.imageDetails?.[0].imageTags).toEqual(expect.arrayContaining(['v1', 'previous']));
});

test('a SUCCEEDED build event answers SUCCESS with the digest-pinned image', async () => {
  const event = buildEvent('mirror-build-succeeded.json', {
    CFN_RESPONSE_URL: http.url,
    IMAGE_DIGEST: sha256(ARM64),
    SOURCE_REPOSITORY: SOURCE,
    DEST_REPOSITORY: DEST,
    CFN_PHYSICAL_RESOURCE_ID: `${DEST}@${sha256(ARM64)}`,
  });
  await invoke([event]);
  const [body] = bodies(http);
  expect(body).toEqual({
    Status: 'SUCCESS',
    PhysicalResourceId: `${DEST}@${sha256(ARM64)}`,
    StackId: loadEvent<{ StackId: string }>('mirror-create.json').StackId,
    RequestId: '7a1e5c44-2f0b-4a53-9d8e-4c2a6b1f0e11',
    LogicalResourceId: 'MirroredImage',
    Data: { ImageUri: `${DEST}@${sha256(ARM64)}`, TaggedImageUri: `${DEST}:v1`, ImageDigest: sha256(ARM64) },
  });
  expect(http.received[0].method).toBe('PUT');
  expect(http.received[0].url).toBe(new URL(http.url).pathname + new URL(http.url).search);
  expect(http.received[0].headers['content-type']).toBe('');
});

test('FAILED and TIMED_OUT build events answer FAILED with the cause and the log link, in byte-correct bodies', async () => {
  await invoke([
    buildEvent('mirror-build-failed.json', { CFN_RESPONSE_URL: http.url }),
    buildEvent('mirror-build-timed-out.json', { CFN_RESPONSE_URL: http.url }),
  ]);
  for (const r of http.received) expect(Number(r.headers['content-length'])).toBe(r.body.length);
  const [failed, timedOut] = bodies(http);
  expect(failed).toMatchObject({ Status: 'FAILED', PhysicalResourceId: 'MirroredImage-not-mirrored' });
  expect(failed.Data).toBeUndefined();
  expect(failed.Reason).toContain('ended FAILED in phase PRE_BUILD');
  expect(failed.Reason).toContain('exit status 1');
  expect(failed.Reason).toContain('Log: https://console.aws.amazon.com/cloudwatch/home?region=us-east-1#logsV2:');
  expect(timedOut.Reason).toContain(
    'ended TIMED_OUT in phase QUEUED (BUILD_TIMED_OUT: Build timed out while in queue — no capacity)',
  );
  expect(Buffer.byteLength(http.received[1].body.toString('utf8'))).toBeGreaterThan(
    http.received[1].body.toString('utf8').length,
  );
});

test('Delete answers at once with the same PhysicalResourceId, over https too; images go only when asked', async () => {
  const physical = `${DEST}@${sha256(ARM64)}`;
  const started = Date.now();
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

  await invoke([
    cfnEvent(
      'mirror-delete.json',
      http.url,
      { ...createProps, KeepImagesOnDelete: 'false' },
      { PhysicalResourceId: physical },
    ),
  ]);
  expect(Date.now() - started).toBeLessThan(10000);
  expect(bodies(http)).toEqual([expect.objectContaining({ Status: 'SUCCESS', PhysicalResourceId: physical })]);
  await expect(
    destEcr.send(
      new DescribeImagesCommand({ repositoryName: 'mirror/app', imageIds: [{ imageDigest: sha256(ARM64) }] }),
    ),
  ).rejects.toMatchObject({ name: 'ImageNotFoundException' });
});
