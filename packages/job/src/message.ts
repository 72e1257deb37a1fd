/**
 * What one publish sends, checked against SNS's rules before SNS sees it: the body, the subject and the message
 * attributes the channels' subscription filter policies match on (`job`, `type`, `severity`, and the job's own).
 *
 * SNS's rules (Publish API reference, "Amazon SNS message attributes"):
 * - body: not empty, UTF-8, at most 256 KiB (262,144 bytes) *including* every attribute's name, type and value;
 * - subject: printable ASCII on one line, starting with a letter, digit or punctuation, at most 100 characters;
 * - attribute names: 1-256 of A-Z a-z 0-9 _ - ., not starting or ending with a period, no "..", not starting with
 *   "AWS." or "Amazon." in any case; name, type and value never empty;
 * - SQS subscribers with raw message delivery discard messages with more than 10 attributes, so more are refused.
 */
import type { MessageAttributeValue } from '@aws-sdk/client-sns';
import { InvalidMessageError, MessageTooLargeError } from './errors';

/** SNS's largest message, body and attributes together. */
export const MAX_MESSAGE_BYTES = 262_144;
/** SNS's longest subject. */
export const MAX_SUBJECT_LENGTH = 100;
/** More are discarded by raw-delivery SQS subscriptions; the library refuses them. */
export const MAX_ATTRIBUTES = 10;
/** The attributes the library sets itself. */
export const RESERVED_ATTRIBUTES = ['job', 'type', 'severity'] as const;

/**
 * The severities every Cloud Cron channel understands (the webhook channel's four; the example parent's filter
 * policies use info, warning and critical).
 */
export const SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** A user attribute: a string, a finite number, a boolean (sent as "true"/"false") or a list (String.Array). */
export type AttributeValue = string | number | boolean | readonly (string | number | boolean)[];

export type MessageOptions = {
  /** The `type` attribute, e.g. "report" or "alert" (filter policies: {"type":["alert"]}). */
  type?: string;
  /** The `severity` attribute (filter policies: {"severity":["critical"]}; the webhook colours by it). */
  severity?: Severity;
  /** The SNS subject (the email channel's default subject). Made SNS-safe: see `snsSubject`. */
  subject?: string;
  /** More attributes, e.g. { down: 3, region: "eu-west-1" }. `job`, `type` and `severity` are set from the options. */
  attributes?: Record<string, AttributeValue | undefined>;
};

/** Everything a PublishCommand needs, checked. */
export type PreparedMessage = {
  Message: string;
  Subject?: string;
  MessageAttributes: Record<string, MessageAttributeValue>;
  /** Bytes counted against MAX_MESSAGE_BYTES. */
  bytes: number;
};

const NAME = /^[A-Za-z0-9_-](?:[A-Za-z0-9_.-]{0,254}[A-Za-z0-9_-])?$/;

/** Why an attribute name is refused, or undefined. */
export function attributeNameProblem(name: string): string | undefined {
  if (!NAME.test(name) || name.includes('..')) {
    return `attribute name "${name.slice(0, 80)}" must be 1-256 letters, digits, "_", "-" or "." (not first or last, never two in a row)`;
  }
  if (/^(aws|amazon)\./i.test(name))
    return `attribute name "${name}" starts with a prefix AWS reserves (AWS., Amazon.)`;
  return undefined;
}

/**
 * The subject SNS accepts, from any text: accents folded (é → e), other non-ASCII characters as "?", line breaks and
 * control characters as spaces, runs of spaces as one, leading characters SNS refuses dropped, cut to 100 characters
 * with "..." when longer. Undefined when nothing printable is left (SNS then sends no subject).
 */
export function snsSubject(text: string): string | undefined {
  const ascii = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this line removes
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ')
    .replace(/[^\x20-\x7e]+/g, '?')
    .replace(/ +/g, ' ')
    .trim();
  if (ascii === '') return undefined;
  return ascii.length <= MAX_SUBJECT_LENGTH ? ascii : `${ascii.slice(0, MAX_SUBJECT_LENGTH - 3).trimEnd()}...`;
}

function stringValue(name: string, value: string): MessageAttributeValue {
  if (value === '')
    throw new InvalidMessageError(`attribute "${name}" is empty: SNS refuses empty values; leave it out`);
  return { DataType: 'String', StringValue: value };
}

function encode(name: string, value: AttributeValue): MessageAttributeValue {
  if (typeof value === 'string') return stringValue(name, value);
  if (typeof value === 'boolean') return { DataType: 'String', StringValue: String(value) };
  if (typeof value === 'number') {
    if (!Number.isFinite(value))
      throw new InvalidMessageError(`attribute "${name}" must be a finite number, got ${value}`);
    return { DataType: 'Number', StringValue: String(value) };
  }
  if (Array.isArray(value)) {
    for (const v of value) {
      if (!['string', 'number', 'boolean'].includes(typeof v) || (typeof v === 'number' && !Number.isFinite(v))) {
        throw new InvalidMessageError(`attribute "${name}" must list strings, finite numbers or booleans only`);
      }
    }
    return { DataType: 'String.Array', StringValue: JSON.stringify(value) };
  }
  throw new InvalidMessageError(
    `attribute "${name}" must be a string, number, boolean or a list of them, got ${typeof value}`,
  );
}

function attributeBytes(attributes: Record<string, MessageAttributeValue>): number {
  let bytes = 0;
  for (const [name, v] of Object.entries(attributes)) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength(v.DataType ?? '') + Buffer.byteLength(v.StringValue ?? '');
  }
  return bytes;
}

/**
 * Checks and encodes one message. `message` is sent as it is when a string, as JSON otherwise.
 * Throws InvalidMessageError (or MessageTooLargeError) naming `where` (the topic variable) and what to change.
 */
export function prepareMessage(
  where: string,
  job: string,
  message: unknown,
  options: MessageOptions = {},
): PreparedMessage {
  const body = typeof message === 'string' ? message : JSON.stringify(message);
  if (body === undefined) {
    throw new InvalidMessageError(`the message to ${where} cannot be written as JSON (${typeof message})`);
  }
  if (body === '') throw new InvalidMessageError(`the message to ${where} is empty: SNS refuses empty messages`);

  const attributes: Record<string, MessageAttributeValue> = { job: stringValue('job', job) };
  if (options.type !== undefined) attributes.type = stringValue('type', options.type);
  if (options.severity !== undefined) {
    if (!(SEVERITIES as readonly string[]).includes(options.severity)) {
      throw new InvalidMessageError(
        `severity of the message to ${where} must be one of ${SEVERITIES.join(', ')}, got ${JSON.stringify(options.severity)}`,
      );
    }
    attributes.severity = stringValue('severity', options.severity);
  }
  for (const [name, value] of Object.entries(options.attributes ?? {})) {
    if (value === undefined) continue;
    if ((RESERVED_ATTRIBUTES as readonly string[]).includes(name)) {
      throw new InvalidMessageError(
        `attribute "${name}" is set by the library: use the ${name === 'job' ? 'job option of loadTopics' : `${name} option`} instead`,
      );
    }
    const problem = attributeNameProblem(name);
    if (problem) throw new InvalidMessageError(`the message to ${where}: ${problem}`);
    attributes[name] = encode(name, value);
  }
  const count = Object.keys(attributes).length;
  if (count > MAX_ATTRIBUTES) {
    throw new InvalidMessageError(
      `the message to ${where} has ${count} attributes (job, type and severity included); at most ${MAX_ATTRIBUTES}: ` +
        'SQS subscriptions with raw message delivery discard messages with more',
    );
  }
  const bytes = Buffer.byteLength(body) + attributeBytes(attributes);
  if (bytes > MAX_MESSAGE_BYTES) {
    throw new MessageTooLargeError(
      `the message to ${where} is ${bytes.toLocaleString('en-US')} bytes with its attributes; SNS takes at most ` +
        `${MAX_MESSAGE_BYTES.toLocaleString('en-US')} (256 KiB): publish a summary and keep the details elsewhere (e.g. S3, linked from the message)`,
      bytes,
    );
  }
  const subject = options.subject === undefined ? undefined : snsSubject(options.subject);
  return { Message: body, ...(subject ? { Subject: subject } : {}), MessageAttributes: attributes, bytes };
}
