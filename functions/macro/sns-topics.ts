/**
 * Parses and validates the `SnsTopics` map: `NAME=arn,NAME2=arn` (commas or newlines between entries) or a
 * JSON object `{"NAME": "arn"}`. Every refusal names the entry and says how to fix it.
 */
import { MacroError } from './errors';

export type TopicEntry = { name: string; arn: string };

/** Lambda's rule for variable names, as the issue states it: a letter, then one or more letters, digits or underscores. */
const NAME = /^[A-Za-z][A-Za-z0-9_]+$/;

/** Names Lambda sets itself and refuses in a function's configuration (Lambda developer guide, "Defined runtime environment variables"). */
export const RESERVED_NAMES = new Set([
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
  'AWS_DEFAULT_REGION',
  'AWS_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_XRAY_CONTEXT_MISSING',
  'AWS_XRAY_DAEMON_ADDRESS',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
]);
const RESERVED_PREFIX = 'AWS_LAMBDA_';

/**
 * An SNS topic ARN: partition aws, aws-cn, aws-us-gov (and the isolated ones), a region, a 12-digit account,
 * a topic name of 1-256 letters, digits, hyphens and underscores, `.fifo` allowed at the end.
 */
const TOPIC_ARN =
  /^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b|aws-iso-e|aws-iso-f|aws-eusc):sns:([a-z]{2}(?:-[a-z]+)+-\d{1,2}):(\d{12}):([A-Za-z0-9_-]{1,256}|[A-Za-z0-9_-]{1,251}\.fifo)$/;

export function isTopicArn(value: string): boolean {
  return TOPIC_ARN.test(value);
}

/** Why a variable name is unusable, or undefined when it is fine. */
export function nameProblem(name: string): string | undefined {
  if (RESERVED_NAMES.has(name) || name.startsWith(RESERVED_PREFIX)) {
    return `"${name}" is reserved by Lambda (AWS_LAMBDA_*, AWS_REGION, _HANDLER, LAMBDA_TASK_ROOT and the rest of Lambda's list); choose another name, e.g. "${name.replace(/^_+/, '').replace(/^AWS_LAMBDA_|^AWS_|^LAMBDA_/, '') || 'TOPIC'}_TOPIC"`;
  }
  if (!NAME.test(name)) {
    return `"${name}" is not a valid environment variable name: use a letter, then at least one more letter, digit or underscore (e.g. ALERTS_TOPIC)`;
  }
  return undefined;
}

function arnProblem(name: string, arn: string): string | undefined {
  if (isTopicArn(arn)) return undefined;
  const hint = arn.startsWith('arn:') && arn.split(':')[2] !== 'sns' ? ' (this ARN is not for SNS)' : '';
  return `the value of ${name}, "${arn}", is not an SNS topic ARN${hint}: expected arn:<partition>:sns:<region>:<12-digit account>:<topic name>, e.g. arn:aws:sns:us-east-1:123456789012:alerts`;
}

function parseJson(text: string): [string, unknown][] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new MacroError(
      `SnsTopics is not valid JSON (${(e as Error).message}): write {"NAME": "arn:aws:sns:..."} or NAME=arn,NAME2=arn`,
      {
        cause: e,
      },
    );
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new MacroError(
      'SnsTopics JSON must be an object mapping variable names to topic ARNs, e.g. {"ALERTS": "arn:aws:sns:..."}',
    );
  }
  return Object.entries(value);
}

function parsePairs(text: string): [string, unknown][] {
  const entries: [string, unknown][] = [];
  for (const raw of text.split(/[,\r\n]+/)) {
    const entry = raw.trim();
    if (!entry) continue;
    const eq = entry.indexOf('=');
    if (eq < 0) {
      throw new MacroError(
        `SnsTopics entry "${entry}" has no "=": write NAME=arn:aws:sns:<region>:<account>:<topic>, entries separated by commas`,
      );
    }
    entries.push([entry.slice(0, eq).trim(), entry.slice(eq + 1).trim()]);
  }
  return entries;
}

/** Parses the map; an empty or blank value means no topics. Duplicate names are refused. */
export function parseSnsTopics(value: string | undefined): TopicEntry[] {
  const text = (value ?? '').trim();
  if (!text) return [];
  const json = text.startsWith('{') || text.startsWith('[');
  const raw = json ? parseJson(text) : parsePairs(text);
  // JSON.parse keeps only the last of duplicate keys: find duplicates in the text itself.
  if (json) {
    const keys = [...text.matchAll(/"((?:[^"\\]|\\.)*)"\s*:/g)].map((m) => m[1]);
    const dup = keys.find((k, i) => keys.indexOf(k) !== i);
    if (dup !== undefined)
      throw new MacroError(`SnsTopics names "${dup}" twice: give each topic its own variable name`);
  }
  const seen = new Set<string>();
  const out: TopicEntry[] = [];
  for (const [name, arn] of raw) {
    const bad = nameProblem(name);
    if (bad) throw new MacroError(`SnsTopics entry ${JSON.stringify(name)}: ${bad}`);
    if (seen.has(name)) throw new MacroError(`SnsTopics names "${name}" twice: give each topic its own variable name`);
    seen.add(name);
    if (typeof arn !== 'string') {
      throw new MacroError(`SnsTopics entry "${name}" must be a topic ARN string, got ${JSON.stringify(arn)}`);
    }
    if (!arn)
      throw new MacroError(
        `SnsTopics entry "${name}" has no topic ARN after "=": write ${name}=arn:aws:sns:<region>:<account>:<topic>`,
      );
    const badArn = arnProblem(name, arn);
    if (badArn) throw new MacroError(`SnsTopics entry "${name}": ${badArn}`);
    out.push({ name, arn });
  }
  return out;
}
