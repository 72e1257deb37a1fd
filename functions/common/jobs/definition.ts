/**
 * The job definition (version 1): the document the S3 job files, the HTTP API and `cloud-cron jobs` accept, as
 * published in schemas/job.v1.json. Types, the schema's own limits (read from the schema file, so the validator and
 * the published schema cannot drift), and the defaults that apply where a field is left out.
 *
 * Pure: no AWS SDK, no Node API. The dashboard bundles this for the browser.
 */
import SCHEMA from '../../../schemas/job.v1.json';

export { SCHEMA as JOB_SCHEMA };

export const JOB_SCHEMA_ID: string = SCHEMA.$id;
export const JOB_VERSION = 1 as const;

export type ScheduleState = 'ENABLED' | 'DISABLED';
export type Overlap = 'allow' | 'skip';
export type AttributeValue = string | number | (string | number)[];

export type JobSchedule = {
  expression: string;
  timezone?: string;
  startDate?: string;
  endDate?: string;
  flexibleWindowMinutes?: number;
  state?: ScheduleState;
};

export type LambdaTarget = { type: 'lambda'; arn: string; payload?: unknown };
export type SnsTarget = {
  type: 'sns';
  arn: string;
  message: string | Record<string, unknown> | unknown[];
  subject?: string;
  attributes?: Record<string, AttributeValue>;
};
export type JobTarget = LambdaTarget | SnsTarget;

/** A job definition exactly as its author wrote it (and as `get` returns it). */
export type JobDefinition = {
  $schema?: string;
  version: typeof JOB_VERSION;
  id: string;
  description?: string;
  schedule: JobSchedule;
  target: JobTarget;
  maxRuns?: number;
  overlap?: Overlap;
  tags?: Record<string, string>;
};

/** A definition with every default applied: what the reconciler and the dispatcher act on. */
export type ResolvedJob = {
  id: string;
  description?: string;
  schedule: Required<Pick<JobSchedule, 'expression' | 'flexibleWindowMinutes' | 'state'>> & {
    /** Absent: UTC (EventBridge Scheduler's default). */
    timezone?: string;
    startDate?: string;
    endDate?: string;
  };
  target: LambdaTarget | SnsTarget;
  maxRuns?: number;
  overlap: Overlap;
  tags: Record<string, string>;
  /** A one-time at() schedule: it runs once and its schedule deletes itself (ActionAfterCompletion DELETE). */
  oneTime: boolean;
};

const defs = SCHEMA.$defs;

/** The schema's limits, by name, for the validator's messages. */
export const LIMITS = {
  idPattern: new RegExp(SCHEMA.properties.id.pattern),
  descriptionMax: SCHEMA.properties.description.maxLength,
  expressionMax: defs.schedule.properties.expression.maxLength,
  timezoneMax: defs.schedule.properties.timezone.maxLength,
  instantPattern: new RegExp(defs.schedule.properties.startDate.pattern),
  flexibleMax: defs.schedule.properties.flexibleWindowMinutes.maximum,
  lambdaArnPattern: new RegExp(defs.lambdaTarget.properties.arn.pattern),
  snsArnPattern: new RegExp(defs.snsTarget.properties.arn.pattern),
  subjectPattern: new RegExp(defs.snsTarget.properties.subject.pattern),
  attributesMax: defs.snsTarget.properties.attributes.maxProperties,
  attributeNamePattern: new RegExp(defs.snsTarget.properties.attributes.propertyNames.pattern),
  maxRunsMin: SCHEMA.properties.maxRuns.minimum,
  maxRunsMax: SCHEMA.properties.maxRuns.maximum,
  tagsMax: SCHEMA.properties.tags.maxProperties,
  tagKeyPattern: new RegExp(SCHEMA.properties.tags.propertyNames.pattern, 'u'),
  tagValueMax: SCHEMA.properties.tags.additionalProperties.maxLength,
  tagValuePattern: new RegExp(SCHEMA.properties.tags.additionalProperties.pattern, 'u'),
  /** Lambda's asynchronous invocation payload and SNS's message (with its attributes) are both 256 KiB at most. */
  payloadMaxBytes: 262_144,
  /** A whole definition, as JSON text: it is stored in one DynamoDB item (400 KB). */
  definitionMaxBytes: 327_680,
} as const;

export const TOP_LEVEL_KEYS = Object.keys(SCHEMA.properties);
export const SCHEDULE_KEYS = Object.keys(defs.schedule.properties);
export const LAMBDA_TARGET_KEYS = Object.keys(defs.lambdaTarget.properties);
export const SNS_TARGET_KEYS = Object.keys(defs.snsTarget.properties);
export const TARGET_TYPES = SCHEMA.properties.target.properties.type.enum as readonly string[];

/** Applies the defaults. The definition must have passed validateJob. */
export function resolveJob(job: JobDefinition): ResolvedJob {
  const s = job.schedule;
  const schedule: ResolvedJob['schedule'] = {
    expression: s.expression,
    flexibleWindowMinutes: s.flexibleWindowMinutes ?? 0,
    state: s.state ?? 'ENABLED',
  };
  if (s.timezone !== undefined) schedule.timezone = s.timezone;
  if (s.startDate !== undefined) schedule.startDate = new Date(s.startDate).toISOString();
  if (s.endDate !== undefined) schedule.endDate = new Date(s.endDate).toISOString();
  const target: JobTarget =
    job.target.type === 'lambda' ? { ...job.target, payload: job.target.payload ?? {} } : { ...job.target };
  const out: ResolvedJob = {
    id: job.id,
    schedule,
    target,
    overlap: job.overlap ?? 'allow',
    tags: job.tags ?? {},
    oneTime: s.expression.startsWith('at('),
  };
  if (job.description !== undefined) out.description = job.description;
  if (job.maxRuns !== undefined) out.maxRuns = job.maxRuns;
  return out;
}

/** UTF-8 length of a string, without TextEncoder (absent from bare JavaScript contexts). */
export function utf8Bytes(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/**
 * The definition as canonical JSON text: keys sorted at every level, no spaces. Two definitions that mean the same
 * document have the same text, whatever the key order of the file they came from.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.keys(value as Record<string, unknown>)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
  return `{${entries.join(',')}}`;
}
