/**
 * Parses and validates the `SnsTopics` map: `NAME=arn,NAME2=arn` (commas or newlines between entries) or a
 * JSON object `{"NAME": "arn"}`. Every refusal names the entry and says how to fix it; when the parameter is
 * declared NoEcho, refusals name entries by position and never quote their text.
 */
import { MacroError } from './errors';
import { kindOf } from './json';
import { objectMembers } from './json-entries';

export type TopicEntry = { name: string; arn: string };

/** Lambda's rule for variable names: a letter, then one or more letters, digits or underscores. */
const NAME = /^[A-Za-z][A-Za-z0-9_]+$/;

/**
 * Names Lambda sets itself and refuses in a function's configuration: the "Reserved environment variables" of the
 * Lambda developer guide ("Defined runtime environment variables"). Not in it, and so accepted: LANG, PATH, TZ,
 * AWS_XRAY_CONTEXT_MISSING, AWS_XRAY_DAEMON_ADDRESS and the other variables the guide lists as unreserved.
 */
export const RESERVED_NAMES = new Set([
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
  'AWS_DEFAULT_REGION',
  'AWS_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
]);
/**
 * Every other AWS_LAMBDA_* name is Lambda's too: the ones above are reserved, the rest (AWS_LAMBDA_EXEC_WRAPPER,
 * AWS_LAMBDA_NODEJS_*...) change how Lambda starts the function, which a topic ARN would break.
 */
const LAMBDA_PREFIX = 'AWS_LAMBDA_';

/**
 * An SNS topic ARN: partition aws, aws-cn, aws-us-gov (and the isolated ones), a region, a 12-digit account,
 * a topic name of 1-256 letters, digits, hyphens and underscores, `.fifo` allowed at the end.
 */
const TOPIC_ARN =
  /^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b|aws-iso-e|aws-iso-f|aws-eusc):sns:([a-z]{2}(?:-[a-z]+)+-\d{1,2}):(\d{12}):([A-Za-z0-9_-]{1,256}|[A-Za-z0-9_-]{1,251}\.fifo)$/;

export function isTopicArn(value: string): boolean {
  return TOPIC_ARN.test(value);
}

/** Why a variable name is unusable, or undefined when it is fine. `shown: false` keeps the name out of the text. */
export function nameProblem(name: string, shown = true): string | undefined {
  const subject = shown ? JSON.stringify(name) : 'the name';
  if (RESERVED_NAMES.has(name)) {
    const example = shown
      ? `, e.g. "${name.replace(/^_+/, '').replace(/^AWS_LAMBDA_|^AWS_|^LAMBDA_/, '') || 'TOPIC'}_TOPIC"`
      : '';
    return `${subject} is reserved by Lambda (AWS_REGION, _HANDLER, LAMBDA_TASK_ROOT and the rest of Lambda's list of reserved environment variables); choose another name${example}`;
  }
  if (name.startsWith(LAMBDA_PREFIX)) {
    const example = shown ? `, e.g. "${name.slice(LAMBDA_PREFIX.length) || 'TOPIC'}_TOPIC"` : '';
    return `${subject} is reserved by Lambda (AWS_LAMBDA_* names are Lambda's: reserved, or read by Lambda to start your function); choose another name${example}`;
  }
  if (!NAME.test(name)) {
    return `${subject} is not a valid environment variable name: use a letter, then at least one more letter, digit or underscore (e.g. ALERTS_TOPIC)`;
  }
  return undefined;
}

function arnProblem(name: string, arn: string, shown: boolean): string | undefined {
  if (isTopicArn(arn)) return undefined;
  const hint = arn.startsWith('arn:') && arn.split(':')[2] !== 'sns' ? ' (this ARN is not for SNS)' : '';
  const subject = shown ? `the value of ${name}, "${arn}",` : 'the value';
  return `${subject} is not an SNS topic ARN${hint}: expected arn:<partition>:sns:<region>:<12-digit account>:<topic name>, e.g. arn:aws:sns:us-east-1:123456789012:alerts`;
}

export type MapOptions = {
  /** The parameter the map came from, named in every message (default SnsTopics). */
  parameter?: string;
  /** The parameter is NoEcho: refusals name entries by position and never quote names or ARNs. */
  noEcho?: boolean;
};

type Raw = { name: string; arn: unknown; text: string; raw?: string };

/** How messages name the map and its entries. */
class Speaker {
  readonly label: string;
  constructor(
    parameter: string,
    readonly secret: boolean,
  ) {
    this.label = secret ? `${parameter} (NoEcho, so entries are shown by position)` : parameter;
  }
  entry(index: number, text: string): string {
    return this.secret ? `entry ${index + 1}` : `entry ${JSON.stringify(text)}`;
  }
}

function parseJson(text: string, say: Speaker): Raw[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    // The parser's message quotes the text: not for a NoEcho map.
    const why = say.secret ? '' : ` (${(e as Error).message})`;
    throw new MacroError(
      `${say.label} is not valid JSON${why}: write {"NAME": "arn:aws:sns:..."} or NAME=arn,NAME2=arn`,
      { cause: say.secret ? undefined : e },
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MacroError(
      `${say.label} JSON must be an object mapping variable names to topic ARNs, e.g. {"ALERTS": "arn:aws:sns:..."}`,
    );
  }
  return objectMembers(text).map((m) => ({ name: m.key, arn: m.value, text: m.key, raw: m.raw }));
}

function parsePairs(text: string, say: Speaker): Raw[] {
  const entries: Raw[] = [];
  for (const piece of text.split(/[,\r\n]+/)) {
    const entry = piece.trim();
    if (!entry) continue;
    const eq = entry.indexOf('=');
    if (eq < 0) {
      throw new MacroError(
        `${say.label} ${say.entry(entries.length, entry)} has no "=": write NAME=arn:aws:sns:<region>:<account>:<topic>, entries separated by commas`,
      );
    }
    entries.push({ name: entry.slice(0, eq).trim(), arn: entry.slice(eq + 1).trim(), text: entry.slice(0, eq).trim() });
  }
  return entries;
}

/** A value that is not a string, in words: `5`, `null`, `a list`. */
const describe = (v: unknown) =>
  typeof v === 'number' || typeof v === 'boolean' || v === null ? JSON.stringify(v) : kindOf(v);

/** Parses the map; an empty or blank value means no topics. Duplicate names are refused. */
export function parseSnsTopics(value: string | undefined, options: MapOptions = {}): TopicEntry[] {
  const say = new Speaker(options.parameter ?? 'SnsTopics', options.noEcho === true);
  const text = (value ?? '').trim();
  if (!text) return [];
  const json = text.startsWith('{') || text.startsWith('[');
  const raw = json ? parseJson(text, say) : parsePairs(text, say);
  // Names are compared decoded: {"AL": ..., "A\u004c": ...} names AL twice.
  const first = new Map<string, number>();
  raw.forEach((entry, i) => {
    const before = first.get(entry.name);
    if (before === undefined) {
      first.set(entry.name, i);
      return;
    }
    if (say.secret) {
      throw new MacroError(
        `${say.label} entry ${i + 1} names the same variable as entry ${before + 1}: give each topic its own variable name`,
      );
    }
    const written = [raw[before].raw, entry.raw].find((r) => r !== undefined && r !== JSON.stringify(entry.name));
    const note = written ? ` (${written} is "${entry.name}" once its escapes are decoded)` : '';
    throw new MacroError(`${say.label} names "${entry.name}" twice${note}: give each topic its own variable name`);
  });
  return raw.map(({ name, arn, text: shownText }, i) => {
    const entry = say.entry(i, shownText);
    const bad = nameProblem(name, !say.secret);
    if (bad) throw new MacroError(`${say.label} ${entry}: ${bad}`);
    if (typeof arn !== 'string') {
      throw new MacroError(`${say.label} ${entry} must be a topic ARN string, got ${describe(arn)}`);
    }
    if (!arn) {
      const example = say.secret ? 'NAME' : name;
      throw new MacroError(
        `${say.label} ${entry} has no topic ARN after "=": write ${example}=arn:aws:sns:<region>:<account>:<topic>`,
      );
    }
    const badArn = arnProblem(name, arn, !say.secret);
    if (badArn) throw new MacroError(`${say.label} ${entry}: ${badArn}`);
    return { name, arn };
  });
}
