/**
 * What the Serverless Application Repository checks before it accepts an application, as far as the
 * documentation and AWS's issue trackers tell. Returns the problems found.
 *
 * The supported resource types come from SAR's developer guide; `data/sar-supported-resource-types.json` names
 * the revision they were copied from.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Template } from './cfn-yaml';
import SAR_LIST from './data/sar-supported-resource-types.json';

/** The one transform SAR accepts. */
export const SAR_ALLOWED_TRANSFORMS: readonly string[] = SAR_LIST.allowedTransforms;
/** Every resource type SAR's developer guide lists as supported. */
export const SAR_SUPPORTED_RESOURCE_TYPES: readonly string[] = SAR_LIST.supportedResourceTypes;

const FORBIDDEN_ACTIONS = ['iam:PutRolePolicy', 'iam:AttachRolePolicy', 'iam:*'];

function collectStrings(value: unknown, into: string[] = []): string[] {
  if (typeof value === 'string') into.push(value);
  else if (Array.isArray(value)) for (const v of value) collectStrings(v, into);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) collectStrings(v, into);
  return into;
}

function hasIntrinsic(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(hasIntrinsic);
  if (value && typeof value === 'object') {
    return Object.entries(value).some(([k, v]) => k === 'Ref' || k.startsWith('Fn::') || hasIntrinsic(v));
  }
  return false;
}

/**
 * @param template the SAM template as written (before translation)
 * @param templateFile its path, to resolve LicenseUrl/ReadmeUrl
 */
export function sarProblems(template: Template, templateFile: string): string[] {
  const problems: string[] = [];
  const transforms = template.Transform === undefined ? [] : ([] as string[]).concat(template.Transform);
  if (transforms.length !== 1 || !SAR_ALLOWED_TRANSFORMS.includes(transforms[0])) {
    problems.push(
      `Transform must be exactly ${SAR_ALLOWED_TRANSFORMS.join(' or ')}, found ${JSON.stringify(template.Transform)}`,
    );
  }
  for (const [id, res] of Object.entries(template.Resources)) {
    if (!res.Type.startsWith('AWS::Serverless::') && !SAR_SUPPORTED_RESOURCE_TYPES.includes(res.Type)) {
      problems.push(`resource ${id} has type ${res.Type}, which SAR does not support`);
    }
    const strings = collectStrings(res.Properties);
    if (strings.some((s) => s.includes('AWSLambda_FullAccess')))
      problems.push(`resource ${id} attaches AWSLambda_FullAccess`);
    for (const action of FORBIDDEN_ACTIONS) {
      if (strings.includes(action)) problems.push(`resource ${id} allows ${action}, which SAR refuses`);
    }
  }
  const meta = (template.Metadata?.['AWS::ServerlessRepo::Application'] ?? undefined) as
    | Record<string, unknown>
    | undefined;
  if (!meta) {
    problems.push('Metadata AWS::ServerlessRepo::Application is missing');
    return problems;
  }
  if (hasIntrinsic(meta)) problems.push('AWS::ServerlessRepo::Application metadata must not use intrinsic functions');
  const str = (k: string) => (typeof meta[k] === 'string' ? (meta[k] as string) : undefined);
  if (!/^[a-zA-Z0-9-]{1,140}$/.test(str('Name') ?? '')) problems.push('Name must match [a-zA-Z0-9-]{1,140}');
  const description = str('Description') ?? '';
  if (description.length < 1 || description.length > 256) problems.push('Description must be 1-256 characters');
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(str('Author') ?? ''))
    problems.push('Author must be lowercase words joined by single hyphens');
  const labels = meta.Labels;
  if (
    labels !== undefined &&
    (!Array.isArray(labels) || labels.length > 10 || labels.some((l) => !/^[a-zA-Z0-9+\-_:/@]{1,127}$/.test(String(l))))
  ) {
    problems.push('Labels must be at most 10 labels of [a-zA-Z0-9+-_:/@]{1,127}');
  }
  if (!/^\d+\.\d+\.\d+$/.test(str('SemanticVersion') ?? '')) problems.push('SemanticVersion must be MAJOR.MINOR.PATCH');
  if (str('SpdxLicenseId') === undefined) problems.push('SpdxLicenseId is missing');
  for (const key of ['LicenseUrl', 'ReadmeUrl']) {
    const rel = str(key);
    if (!rel) problems.push(`${key} is missing`);
    else if (!rel.startsWith('s3://') && !existsSync(resolve(dirname(templateFile), rel))) {
      problems.push(`${key} ${rel} does not exist next to ${templateFile}`);
    }
  }
  if (str('SourceCodeUrl') === undefined) problems.push('SourceCodeUrl is missing');
  return problems;
}
