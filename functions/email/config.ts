/**
 * The email function's configuration, read and validated once at init from the environment the template sets.
 * Every failure names the variable (and so the template parameter it comes from).
 */
import { intEnv, optionalEnv, requiredEnv } from '../common/config';
import { ConfigurationError } from '../common/errors';
import { type Mailbox, parseAddressList, parseMailbox } from './addresses';

type Env = Record<string, string | undefined>;

export type TemplatePart = 'subject' | 'html' | 'text';
export type TemplateSource = { source: string; name: string };
export type TemplateSources = Partial<Record<TemplatePart, TemplateSource>>;
/** Where the S3 templates are; `expectedOwner`, the account that must own the bucket (the stack's). */
export type S3Location = { uri: string; bucket: string; prefix: string; expectedOwner?: string };

export type EmailConfig = {
  sender: Mailbox;
  to: string[];
  cc: string[];
  bcc: string[];
  replyTo: string[];
  /** Templates given inline (template parameters); they take precedence over objects in TemplatesS3Uri. */
  templates: TemplateSources;
  templatesLocation?: S3Location;
  templatesCacheSeconds: number;
  configurationSetName?: string;
  idempotencyTable: string;
  idempotencyTtlSeconds: number;
};

/** The template parameter behind each inline template variable, named in errors. */
export const TEMPLATE_VARIABLES: Record<TemplatePart, { variable: string; parameter: string }> = {
  subject: { variable: 'SUBJECT_TEMPLATE', parameter: 'SubjectTemplate' },
  html: { variable: 'HTML_TEMPLATE', parameter: 'HtmlTemplate' },
  text: { variable: 'TEXT_TEMPLATE', parameter: 'TextTemplate' },
};

/** The object names read from TemplatesS3Uri. */
export const TEMPLATE_FILES: Record<TemplatePart, string> = {
  subject: 'subject.hbs',
  html: 'html.hbs',
  text: 'text.hbs',
};

/** `s3://bucket/prefix/`: a bucket name and a prefix that is empty or ends with `/`. */
export function parseS3Location(uri: string, variable: string, expectedOwner?: string): S3Location {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/((?:[^/\s:]+\/)+)$/.exec(uri);
  if (!m) {
    throw new ConfigurationError(`${variable} must look like s3://bucket/prefix/ (ending with "/"), got "${uri}"`);
  }
  return { uri, bucket: m[1], prefix: m[2], ...(expectedOwner ? { expectedOwner } : {}) };
}

function bucketOwner(env: Env): string | undefined {
  const owner = optionalEnv('TEMPLATES_BUCKET_OWNER', env);
  if (owner !== undefined && !/^[0-9]{12}$/.test(owner))
    throw new ConfigurationError(`TEMPLATES_BUCKET_OWNER must be a 12-digit account id, got "${owner}"`);
  return owner;
}

export function loadConfig(env: Env = process.env): EmailConfig {
  const templates: TemplateSources = {};
  for (const [part, { variable, parameter }] of Object.entries(TEMPLATE_VARIABLES) as [
    TemplatePart,
    { variable: string; parameter: string },
  ][]) {
    // Not trimmed: whitespace can matter in a text template. Blank means "not given".
    const source = env[variable];
    if (source?.trim()) templates[part] = { source, name: `${parameter} (${variable})` };
  }
  const to = parseAddressList(requiredEnv('RECIPIENTS', env), 'RECIPIENTS');
  if (to.length === 0) throw new ConfigurationError('environment variable RECIPIENTS must name at least one address');
  const configurationSetName = optionalEnv('CONFIGURATION_SET_NAME', env);
  if (configurationSetName && !/^[A-Za-z0-9_-]{1,64}$/.test(configurationSetName)) {
    throw new ConfigurationError('CONFIGURATION_SET_NAME must be 1-64 letters, digits, "_" or "-"');
  }
  const templatesUri = optionalEnv('TEMPLATES_S3_URI', env);
  return {
    sender: parseMailbox(requiredEnv('SENDER', env), 'SENDER'),
    to,
    cc: parseAddressList(optionalEnv('CC_RECIPIENTS', env), 'CC_RECIPIENTS'),
    bcc: parseAddressList(optionalEnv('BCC_RECIPIENTS', env), 'BCC_RECIPIENTS'),
    replyTo: parseAddressList(optionalEnv('REPLY_TO', env), 'REPLY_TO'),
    templates,
    ...(templatesUri ? { templatesLocation: parseS3Location(templatesUri, 'TEMPLATES_S3_URI', bucketOwner(env)) } : {}),
    templatesCacheSeconds: intEnv('TEMPLATES_CACHE_SECONDS', 300, env),
    ...(configurationSetName ? { configurationSetName } : {}),
    idempotencyTable: requiredEnv('IDEMPOTENCY_TABLE', env),
    idempotencyTtlSeconds: intEnv('IDEMPOTENCY_TTL_SECONDS', 7 * 24 * 3600, env),
  };
}
