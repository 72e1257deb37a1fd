/**
 * Where the email templates come from and how they are compiled.
 *
 * Inline templates (the SubjectTemplate/HtmlTemplate/TextTemplate parameters) win; a part without one is read
 * from TemplatesS3Uri (`subject.hbs`, `html.hbs`, `text.hbs` directly under the prefix) when that object exists.
 * Compiled templates are cached for TEMPLATES_CACHE_SECONDS across invocations. When a refresh
 * fails, the previous templates stay in use (logged) rather than failing every message.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { compileTemplate, type Render } from '../common/render';
import {
  type S3Location,
  TEMPLATE_FILES,
  type TemplatePart,
  type TemplateSource,
  type TemplateSources,
} from './config';
import { TemplateStoreError } from './errors';

export type CompiledTemplates = Partial<Record<TemplatePart, Render>>;

/** HTML escapes values; the subject and the text part do not (they are not HTML). */
const ESCAPE: Record<TemplatePart, boolean> = { subject: false, html: true, text: false };

/** Compiles every given template; throws a TemplateError naming the first one that does not compile. */
export function compileTemplates(sources: TemplateSources): CompiledTemplates {
  const out: CompiledTemplates = {};
  for (const [part, template] of Object.entries(sources) as [TemplatePart, TemplateSource][]) {
    out[part] = compileTemplate(template.source, { name: template.name, escape: ESCAPE[part] });
  }
  return out;
}

const ABSENT = new Set(['NoSuchKey', 'NotFound', 'AccessDenied', 'Forbidden']);

/**
 * Reads the template objects under an S3 prefix. The function may only read objects under the prefix (no
 * s3:ListBucket), so S3 answers AccessDenied rather than NoSuchKey for a missing object: both mean "absent".
 * Finding none of the three is an error (a wrong prefix, or objects the role cannot read).
 */
export async function readS3Templates(s3: S3Client, location: S3Location): Promise<TemplateSources> {
  const { bucket, prefix, uri, expectedOwner } = location;
  // Loaded here, not at init: only functions with TemplatesS3Uri read S3 (see index.ts).
  const { GetObjectCommand } = require('@aws-sdk/client-s3') as typeof import('@aws-sdk/client-s3');
  const sources: TemplateSources = {};
  for (const [part, file] of Object.entries(TEMPLATE_FILES) as [TemplatePart, string][]) {
    const key = `${prefix}${file}`;
    try {
      // ExpectedBucketOwner: a bucket of another account (a deleted bucket's name taken over) is never read.
      const object = await s3.send(
        new GetObjectCommand({
          Bucket: bucket,
          Key: key,
          ...(expectedOwner ? { ExpectedBucketOwner: expectedOwner } : {}),
        }),
      );
      const source = (await object.Body?.transformToString('utf-8')) ?? '';
      if (source.trim()) sources[part] = { source, name: `s3://${bucket}/${key}` };
    } catch (e) {
      const error = e as Error & { $metadata?: { httpStatusCode?: number } };
      const status = error.$metadata?.httpStatusCode;
      if (ABSENT.has(error.name) || status === 403 || status === 404) continue;
      throw new TemplateStoreError(`cannot read template s3://${bucket}/${key}: ${error.name}: ${error.message}`, {
        cause: e,
      });
    }
  }
  if (Object.keys(sources).length === 0) {
    throw new TemplateStoreError(
      `TemplatesS3Uri ${uri} holds none of ${Object.values(TEMPLATE_FILES).join(', ')} (or the function cannot read ` +
        'them: it may read objects under that prefix only, and S3 reports a missing object as AccessDenied)',
    );
  }
  return sources;
}

export type TemplateProvider = {
  /** The compiled templates, from the cache while it is fresh. */
  get(): Promise<CompiledTemplates>;
};

export type TemplateProviderOptions = {
  inline: TemplateSources;
  s3?: { client: S3Client; location: S3Location; cacheSeconds: number };
  now?: () => number;
  onStaleTemplates?: (error: unknown) => void;
};

export function createTemplateProvider(options: TemplateProviderOptions): TemplateProvider {
  const { inline, s3, now = Date.now, onStaleTemplates } = options;
  let cached: { templates: CompiledTemplates; expiresAt: number } | undefined;
  return {
    async get() {
      if (cached && now() < cached.expiresAt) return cached.templates;
      let fromS3: TemplateSources = {};
      if (s3) {
        try {
          fromS3 = await readS3Templates(s3.client, s3.location);
        } catch (e) {
          if (!cached) throw e;
          onStaleTemplates?.(e);
          return cached.templates;
        }
      }
      // A template that does not compile is not cached: the error repeats until it is fixed.
      const templates = compileTemplates({ ...fromS3, ...inline });
      cached = { templates, expiresAt: s3 ? now() + s3.cacheSeconds * 1000 : Number.POSITIVE_INFINITY };
      return templates;
    },
  };
}
