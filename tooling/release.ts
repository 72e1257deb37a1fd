/**
 * Releasing (`npm run release`, scripts/release.ts): packages every app (see package.ts), then publishes the SAR apps
 * (tooling/apps.ts, `ships: 'sar'`) at the version in package.json, and uploads the templates that use the CloudCron
 * macro (`ships: 'location'`, which SAR refuses) to s3://BUCKET/cloud-cron/<version>/<template>, the URLs users nest
 * by Location.
 *
 * The bucket must let the Serverless Application Repository read the artifacts (a bucket policy granting
 * serverlessrepo.amazonaws.com s3:GetObject with aws:SourceAccount = your account). Re-releasing a version that
 * SAR already has fails: bump "version" in package.json first.
 */
import { relative } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  CreateApplicationCommand,
  CreateApplicationVersionCommand,
  ListApplicationsCommand,
  type ServerlessApplicationRepositoryClient,
} from '@aws-sdk/client-serverlessapplicationrepository';
import { APPS, SAR_APPS } from './apps';
import { ROOT } from './build';
import type { Template } from './cfn-yaml';
import { type PackagedTemplate, PackageError, packageAll, stringify } from './package';

/** The apps released as a template to nest by Location (SAR refuses them: they use the macro). */
const LOCATION_APPS = APPS.filter((a) => a.ships === 'location');

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
  /** The templates to nest by Location (the apps SAR refuses), by app id: their S3 URLs. */
  locations: Record<string, string>;
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
  const packagedOf = (template: string) => {
    const found = packaged.find((p) => relative(ROOT, p.source) === template);
    if (!found) throw new PackageError(`${template} was not packaged`);
    return found;
  };
  const apps = SAR_APPS.map((a) => packagedOf(a.template));
  for (const p of apps) {
    const meta = sarMetadata(p.template);
    if (!meta) throw new PackageError(`${relative(ROOT, p.source)} has no AWS::ServerlessRepo::Application metadata`);
    if (meta.SemanticVersion !== opts.version) {
      throw new PackageError(
        `${relative(ROOT, p.source)} says SemanticVersion ${meta.SemanticVersion} but package.json says ${opts.version}: make them equal`,
      );
    }
  }
  const nested = LOCATION_APPS.map((a) => {
    const key = `cloud-cron/${opts.version}/${a.template}`;
    return {
      app: a,
      key,
      url: `https://${opts.bucket}.s3.${opts.region}.amazonaws.com/${key}`,
      packaged: packagedOf(a.template),
    };
  });
  const result: ReleaseResult = { published: [], locations: Object.fromEntries(nested.map((n) => [n.app.id, n.url])) };
  if (opts.dryRun) {
    for (const p of apps) log(`would publish ${sarMetadata(p.template)!.Name} ${opts.version}`);
    for (const n of nested) log(`would upload ${n.app.template} to ${n.url}`);
    return result;
  }
  const existing = await existingApplications(opts.sar);
  for (const p of apps) result.published.push(await publish(opts, p, existing));
  for (const n of nested) {
    await opts.s3.send(new PutObjectCommand({ Bucket: opts.bucket, Key: n.key, Body: stringify(n.packaged.template) }));
    log(`uploaded ${n.app.template}: nest it with Location: ${n.url}`);
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
