/**
 * `npm run release -- --bucket BUCKET [--region REGION] [--dry-run]`
 *
 * Packages every app (see package.ts), then publishes the SAR apps (macro, email, SMS, webhook, mirror) at the version in
 * package.json, and uploads the scheduled-job and scheduled-task templates (which use the CloudCron macro, so SAR
 * refuses them) to s3://BUCKET/cloud-cron/<version>/<template>, the URLs users nest by Location.
 *
 * The bucket must let the Serverless Application Repository read the artifacts (a bucket policy granting
 * serverlessrepo.amazonaws.com s3:GetObject with aws:SourceAccount = your account). Re-releasing a version that
 * SAR already has fails: bump "version" in package.json first.
 */
import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  CreateApplicationCommand,
  CreateApplicationVersionCommand,
  ListApplicationsCommand,
  ServerlessApplicationRepositoryClient,
} from '@aws-sdk/client-serverlessapplicationrepository';
import { ROOT } from '../tooling/build';
import type { Template } from '../tooling/cfn-yaml';
import { type PackagedTemplate, PackageError, packageAll, parseArgs, s3Client, stringify } from './package';

export const SCHEDULED_JOB = 'template-scheduled-lambda.yaml';
export const SCHEDULED_TASK = 'template-scheduled-task.yaml';

export type ReleaseOptions = {
  bucket: string;
  region: string;
  version: string;
  s3: S3Client;
  sar: ServerlessApplicationRepositoryClient;
  outDir: string;
  dryRun?: boolean;
  build?: boolean;
  log?: (line: string) => void;
};

export type ReleaseResult = {
  published: { name: string; applicationId: string; version: string; created: boolean }[];
  scheduledJobUrl: string;
  scheduledTaskUrl: string;
};

type SarMetadata = {
  Name: string;
  Description: string;
  Author: string;
  SpdxLicenseId: string;
  LicenseUrl: string;
  ReadmeUrl: string;
  Labels?: string[];
  HomePageUrl?: string;
  SourceCodeUrl?: string;
  SemanticVersion: string;
};

const sarMetadata = (t: Template) => t.Metadata?.['AWS::ServerlessRepo::Application'] as SarMetadata | undefined;

async function existingApplications(sar: ServerlessApplicationRepositoryClient): Promise<Map<string, string>> {
  const byName = new Map<string, string>();
  let token: string | undefined;
  do {
    const page = await sar.send(new ListApplicationsCommand({ NextToken: token }));
    for (const app of page.Applications ?? [])
      if (app.Name && app.ApplicationId) byName.set(app.Name, app.ApplicationId);
    token = page.NextToken;
  } while (token);
  return byName;
}

export async function release(opts: ReleaseOptions): Promise<ReleaseResult> {
  const log = opts.log ?? (() => {});
  const packaged = await packageAll({
    bucket: opts.bucket,
    prefix: `cloud-cron/${opts.version}`,
    region: opts.region,
    outDir: opts.outDir,
    s3: opts.s3,
    build: opts.build,
    log,
  });
  const apps = packaged.filter((p) => sarMetadata(p.template));
  for (const p of apps) {
    const meta = sarMetadata(p.template)!;
    if (meta.SemanticVersion !== opts.version) {
      throw new PackageError(
        `${relative(ROOT, p.source)} says SemanticVersion ${meta.SemanticVersion} but package.json says ${opts.version}: make them equal`,
      );
    }
  }
  const locationTemplates = [SCHEDULED_JOB, SCHEDULED_TASK].map((file) => {
    const p = packaged.find((x) => relative(ROOT, x.source) === file);
    if (!p) throw new PackageError(`${file} was not packaged`);
    const key = `cloud-cron/${opts.version}/${file}`;
    return { file, p, key, url: `https://${opts.bucket}.s3.${opts.region}.amazonaws.com/${key}` };
  });
  const result: ReleaseResult = {
    published: [],
    scheduledJobUrl: locationTemplates[0].url,
    scheduledTaskUrl: locationTemplates[1].url,
  };
  if (opts.dryRun) {
    for (const p of apps) log(`would publish ${sarMetadata(p.template)!.Name} ${opts.version}`);
    for (const t of locationTemplates) log(`would upload ${t.file} to ${t.url}`);
    return result;
  }
  const existing = await existingApplications(opts.sar);
  for (const p of apps) result.published.push(await publish(opts, p, existing));
  for (const t of locationTemplates) {
    await opts.s3.send(new PutObjectCommand({ Bucket: opts.bucket, Key: t.key, Body: stringify(t.p.template) }));
    log(`uploaded ${t.file}: nest it with Location: ${t.url}`);
  }
  return result;
}

async function publish(
  opts: ReleaseOptions,
  p: PackagedTemplate,
  existing: Map<string, string>,
): Promise<ReleaseResult['published'][number]> {
  const meta = sarMetadata(p.template)!;
  const templateBody = stringify(p.template);
  const id = existing.get(meta.Name);
  if (id) {
    await opts.sar.send(
      new CreateApplicationVersionCommand({
        ApplicationId: id,
        SemanticVersion: opts.version,
        TemplateBody: templateBody,
        SourceCodeUrl: meta.SourceCodeUrl,
      }),
    );
    opts.log?.(`published ${meta.Name} ${opts.version} (new version of ${id})`);
    return { name: meta.Name, applicationId: id, version: opts.version, created: false };
  }
  const created = await opts.sar.send(
    new CreateApplicationCommand({
      Name: meta.Name,
      Description: meta.Description,
      Author: meta.Author,
      SpdxLicenseId: meta.SpdxLicenseId,
      LicenseUrl: meta.LicenseUrl,
      ReadmeUrl: meta.ReadmeUrl,
      Labels: meta.Labels,
      HomePageUrl: meta.HomePageUrl,
      SourceCodeUrl: meta.SourceCodeUrl,
      SemanticVersion: opts.version,
      TemplateBody: templateBody,
    }),
  );
  opts.log?.(`published ${meta.Name} ${opts.version} (new application ${created.ApplicationId})`);
  return { name: meta.Name, applicationId: created.ApplicationId ?? '', version: opts.version, created: true };
}

if (require.main === module) {
  (async () => {
    const args = parseArgs(process.argv.slice(2));
    if (typeof args.bucket !== 'string')
      throw new PackageError('usage: npm run release -- --bucket BUCKET [--region R] [--dry-run]');
    const region = (args.region as string) ?? process.env.AWS_REGION ?? 'us-east-1';
    const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    await release({
      bucket: args.bucket,
      region,
      version,
      s3: s3Client(region),
      sar: new ServerlessApplicationRepositoryClient({ region }),
      outDir: resolve(ROOT, 'out', 'release'),
      dryRun: Boolean(args['dry-run']),
      log: (l) => console.log(l),
    });
  })().catch((e: Error) => {
    console.error(`release failed: ${e.message}`);
    process.exit(1);
  });
}
