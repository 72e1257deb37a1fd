/**
 * The email function's configuration, read and validated once at init from the environment the template sets.
 * Every failure names the variable (and so the template parameter it comes from).
 */
import { parse, readSettings, type Setting } from '../common/config';
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

const CONFIGURATION_SET = /^[A-Za-z0-9_-]{1,64}$/;

/** The email function's configuration table (see common/config.ts): variable, template parameter, validation. */
export const EMAIL_SETTINGS = {
  sender: {
    variable: 'SENDER',
    from: { parameter: 'Sender' },
    parse: (raw: string | undefined, where: string) => parseMailbox(parse.required()(raw, where), 'SENDER'),
  },
  to: {
    variable: 'RECIPIENTS',
    from: { parameter: 'Recipients' },
    parse: (raw: string | undefined, where: string) => {
      const to = parseAddressList(parse.required()(raw, where), 'RECIPIENTS');
      if (to.length === 0) throw new ConfigurationError(`environment variable ${where} must name at least one address`);
      return to;
    },
  },
  cc: {
    variable: 'CC_RECIPIENTS',
    from: { parameter: 'CcRecipients' },
    parse: (raw: string | undefined) => parseAddressList(raw, 'CC_RECIPIENTS'),
  },
  bcc: {
    variable: 'BCC_RECIPIENTS',
    from: { parameter: 'BccRecipients' },
    parse: (raw: string | undefined) => parseAddressList(raw, 'BCC_RECIPIENTS'),
  },
  replyTo: {
    variable: 'REPLY_TO',
    from: { parameter: 'ReplyTo' },
    parse: (raw: string | undefined) => parseAddressList(raw, 'REPLY_TO'),
  },
  subjectTemplate: { variable: 'SUBJECT_TEMPLATE', from: { parameter: 'SubjectTemplate' }, parse: parse.text },
  htmlTemplate: { variable: 'HTML_TEMPLATE', from: { parameter: 'HtmlTemplate' }, parse: parse.text },
  textTemplate: { variable: 'TEXT_TEMPLATE', from: { parameter: 'TextTemplate' }, parse: parse.text },
  templatesUri: { variable: 'TEMPLATES_S3_URI', from: { parameter: 'TemplatesS3Uri' }, parse: parse.optional() },
  templatesBucketOwner: {
    variable: 'TEMPLATES_BUCKET_OWNER',
    from: { pseudo: 'AWS::AccountId' },
    parse: parse.optional(/^[0-9]{12}$/, 'a 12-digit account id'),
  },
  templatesCacheSeconds: {
    variable: 'TEMPLATES_CACHE_SECONDS',
    from: { local: true },
    parse: parse.int(300, 0, 86400),
  },
  configurationSetName: {
    variable: 'CONFIGURATION_SET_NAME',
    from: { parameter: 'ConfigurationSetName' },
    parse: parse.optional(CONFIGURATION_SET, '1-64 letters, digits, "_" or "-"'),
  },
  idempotencyTable: { variable: 'IDEMPOTENCY_TABLE', from: { resource: 'IdempotencyTable' }, parse: parse.required() },
  idempotencyTtlSeconds: {
    variable: 'IDEMPOTENCY_TTL_SECONDS',
    from: { local: true },
    parse: parse.int(7 * 24 * 3600, 60, 365 * 24 * 3600),
  },
} satisfies Record<string, Setting<unknown>>;

export function loadConfig(env: Env = process.env): EmailConfig {
  const s = readSettings(EMAIL_SETTINGS, env);
  const templates: TemplateSources = {};
  const sources: Record<TemplatePart, string | undefined> = {
    subject: s.subjectTemplate,
    html: s.htmlTemplate,
    text: s.textTemplate,
  };
  for (const [part, { variable, parameter }] of Object.entries(TEMPLATE_VARIABLES) as [
    TemplatePart,
    { variable: string; parameter: string },
  ][]) {
    // Not trimmed: whitespace can matter in a text template. Blank means "not given".
    const source = sources[part];
    if (source?.trim()) templates[part] = { source, name: `${parameter} (${variable})` };
  }
  return {
    sender: s.sender,
    to: s.to,
    cc: s.cc,
    bcc: s.bcc,
    replyTo: s.replyTo,
    templates,
    ...(s.templatesUri
      ? { templatesLocation: parseS3Location(s.templatesUri, 'TEMPLATES_S3_URI', s.templatesBucketOwner) }
      : {}),
    templatesCacheSeconds: s.templatesCacheSeconds,
    ...(s.configurationSetName ? { configurationSetName: s.configurationSetName } : {}),
    idempotencyTable: s.idempotencyTable,
    idempotencyTtlSeconds: s.idempotencyTtlSeconds,
  };
}
