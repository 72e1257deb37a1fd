/**
 * Packaging (`npm run package`, scripts/package.ts): what `sam build` + `sam package` give, for every app: bundles each function (npm run build), zips
 * dist/<name>/ deterministically, uploads the zip and the SAR license/readme files to S3, uploads nested
 * templates, and writes deployable templates to DIR (default out/packaged/) with S3 locations in place of
 * local paths. An object already in the bucket (same content, same key) is not uploaded again.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { stringify as yamlStringify } from 'yaml';
import { buildAll, functionBuilds, ROOT, templateFiles } from './build';
import { loadTemplate, type Template } from './cfn-yaml';
import { zipDirectory } from './zip';

/**
 * YAML that every reader takes the same way: YAML 1.1 quoting, so strings such as 2012-10-17 or "on" stay strings
 * for Python's (YAML 1.1) readers too (cfn-lint, the SAM CLI).
 */
export function stringify(template: unknown): string {
  return yamlStringify(template, { version: '1.1', lineWidth: 0 });
}

export type PackageOptions = {
  bucket: string;
  prefix: string;
  region: string;
  outDir: string;
  s3: S3Client;
  /** Extra templates to package besides the apps (e.g. examples/parent/template.yaml). */
  extraTemplates?: string[];
  build?: boolean;
  log?: (line: string) => void;
};

export type PackagedTemplate = { source: string; output: string; uploads: string[]; template: Template };

export class PackageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PackageError';
  }
}

const isLocal = (v: unknown): v is string => typeof v === 'string' && !/^(s3|https?):\/\//.test(v);

async function upload(opts: PackageOptions, body: Buffer, ext: string, uploads: string[]): Promise<string> {
  const key = `${opts.prefix ? `${opts.prefix.replace(/\/+$/, '')}/` : ''}${createHash('sha256').update(body).digest('hex')}${ext}`;
  try {
    await opts.s3.send(new HeadObjectCommand({ Bucket: opts.bucket, Key: key }));
  } catch (e) {
    const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status !== 404)
      throw new PackageError(`cannot read s3://${opts.bucket}/${key}: ${(e as Error).message}`, { cause: e });
    await opts.s3.send(new PutObjectCommand({ Bucket: opts.bucket, Key: key, Body: body }));
    uploads.push(key);
  }
  return key;
}

async function packageTemplate(
  file: string,
  opts: PackageOptions,
  done: Map<string, PackagedTemplate>,
): Promise<PackagedTemplate> {
  const seen = done.get(file);
  if (seen) return seen;
  const template = loadTemplate(file);
  const uploads: string[] = [];
  const builds = new Map(functionBuilds(ROOT).map((b) => [`${b.template}#${b.logicalId}`, b]));
  for (const [id, res] of Object.entries(template.Resources)) {
    const props = res.Properties ?? {};
    if (res.Type === 'AWS::Serverless::Function' && props.PackageType !== 'Image' && isLocal(props.CodeUri)) {
      const b = builds.get(`${file}#${id}`);
      const dir = b ? dirname(b.options.outfile as string) : resolve(dirname(file), props.CodeUri);
      if (!existsSync(dir))
        throw new PackageError(`${relative(ROOT, file)} ${id}: ${dir} does not exist (run npm run build)`);
      const key = await upload(opts, zipDirectory(dir), '.zip', uploads);
      props.CodeUri = `s3://${opts.bucket}/${key}`;
    }
    if (res.Type === 'AWS::Serverless::Application' && isLocal(props.Location)) {
      const child = await packageTemplate(resolve(dirname(file), props.Location), opts, done);
      const key = await upload(opts, Buffer.from(stringify(child.template)), '.template', uploads);
      props.Location = `https://${opts.bucket}.s3.${opts.region}.amazonaws.com/${key}`;
    }
    if (res.Type === 'AWS::CloudFormation::Stack' && isLocal(props.TemplateURL)) {
      const child = await packageTemplate(resolve(dirname(file), props.TemplateURL), opts, done);
      const key = await upload(opts, Buffer.from(stringify(child.template)), '.template', uploads);
      props.TemplateURL = `https://${opts.bucket}.s3.${opts.region}.amazonaws.com/${key}`;
    }
  }
  const sar = template.Metadata?.['AWS::ServerlessRepo::Application'] as Record<string, unknown> | undefined;
  for (const field of ['LicenseUrl', 'ReadmeUrl']) {
    const local = sar?.[field];
    if (sar && isLocal(local)) {
      const path = resolve(dirname(file), local);
      if (!existsSync(path)) throw new PackageError(`${relative(ROOT, file)}: ${field} ${local} does not exist`);
      const key = await upload(opts, readFileSync(path), local.endsWith('.md') ? '.md' : '.txt', uploads);
      sar[field] = `s3://${opts.bucket}/${key}`;
    }
  }
  mkdirSync(opts.outDir, { recursive: true });
  const name = relative(ROOT, file)
    .replace(/[/\\]/g, '-')
    .replace(/\.ya?ml$/, '');
  const output = join(opts.outDir, `${name}.packaged.yaml`);
  writeFileSync(output, stringify(template));
  const result = { source: file, output, uploads, template };
  done.set(file, result);
  opts.log?.(`packaged ${relative(ROOT, file)} -> ${relative(ROOT, output)} (${uploads.length} uploaded)`);
  return result;
}

export async function packageAll(opts: PackageOptions): Promise<PackagedTemplate[]> {
  if (opts.build !== false) await buildAll(ROOT);
  const done = new Map<string, PackagedTemplate>();
  const files = [...templateFiles(ROOT), ...(opts.extraTemplates ?? []).map((f) => resolve(ROOT, f))];
  const out: PackagedTemplate[] = [];
  for (const file of files) out.push(await packageTemplate(file, opts, done));
  return out;
}

export function s3Client(region: string): S3Client {
  // Path-style addressing when an endpoint is given (a local emulator such as moto_server).
  return new S3Client({ region, forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL) });
}
