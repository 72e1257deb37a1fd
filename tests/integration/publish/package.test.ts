/**
 * `npm run package` against moto_server's S3: every app's code and SAR files are uploaded, the written
 * templates hold only S3 locations, and they still translate and lint clean.
 */
import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { APPS, EXAMPLE_TEMPLATES, SAR_APPS } from '../../../tooling/apps';
import { buildAll } from '../../../tooling/build';
import { cfnLint, describeFindings, samTranslate } from '../../../tooling/cfn';
import { loadTemplate } from '../../../tooling/cfn-yaml';
import { type Moto, startMoto } from '../../../tooling/moto';
import { type PackagedTemplate, packageAll } from '../../../tooling/package';
import { DIST, ROOT, tempDir } from '../../../tooling/paths';

const BUCKET = 'cloud-cron-artifacts';
let moto: Moto;
let s3: S3Client;
let packaged: PackagedTemplate[];
let outDir: string;

/** Reads one file out of a ZIP archive (the archive's own central directory, not our writer's assumptions). */
function unzip(zip: Buffer, name: string): Buffer {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  let at = zip.readUInt32LE(end + 16);
  for (let i = 0; i < zip.readUInt16LE(end + 10); i++) {
    const nameLength = zip.readUInt16LE(at + 28);
    const entry = zip.subarray(at + 46, at + 46 + nameLength).toString();
    const local = zip.readUInt32LE(at + 42);
    if (entry === name) {
      const size = zip.readUInt32LE(at + 20);
      const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      return inflateRawSync(zip.subarray(start, start + size));
    }
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  throw new Error(`${name} not in archive`);
}

/** The same packaging run each time: every app plus the example parent, into one bucket and folder. */
const packageOptions = () => ({
  bucket: BUCKET,
  prefix: 'cloud-cron/test',
  region: 'us-east-1',
  outDir,
  s3,
  build: false,
  extraTemplates: ['examples/parent/template.yaml'],
});

beforeAll(async () => {
  moto = await startMoto();
  s3 = new S3Client({
    region: 'us-east-1',
    endpoint: moto.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 't', secretAccessKey: 't' },
  });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await buildAll(ROOT);
  outDir = tempDir();
  packaged = await packageAll(packageOptions());
}, 120000);

afterAll(async () => moto?.stop());

test('every app template is packaged, and the example parent', () => {
  const names = packaged.map((p) => p.source.slice(ROOT.length + 1)).sort();
  expect(names).toEqual([...APPS.map((a) => a.template), ...EXAMPLE_TEMPLATES].sort());
  for (const p of packaged) expect(readFileSync(p.output, 'utf8').length).toBeGreaterThan(100);
});

test('written templates name only S3 locations, and the objects exist with the built code', async () => {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
  const keys = new Set((listed.Contents ?? []).map((o) => o.Key));
  for (const p of packaged) {
    const t = loadTemplate(p.output);
    for (const [id, res] of Object.entries(t.Resources)) {
      if (res.Type !== 'AWS::Serverless::Function' || res.Properties?.PackageType === 'Image') continue;
      const uri = String(res.Properties?.CodeUri);
      expect(uri).toMatch(new RegExp(`^s3://${BUCKET}/cloud-cron/test/[0-9a-f]{64}\\.zip$`));
      const key = uri.slice(`s3://${BUCKET}/`.length);
      expect(keys.has(key)).toBe(true);
      const props = res.Metadata?.BuildProperties as { EntryPoints: string[] } | undefined;
      const entry = String(props?.EntryPoints[0]).split('/').slice(-2, -1)[0];
      const obj = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
      const zip = Buffer.from(await obj.Body!.transformToByteArray());
      expect(unzip(zip, 'index.js').equals(readFileSync(`${DIST}/${entry}/index.js`))).toBe(true);
      expect(id).toBeTruthy();
    }
    const sar = t.Metadata?.['AWS::ServerlessRepo::Application'] as Record<string, string> | undefined;
    if (sar) {
      expect(sar.LicenseUrl).toMatch(/^s3:\/\//);
      expect(sar.ReadmeUrl).toMatch(/^s3:\/\//);
      expect(keys.has(sar.ReadmeUrl.slice(`s3://${BUCKET}/`.length))).toBe(true);
    }
  }
});

test('the example parent nests the packaged job template by an S3 URL that holds it', async () => {
  const parent = packaged.find((p) => p.source.endsWith('examples/parent/template.yaml'));
  const job = Object.values(parent?.template.Resources ?? {}).find(
    (r) => r.Type === 'AWS::Serverless::Application' && String(r.Properties?.Location).startsWith('https://'),
  );
  const url = String(job?.Properties?.Location);
  expect(url).toMatch(
    new RegExp(`^https://${BUCKET}\\.s3\\.us-east-1\\.amazonaws\\.com/cloud-cron/test/[0-9a-f]{64}\\.template$`),
  );
  const key = url.split('.amazonaws.com/')[1];
  const body = await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToString();
  expect(body).toContain('CloudCron');
});

test('packaged SAR templates translate and lint clean as they are', () => {
  const sarTemplates = packaged.filter((p) => p.template.Metadata?.['AWS::ServerlessRepo::Application']);
  expect(sarTemplates.map((p) => p.source.slice(ROOT.length + 1)).sort()).toEqual(
    SAR_APPS.map((a) => a.template).sort(),
  );
  for (const p of sarTemplates) samTranslate(p.output);
  expect(describeFindings(cfnLint(...sarTemplates.map((p) => p.output)))).toEqual([]);
});

test('packaging again uploads nothing: the same code keeps the same key', async () => {
  const again = await packageAll(packageOptions());
  expect(again.flatMap((p) => p.uploads)).toEqual([]);
  expect(again.map((p) => readFileSync(p.output, 'utf8'))).toEqual(packaged.map((p) => readFileSync(p.output, 'utf8')));
});

describe('npm run release', () => {
  // moto has no Serverless Application Repository: its client is mocked; S3 is moto's, for real.
  // The SAR client's last release (3.668) predates the other clients' @smithy/types, hence the casts.
  const { mockClient } = require('aws-sdk-client-mock') as typeof import('aws-sdk-client-mock');
  const sarSdk =
    require('@aws-sdk/client-serverlessapplicationrepository') as typeof import('@aws-sdk/client-serverlessapplicationrepository');
  const { release } = require('../../../tooling/release') as typeof import('../../../tooling/release');
  const version = (JSON.parse(readFileSync(`${ROOT}/package.json`, 'utf8')) as { version: string }).version;

  test('publishes every SAR app at the package.json version and uploads the scheduled-job template', async () => {
    const sar = new sarSdk.ServerlessApplicationRepositoryClient({ region: 'us-east-1' });
    const mock = mockClient(sar as never);
    mock.on(sarSdk.ListApplicationsCommand as never).resolves({
      Applications: [
        {
          Name: 'cloud-cron-macro',
          ApplicationId: 'arn:aws:serverlessrepo:us-east-1:123456789012:applications/cloud-cron-macro',
          Author: 'cloud-cron',
          Description: 'd',
        },
      ],
    } as never);
    mock.on(sarSdk.CreateApplicationCommand as never).callsFake((input: { Name: string }) => ({
      ApplicationId: `arn:aws:serverlessrepo:us-east-1:123456789012:applications/${input.Name}`,
    }));
    mock.on(sarSdk.CreateApplicationVersionCommand as never).resolves({});
    const result = await release({
      bucket: BUCKET,
      region: 'us-east-1',
      version,
      s3,
      sar,
      outDir: tempDir(),
      build: false,
    });
    const names = result.published.map((p) => p.name).sort();
    expect(names).toContain('cloud-cron-macro');
    expect(result.published.find((p) => p.name === 'cloud-cron-macro')?.created).toBe(false);
    expect(
      (mock.commandCalls(sarSdk.CreateApplicationVersionCommand as never)[0].args[0] as { input: unknown }).input,
    ).toMatchObject({ SemanticVersion: version });
    for (const call of mock.commandCalls(sarSdk.CreateApplicationCommand as never)) {
      const input = (call.args[0] as { input: { SemanticVersion: string; LicenseUrl: string; TemplateBody: string } })
        .input;
      expect(input.SemanticVersion).toBe(version);
      expect(input.LicenseUrl).toMatch(/^s3:\/\//);
      expect(input.TemplateBody).toContain('AWS::Serverless-2016-10-31');
      expect(input.TemplateBody).not.toMatch(/CodeUri: \.\.?\n/);
    }
    expect(names).not.toContain(undefined);
    const job = await s3.send(
      new GetObjectCommand({ Bucket: BUCKET, Key: `cloud-cron/${version}/template-scheduled-lambda.yaml` }),
    );
    expect(await job.Body!.transformToString()).toContain('CloudCron');
    expect(result.locations.job).toBe(
      `https://${BUCKET}.s3.us-east-1.amazonaws.com/cloud-cron/${version}/template-scheduled-lambda.yaml`,
    );
    const task = await s3.send(
      new GetObjectCommand({ Bucket: BUCKET, Key: `cloud-cron/${version}/template-scheduled-task.yaml` }),
    );
    const taskText = await task.Body!.transformToString();
    expect(taskText).toContain('CloudCron');
    expect(taskText).toMatch(/CodeUri: s3:\/\//);
    expect(result.locations.task).toBe(
      `https://${BUCKET}.s3.us-east-1.amazonaws.com/cloud-cron/${version}/template-scheduled-task.yaml`,
    );
  });
});
