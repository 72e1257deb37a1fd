/**
 * The one validator of job definitions: every front door (S3 job files, the HTTP API, `cloud-cron jobs`) and the
 * dashboard's form call it, so a definition is refused the same way, with the same words, wherever it comes from.
 *
 * It applies schemas/job.v1.json (types, required fields, patterns, limits: read from the schema file itself) and
 * what a schema cannot say: the schedule expression and time zone by the shared schedule engine (the macro's
 * rules), dates that exist and come in order, fields that do not go together, sizes Lambda and SNS accept, and the
 * app's AllowedTargetArns. Every problem names the field (`path`, and `pointer` as RFC 6901) and says how to fix
 * it; all problems are reported at once.
 *
 * Pure: no AWS SDK, no Node API, no clock unless given (`now`). The dashboard bundles it for the browser.
 */

import { firesBetween, parseSchedule, ScheduleError, validateTimezone } from '../schedule';
import { daysInMonth } from '../schedule/calendar';
import {
  canonicalJson,
  type JobDefinition,
  LAMBDA_TARGET_KEYS,
  LIMITS,
  SCHEDULE_KEYS,
  SNS_TARGET_KEYS,
  TOP_LEVEL_KEYS,
  utf8Bytes,
} from './definition';
import { parseJsonText, pointerSegment, segment, type TextProblem } from './json-text';
import { compilePatterns, notAllowedMessage, type TargetPatterns, targetAllowed } from './targets';

/** One problem with a definition: where (`path` "schedule.expression", `pointer` "/schedule/expression"), a stable
 * `code`, and a message that starts with the path and ends with what to do. */
export type JobProblem = TextProblem;

export type ValidateOptions = {
  /** The app's AllowedTargetArns: a target matching none of them is refused. Absent: not checked (offline). */
  allowedTargetArns?: readonly string[] | TargetPatterns;
  /** The present, for warnings about schedules that can no longer run. Absent: no such warnings. */
  now?: Date;
};

export type JobValidation =
  | { ok: true; job: JobDefinition; warnings: JobProblem[] }
  | { ok: false; errors: JobProblem[]; warnings: JobProblem[] };

type Path = (string | number)[];

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
const kindOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : `a ${typeof v}`);
const show = (v: unknown) => {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

function pathText(path: Path): string {
  return path.map(segment).join('').replace(/^\./, '');
}

function pointerText(path: Path): string {
  return path.map(pointerSegment).join('');
}

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0];
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const t = d[j];
      d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = t;
    }
  }
  return d[b.length];
}

function closest(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  const exact = candidates.find((c) => c.toLowerCase() === lower);
  if (exact) return exact;
  let best: string | undefined;
  let bestD = 3;
  for (const c of candidates) {
    const dist = distance(lower, c.toLowerCase());
    if (dist < bestD) {
      best = c;
      bestD = dist;
    }
  }
  return best;
}

class Collector {
  readonly errors: JobProblem[] = [];
  readonly warnings: JobProblem[] = [];

  add(path: Path, code: string, problem: string, into: JobProblem[] = this.errors): void {
    const where = pathText(path);
    into.push({ path: where, pointer: pointerText(path), code, message: where ? `${where}: ${problem}` : problem });
  }

  warn(path: Path, code: string, problem: string): void {
    this.add(path, code, problem, this.warnings);
  }
}

function unknownKeys(
  c: Collector,
  value: Record<string, unknown>,
  path: Path,
  allowed: readonly string[],
  elsewhere: Record<string, string> = {},
): void {
  for (const key of Object.keys(value)) {
    if (allowed.includes(key)) continue;
    const here = [...path, key];
    if (elsewhere[key]) {
      c.add(here, 'unknown-property', `"${key}" does not belong here: ${elsewhere[key]}`);
      continue;
    }
    const guess = closest(key, allowed);
    const where = path.length === 0 ? 'a job definition' : pathText(path);
    c.add(
      here,
      'unknown-property',
      guess
        ? `"${key}" is not a field of ${where}: did you mean "${guess}"?`
        : `"${key}" is not a field of ${where} (its fields are ${allowed.filter((k) => k !== '$schema').join(', ')}): remove it`,
    );
  }
}

/** An ISO 8601 instant with a zone that names a real date and time; undefined when it does not. */
function instant(text: string): number | undefined {
  if (!LIMITS.instantPattern.test(text)) return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(text)!;
  const [y, mo, d, h, mi, s] = m.slice(1).map((v) => Number(v ?? 0));
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) return undefined;
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : t;
}

type ScheduleFacts = { oneTime: boolean; valid: boolean };

function checkSchedule(c: Collector, schedule: unknown, now: Date | undefined): ScheduleFacts {
  const path = ['schedule'];
  const facts: ScheduleFacts = { oneTime: false, valid: false };
  if (schedule === undefined) {
    c.add(
      path,
      'schedule.missing',
      'is required: add "schedule": {"expression": "cron(0 8 ? * MON-FRI *)"} (or rate(...), at(...))',
    );
    return facts;
  }
  if (!isObject(schedule)) {
    const hint =
      typeof schedule === 'string' ? `{"expression": ${JSON.stringify(schedule)}}` : '{"expression": "rate(1 hour)"}';
    c.add(path, 'schedule.type', `must be an object, not ${kindOf(schedule)}: write "schedule": ${hint}`);
    return facts;
  }
  unknownKeys(c, schedule, path, SCHEDULE_KEYS, {
    id: "the job's id goes at the top level",
    payload: 'the payload goes in "target"',
  });
  const { expression, timezone, startDate, endDate, flexibleWindowMinutes, state } = schedule;
  let tzOk = true;
  if (timezone !== undefined) {
    if (typeof timezone !== 'string') {
      c.add(
        [...path, 'timezone'],
        'schedule.timezone.type',
        `must be a string, not ${kindOf(timezone)}: an IANA name such as "Europe/Paris"`,
      );
      tzOk = false;
    } else if (timezone.length > LIMITS.timezoneMax) {
      c.add(
        [...path, 'timezone'],
        'schedule.timezone.length',
        `is longer than ${LIMITS.timezoneMax} characters: give an IANA time zone name such as "America/New_York"`,
      );
      tzOk = false;
    } else {
      try {
        validateTimezone(timezone);
      } catch (e) {
        c.add([...path, 'timezone'], 'schedule.timezone.invalid', (e as Error).message);
        tzOk = false;
      }
    }
  }
  if (expression === undefined) {
    c.add(
      [...path, 'expression'],
      'schedule.expression.missing',
      'is required: e.g. "cron(0 8 ? * MON-FRI *)", "rate(15 minutes)" or "at(2030-01-31T09:00:00)"',
    );
  } else if (typeof expression !== 'string') {
    c.add(
      [...path, 'expression'],
      'schedule.expression.type',
      `must be a string, not ${kindOf(expression)}: e.g. "rate(15 minutes)"`,
    );
  } else if (expression.length > LIMITS.expressionMax) {
    c.add(
      [...path, 'expression'],
      'schedule.expression.length',
      `is longer than ${LIMITS.expressionMax} characters (EventBridge Scheduler's limit): simplify it`,
    );
  } else {
    try {
      const parsed = parseSchedule(expression);
      facts.oneTime = parsed.type === 'at';
      facts.valid = true;
      if (facts.oneTime && tzOk && typeof timezone === 'string') {
        // A one-time time that daylight saving skips would never run.
        firesBetween(expression, { timezone }, new Date(0), new Date(1));
      }
    } catch (e) {
      if (!(e instanceof ScheduleError) && (e as Error)?.name !== 'ScheduleError') throw e;
      c.add([...path, 'expression'], 'schedule.expression.invalid', (e as Error).message);
      facts.valid = false;
    }
  }
  const dates: Record<string, number | undefined> = {};
  for (const [key, value] of [
    ['startDate', startDate],
    ['endDate', endDate],
  ] as const) {
    if (value === undefined) continue;
    if (typeof value !== 'string') {
      c.add(
        [...path, key],
        `schedule.${key}.type`,
        `must be an ISO 8601 date-time string such as "2030-01-01T00:00:00Z", not ${kindOf(value)}`,
      );
      continue;
    }
    const t = instant(value);
    if (t === undefined) {
      const noZone = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value);
      c.add(
        [...path, key],
        `schedule.${key}.invalid`,
        noZone
          ? `"${value}" has no time zone: add "Z" (UTC) or an offset such as "+02:00"`
          : `"${value}" is not a date-time that exists, written as ISO 8601 with a zone (e.g. "2030-01-01T00:00:00Z")`,
      );
      continue;
    }
    dates[key] = t;
  }
  if (facts.oneTime && (startDate !== undefined || endDate !== undefined)) {
    c.add(
      [...path, startDate !== undefined ? 'startDate' : 'endDate'],
      'schedule.dates-with-at',
      'does not apply to a one-time at() schedule (EventBridge Scheduler ignores it): remove startDate and endDate, or use cron()/rate()',
    );
  } else if (dates.startDate !== undefined && dates.endDate !== undefined && dates.endDate <= dates.startDate) {
    c.add(
      [...path, 'endDate'],
      'schedule.endDate.before-start',
      `${endDate} is not after startDate ${startDate}: make endDate later, or remove it`,
    );
  }
  if (flexibleWindowMinutes !== undefined) {
    if (typeof flexibleWindowMinutes !== 'number' || !Number.isInteger(flexibleWindowMinutes)) {
      c.add(
        [...path, 'flexibleWindowMinutes'],
        'schedule.flexibleWindowMinutes.type',
        `${show(flexibleWindowMinutes)} is not a whole number of minutes: give 0 (exact time) to ${LIMITS.flexibleMax}`,
      );
    } else if (flexibleWindowMinutes < 0 || flexibleWindowMinutes > LIMITS.flexibleMax) {
      c.add(
        [...path, 'flexibleWindowMinutes'],
        'schedule.flexibleWindowMinutes.range',
        `${flexibleWindowMinutes} is out of range: give 0 (exact time) to ${LIMITS.flexibleMax} minutes`,
      );
    }
  }
  if (state !== undefined && state !== 'ENABLED' && state !== 'DISABLED') {
    const hint =
      typeof state === 'string' && /paus/i.test(state)
        ? ' (to pause a job, use `cloud-cron jobs pause` or POST /jobs/{id}/pause)'
        : '';
    c.add([...path, 'state'], 'schedule.state.invalid', `${show(state)} must be "ENABLED" or "DISABLED"${hint}`);
  }
  // Warnings: a schedule that is valid but will never run again.
  if (now && facts.valid && typeof expression === 'string' && tzOk && c.errors.length === 0) {
    const end = dates.endDate;
    if (!facts.oneTime && end !== undefined && end < now.getTime()) {
      c.warn(
        [...path, 'endDate'],
        'schedule.ended',
        `${endDate} has passed: this job will never run (it is kept; remove endDate or set a later one)`,
      );
    } else {
      const horizon = new Date(Date.UTC(2200, 0, 1));
      const from = new Date(Math.max(now.getTime(), dates.startDate ?? 0));
      const tz = typeof timezone === 'string' ? timezone : 'UTC';
      const fires =
        facts.oneTime || expression.startsWith('cron(')
          ? firesBetween(
              expression,
              { timezone: tz, endDate: end === undefined ? undefined : new Date(end) },
              from,
              horizon,
            )
          : undefined;
      if (fires?.next().done) {
        c.warn(
          [...path, 'expression'],
          'schedule.no-run-left',
          `"${expression}" has no run left after ${now.toISOString()}: this job will never run`,
        );
      }
    }
  }
  return facts;
}

function checkPayloadSize(c: Collector, path: Path, value: unknown, what: string): void {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const bytes = utf8Bytes(text ?? '');
  if (bytes > LIMITS.payloadMaxBytes) {
    c.add(
      path,
      `${path.join('.')}.size`,
      `is ${bytes} bytes as JSON, more than ${what} accepts (${LIMITS.payloadMaxBytes} bytes, 256 KiB): keep large data in S3 and pass its key`,
    );
  }
}

function checkLambdaTarget(c: Collector, target: Record<string, unknown>): void {
  const path = ['target'];
  unknownKeys(c, target, path, LAMBDA_TARGET_KEYS, {
    message: 'a lambda target takes "payload"; "message" is for "type": "sns"',
    subject: 'a lambda target takes "payload"; "subject" is for "type": "sns"',
    attributes: 'message attributes are for "type": "sns"; a lambda target takes "payload"',
    input: 'the event a function receives is "payload"',
  });
  const { arn, payload } = target;
  if (arn === undefined) {
    c.add(
      [...path, 'arn'],
      'target.arn.missing',
      'is required: the function\'s ARN, e.g. "arn:aws:lambda:us-east-1:123456789012:function:reports"',
    );
  } else if (typeof arn !== 'string' || !LIMITS.lambdaArnPattern.test(arn)) {
    const hint =
      typeof arn === 'string' && arn.startsWith('arn:') && arn.split(':')[2] === 'sns'
        ? ': this is an SNS topic: set "type": "sns"'
        : typeof arn === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(arn)
          ? `: give the whole ARN, e.g. "arn:aws:lambda:us-east-1:123456789012:function:${arn}"`
          : ': write "arn:aws:lambda:<region>:<account>:function:<name>" (optionally ":<alias or version>")';
    c.add([...path, 'arn'], 'target.arn.invalid', `${show(arn)} is not a Lambda function ARN${hint}`);
  }
  if (payload !== undefined) checkPayloadSize(c, [...path, 'payload'], payload, "Lambda's asynchronous invocation");
}

function checkAttributes(c: Collector, attributes: unknown): number {
  const path = ['target', 'attributes'];
  if (!isObject(attributes)) {
    c.add(
      path,
      'target.attributes.type',
      `must be an object of names to values, not ${kindOf(attributes)}: e.g. {"type": "report"}`,
    );
    return 0;
  }
  const names = Object.keys(attributes);
  if (names.length > LIMITS.attributesMax) {
    c.add(
      path,
      'target.attributes.count',
      `has ${names.length} attributes; SNS takes at most ${LIMITS.attributesMax}: remove some`,
    );
  }
  let bytes = 0;
  for (const name of names) {
    const here = [...path, name];
    const value = attributes[name];
    if (!LIMITS.attributeNamePattern.test(name)) {
      const reserved = /^(aws|amazon)\./i.test(name);
      c.add(
        here,
        'target.attributes.name',
        reserved
          ? `"${name}" starts with a prefix SNS reserves (AWS. or Amazon.): choose another name`
          : `"${name}" is not an SNS attribute name: 1-256 letters, digits, "_", "-" or ".", not starting or ending with "." and no ".."`,
      );
    }
    bytes += utf8Bytes(name);
    if (typeof value === 'string') {
      if (value.length === 0)
        c.add(
          here,
          'target.attributes.empty',
          'is an empty string, which SNS refuses: give a value, or remove the attribute',
        );
      bytes += utf8Bytes(value);
    } else if (typeof value === 'number') {
      if (!Number.isFinite(value)) c.add(here, 'target.attributes.number', `${value} is not a number SNS can carry`);
      bytes += String(value).length;
    } else if (Array.isArray(value)) {
      if (value.length === 0)
        c.add(here, 'target.attributes.empty', 'is an empty list: give at least one value, or remove the attribute');
      const bad = value.findIndex((v) => typeof v !== 'string' && typeof v !== 'number');
      if (bad >= 0) {
        c.add(
          [...here, bad],
          'target.attributes.list-item',
          `${show(value[bad])} cannot be in a String.Array attribute: use strings and numbers only`,
        );
      }
      bytes += utf8Bytes(JSON.stringify(value));
    } else {
      const hint =
        typeof value === 'boolean'
          ? `: write it as the string "${value}"`
          : ': use a string, a number, or a list of them';
      c.add(here, 'target.attributes.value', `${show(value)} is not an attribute value SNS accepts${hint}`);
    }
  }
  return bytes;
}

function checkSnsTarget(c: Collector, target: Record<string, unknown>): void {
  const path = ['target'];
  unknownKeys(c, target, path, SNS_TARGET_KEYS, {
    payload: 'an sns target takes "message" (and "attributes"); "payload" is for "type": "lambda"',
    messageAttributes: 'message attributes are "attributes"',
    MessageAttributes: 'message attributes are "attributes"',
  });
  const { arn, message, subject, attributes } = target;
  if (arn === undefined) {
    c.add(
      [...path, 'arn'],
      'target.arn.missing',
      'is required: the topic\'s ARN, e.g. "arn:aws:sns:us-east-1:123456789012:reports"',
    );
  } else if (typeof arn === 'string' && /^arn:aws(-cn|-us-gov)?:sns:.*\.fifo$/.test(arn)) {
    c.add(
      [...path, 'arn'],
      'target.arn.fifo',
      `${arn} is a FIFO topic, which delivers only to SQS queues (not to Cloud Cron's channels): use a standard topic`,
    );
  } else if (typeof arn !== 'string' || !LIMITS.snsArnPattern.test(arn)) {
    const hint =
      typeof arn === 'string' && arn.split(':')[2] === 'lambda'
        ? ': this is a Lambda function: set "type": "lambda"'
        : ': write "arn:aws:sns:<region>:<account>:<topic>"';
    c.add([...path, 'arn'], 'target.arn.invalid', `${show(arn)} is not an SNS topic ARN${hint}`);
  }
  let bytes = 0;
  if (message === undefined) {
    c.add(
      [...path, 'message'],
      'target.message.missing',
      'is required: the text to publish, or a JSON object (published as its JSON text)',
    );
  } else if (typeof message === 'string') {
    if (message.length === 0)
      c.add([...path, 'message'], 'target.message.empty', 'is empty, which SNS refuses: give the text to publish');
    bytes += utf8Bytes(message);
  } else if (typeof message === 'object' && message !== null) {
    bytes += utf8Bytes(JSON.stringify(message));
  } else {
    c.add(
      [...path, 'message'],
      'target.message.type',
      `must be a string or a JSON object, not ${kindOf(message)}: e.g. "message": {"title": "Nightly report"}`,
    );
  }
  if (subject !== undefined) {
    if (typeof subject !== 'string') {
      c.add([...path, 'subject'], 'target.subject.type', `must be a string, not ${kindOf(subject)}`);
    } else if (!LIMITS.subjectPattern.test(subject)) {
      const why = /[\r\n]/.test(subject)
        ? 'contains a line break'
        : subject.length >= 100
          ? `is ${subject.length} characters`
          : subject.length === 0
            ? 'is empty'
            : /^\s/.test(subject)
              ? 'starts with a space'
              : 'has characters outside printable ASCII';
      c.add(
        [...path, 'subject'],
        'target.subject.invalid',
        `${why}: SNS subjects are 1-99 printable ASCII characters on one line, starting with a letter, digit or punctuation`,
      );
    } else bytes += subject.length;
  }
  if (attributes !== undefined) bytes += checkAttributes(c, attributes);
  if (bytes > LIMITS.payloadMaxBytes) {
    c.add(
      [...path, 'message'],
      'target.message.size',
      `message, subject and attributes are ${bytes} bytes, more than SNS publishes (${LIMITS.payloadMaxBytes} bytes, 256 KiB): keep large data in S3 and send its key`,
    );
  }
}

function checkTarget(c: Collector, target: unknown, allowed: TargetPatterns | undefined): 'lambda' | 'sns' | undefined {
  const path = ['target'];
  if (target === undefined) {
    c.add(
      path,
      'target.missing',
      'is required: {"type": "lambda", "arn": "arn:aws:lambda:...", "payload": {...}} or {"type": "sns", "arn": "arn:aws:sns:...", "message": "..."}',
    );
    return undefined;
  }
  if (!isObject(target)) {
    const hint =
      typeof target === 'string' && target.startsWith('arn:')
        ? `: write {"type": "${target.split(':')[2] === 'sns' ? 'sns' : 'lambda'}", "arn": ${JSON.stringify(target)}}`
        : '';
    c.add(path, 'target.type-of', `must be an object, not ${kindOf(target)}${hint}`);
    return undefined;
  }
  const type = target.type;
  if (type === undefined) {
    c.add(
      [...path, 'type'],
      'target.type.missing',
      'is required: "lambda" (invoke a function with a payload) or "sns" (publish a message)',
    );
    return undefined;
  }
  if (type === 'ecs') {
    c.add(
      [...path, 'type'],
      'target.type.ecs',
      '"ecs" targets are not supported yet: run ECS tasks with template-scheduled-task.yaml, or target a Lambda function that starts the task',
    );
    return undefined;
  }
  if (type !== 'lambda' && type !== 'sns') {
    const guess = typeof type === 'string' ? closest(type, ['lambda', 'sns']) : undefined;
    c.add(
      [...path, 'type'],
      'target.type.invalid',
      `${show(type)} is not a target type: use "lambda" or "sns"${guess ? ` (did you mean "${guess}"?)` : ''}`,
    );
    return undefined;
  }
  if (type === 'lambda') checkLambdaTarget(c, target);
  else checkSnsTarget(c, target);
  const arn = target.arn;
  if (
    allowed &&
    typeof arn === 'string' &&
    !c.errors.some((e) => e.path === 'target.arn') &&
    !targetAllowed(arn, allowed)
  ) {
    c.add([...path, 'arn'], 'target.arn.not-allowed', notAllowedMessage(arn, allowed));
  }
  return type;
}

function checkTags(c: Collector, tags: unknown): void {
  const path = ['tags'];
  if (!isObject(tags)) {
    c.add(path, 'tags.type', `must be an object of names to string values, not ${kindOf(tags)}: e.g. {"team": "data"}`);
    return;
  }
  const keys = Object.keys(tags);
  if (keys.length > LIMITS.tagsMax)
    c.add(path, 'tags.count', `has ${keys.length} tags; at most ${LIMITS.tagsMax}: remove some`);
  for (const key of keys) {
    const value = tags[key];
    if (!LIMITS.tagKeyPattern.test(key)) {
      c.add(
        [...path, key],
        'tags.key',
        key.startsWith('aws:')
          ? `"${key}" starts with "aws:", which AWS reserves: choose another name`
          : `"${key}" is not a tag name: 1-128 letters, digits, spaces and _ . : / = + - @`,
      );
    }
    if (typeof value !== 'string') {
      c.add([...path, key], 'tags.value', `${show(value)} must be a string: write it in quotes`);
    } else if (value.length > LIMITS.tagValueMax || !LIMITS.tagValuePattern.test(value)) {
      c.add(
        [...path, key],
        'tags.value',
        `is not a tag value: at most ${LIMITS.tagValueMax} letters, digits, spaces and _ . : / = + - @`,
      );
    }
  }
}

/** Validates a job definition (a parsed JSON value). */
export function validateJob(input: unknown, options: ValidateOptions = {}): JobValidation {
  const c = new Collector();
  const allowed =
    options.allowedTargetArns === undefined
      ? undefined
      : 'matchers' in options.allowedTargetArns
        ? options.allowedTargetArns
        : compilePatterns(options.allowedTargetArns as readonly string[]);
  if (!isObject(input)) {
    c.add(
      [],
      'document.type',
      `a job definition is a JSON object, not ${kindOf(input)}: start from {"version": 1, "id": "...", "schedule": {...}, "target": {...}}`,
    );
    return { ok: false, errors: c.errors, warnings: [] };
  }
  const size = utf8Bytes(JSON.stringify(input));
  if (size > LIMITS.definitionMaxBytes) {
    c.add(
      [],
      'document.size',
      `the definition is ${size} bytes, more than ${LIMITS.definitionMaxBytes}: keep large data in S3 and pass its key`,
    );
    return { ok: false, errors: c.errors, warnings: [] };
  }
  unknownKeys(c, input, [], TOP_LEVEL_KEYS, {
    expression: 'it goes inside "schedule": {"expression": ...}',
    cron: 'the expression goes inside "schedule": {"expression": "cron(...)"}',
    rate: 'the expression goes inside "schedule": {"expression": "rate(...)"}',
    timezone: 'it goes inside "schedule"',
    startDate: 'it goes inside "schedule"',
    endDate: 'it goes inside "schedule"',
    flexibleWindowMinutes: 'it goes inside "schedule"',
    state: 'it goes inside "schedule" (to pause a job, use `cloud-cron jobs pause` or POST /jobs/{id}/pause)',
    payload: 'it goes inside "target" (a lambda target)',
    message: 'it goes inside "target" (an sns target)',
    arn: 'it goes inside "target"',
    name: 'the job\'s name is "id"',
    paused: 'pausing is not part of the definition: use `cloud-cron jobs pause` or POST /jobs/{id}/pause',
  });
  const { $schema, version, id, description, schedule, target, maxRuns, overlap, tags } = input;
  if ($schema !== undefined && (typeof $schema !== 'string' || $schema.length === 0 || $schema.length > 2048)) {
    c.add(
      ['$schema'],
      '$schema.type',
      `must be the schema's URL or path as a string (e.g. "${'https://raw.githubusercontent.com/cloud-cron/cloud-cron/main/schemas/job.v1.json'}"), or be left out`,
    );
  }
  if (version === undefined) {
    c.add(
      ['version'],
      'version.missing',
      'is required: add "version": 1 (the definition format this job is written in)',
    );
  } else if (version !== 1) {
    c.add(
      ['version'],
      'version.invalid',
      `${show(version)} is not a definition version this app reads: write "version": 1 (a number)`,
    );
  }
  if (id === undefined) {
    c.add(
      ['id'],
      'id.missing',
      'is required: the job\'s name, 1-64 letters, digits, "-", "_" or ".", e.g. "nightly-report"',
    );
  } else if (typeof id !== 'string') {
    c.add(['id'], 'id.type', `must be a string, not ${kindOf(id)}: e.g. "nightly-report"`);
  } else if (!LIMITS.idPattern.test(id)) {
    const why =
      id.length === 0
        ? 'is empty'
        : id.length > 64
          ? `is ${id.length} characters long`
          : `"${id}" has characters other than letters, digits, "-", "_" and "."`;
    const fixed = id.replace(/[^0-9A-Za-z_.-]+/g, '-').slice(0, 64);
    c.add(
      ['id'],
      'id.invalid',
      `${why}: an id is 1-64 letters, digits, "-", "_" or "." (EventBridge Scheduler's schedule names)${fixed && fixed !== id ? `, e.g. "${fixed}"` : ''}`,
    );
  }
  if (description !== undefined) {
    if (typeof description !== 'string') {
      c.add(['description'], 'description.type', `must be a string, not ${kindOf(description)}`);
    } else if (description.length > LIMITS.descriptionMax) {
      c.add(
        ['description'],
        'description.length',
        `is ${description.length} characters; at most ${LIMITS.descriptionMax}: shorten it`,
      );
    }
  }
  const facts = checkSchedule(c, schedule, options.now);
  const type = checkTarget(c, target, allowed);
  if (maxRuns !== undefined) {
    if (typeof maxRuns !== 'number' || !Number.isInteger(maxRuns)) {
      c.add(
        ['maxRuns'],
        'maxRuns.type',
        `${show(maxRuns)} is not a whole number: give ${LIMITS.maxRunsMin}-${LIMITS.maxRunsMax}, or leave maxRuns out for no limit`,
      );
    } else if (maxRuns < LIMITS.maxRunsMin || maxRuns > LIMITS.maxRunsMax) {
      c.add(
        ['maxRuns'],
        'maxRuns.range',
        `${maxRuns} is out of range: give ${LIMITS.maxRunsMin}-${LIMITS.maxRunsMax}, or leave maxRuns out for no limit`,
      );
    } else if (facts.oneTime) {
      c.add(['maxRuns'], 'maxRuns.with-at', 'a one-time at() schedule runs once: remove maxRuns');
    }
  }
  if (overlap !== undefined) {
    if (overlap !== 'allow' && overlap !== 'skip') {
      c.add(
        ['overlap'],
        'overlap.invalid',
        `${show(overlap)} must be "allow" (every slot runs) or "skip" (a slot is skipped while an earlier run still holds the job's lease)`,
      );
    } else if (overlap === 'skip' && type === 'sns') {
      c.add(
        ['overlap'],
        'overlap.sns',
        '"skip" needs a Lambda target: a publish ends at once, so there is no run to overlap; remove overlap, or set it in the subscribers',
      );
    }
  }
  if (tags !== undefined) checkTags(c, tags);
  if (c.errors.length > 0) return { ok: false, errors: c.errors, warnings: c.warnings };
  return { ok: true, job: input as JobDefinition, warnings: c.warnings };
}

/** Validates a job file's text: JSON syntax (with line and column), repeated keys, then the definition. */
export function validateJobText(text: string, options: ValidateOptions = {}): JobValidation {
  if (utf8Bytes(text) > LIMITS.definitionMaxBytes + 65_536) {
    return {
      ok: false,
      errors: [
        {
          path: '',
          pointer: '',
          code: 'document.size',
          message: `the file is larger than ${LIMITS.definitionMaxBytes} bytes: keep large data in S3 and pass its key`,
        },
      ],
      warnings: [],
    };
  }
  const parsed = parseJsonText(text);
  if (!parsed.ok) return { ok: false, errors: parsed.errors, warnings: [] };
  return validateJob(parsed.value, options);
}

/** One line per problem, as the CLI prints them and the API and status objects carry them. */
export function describeProblems(problems: JobProblem[]): string {
  return problems.map((p) => p.message).join('\n');
}

/** The definition's content hash input: canonical JSON (sorted keys), so key order in a file never counts as a change. */
export function definitionText(job: JobDefinition): string {
  return canonicalJson(job);
}
