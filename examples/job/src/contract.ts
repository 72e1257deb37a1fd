/**
 * The example job's public contract: what it reads (the schedule's event and two environment variables) and
 * what it publishes to SNS (the messages and message attributes the email and SMS channels receive).
 *
 * The channels render every message with the same template context (see docs/email.md and docs/sms.md):
 *
 *   {{subject}}              the SNS Subject: JobMessage.title, prefixed with the severity on alerts
 *   {{message.FIELD}}        a field of the JobMessage below, e.g. {{message.summary}}, {{message.counts.down}}
 *   {{#each message.results}}{{name}} {{status}} {{latencyMs}}{{/each}}   one line per checked endpoint
 *   {{attributes.type}}      'report' | 'alert'            (MessageAttribute, used by FilterPolicy)
 *   {{attributes.severity}}  'info' | 'warning' | 'critical'
 *   {{attributes.job}}       the job's name;  {{attributes.down}}  the number of endpoints down
 *
 * Change this file and the channel templates together: a field a template names but the message lacks renders as
 * an empty string, silently.
 */

/** The environment variables the job reads its topics from. The CloudCron macro sets one per SnsTopics entry. */
export const TOPIC_VARIABLES = {
  /** Every run's report goes here (unless the event says otherwise). */
  report: 'REPORTS',
  /** One alert per run in which an endpoint is down or slow. */
  alert: 'ALERTS',
} as const;

/**
 * Run as an ECS task (template-scheduled-task.yaml, entry point task.ts), the job reads its event from the
 * environment: the Scheduler's task override sets the schedule's payload, as JSON text, and the slot's time.
 */
export const TASK_VARIABLES = {
  payload: 'CLOUD_CRON_PAYLOAD',
  scheduledTime: 'CLOUD_CRON_SCHEDULED_TIME',
  executionId: 'CLOUD_CRON_EXECUTION_ID',
} as const;

// ---------------------------------------------------------------------------------------------------------------
// Input: the event. EventBridge Scheduler sends the scheduled job's SchedulePayload parameter unchanged, or, with
// ScheduleContext=true, the envelope {"payload": <SchedulePayload>, "cloudCron": {...}} (read by @cloud-cron/job).
// ---------------------------------------------------------------------------------------------------------------

/** One endpoint to check. */
export type EndpointCheck = {
  /** http:// or https:// URL. Its query string and credentials never appear in messages or logs. */
  url: string;
  /** Short name used in messages; default: the URL's host and path. */
  name?: string;
  /** Default GET. HEAD avoids downloading the body (not with `contains`). */
  method?: 'GET' | 'HEAD';
  /** Status codes that count as up, after redirects are followed. Default: any 2xx. */
  expectStatus?: number | number[];
  /** Text the response body must contain (the first 1 MB is read). */
  contains?: string;
  /** Give up after this many milliseconds (100-60000). Default: the event's timeoutMs. */
  timeoutMs?: number;
  /** Slower than this many milliseconds to the response headers counts as slow (a warning). */
  slowMs?: number;
  /** Default true: this endpoint being down is critical (texted by the example SMS channel); false: a warning. */
  critical?: boolean;
};

/** The event the job expects, e.g. `{"job":"website","endpoints":[{"url":"https://example.com/health"}]}`. */
export type HealthCheckEvent = {
  /** Name of this job in messages and in the `job` attribute; default: the Lambda function's name. */
  job?: string;
  /** 1 to 100 endpoints. */
  endpoints: EndpointCheck[];
  /** Default per-endpoint timeout in milliseconds (100-60000, default 5000). */
  timeoutMs?: number;
  /** Default slow threshold in milliseconds (default 2000). */
  slowMs?: number;
  /** When to publish the report: every run (default), only when something is down or slow, or never. */
  report?: 'always' | 'on-problem' | 'never';
  /** How many endpoints are checked at the same time (1-20, default 8). */
  concurrency?: number;
};

// ---------------------------------------------------------------------------------------------------------------
// Output: the SNS messages. The Message is the JSON of a JobMessage; its attributes are MessageAttributes.
// ---------------------------------------------------------------------------------------------------------------

export type MessageType = 'report' | 'alert';
export type Severity = 'info' | 'warning' | 'critical';
export type EndpointStatus = 'up' | 'slow' | 'down';

/** The outcome of one endpoint check. Every key is always present (null when not applicable). */
export type CheckResult = {
  name: string;
  /** The URL without query string, fragment or credentials. */
  url: string;
  status: EndpointStatus;
  /** The final HTTP status, or null when no response arrived. */
  httpStatus: number | null;
  /** Milliseconds to the response headers, or null when no response arrived. */
  latencyMs: number | null;
  /** Why the endpoint is down or slow, in a few words; null when up. */
  reason: string | null;
  critical: boolean;
};

/** The body of every message the job publishes (JSON). */
export type JobMessage = {
  /** Version of this contract; a breaking change increments it. */
  version: 1;
  type: MessageType;
  /** info: all up; warning: something slow, or a non-critical endpoint down; critical: a critical endpoint down. */
  severity: Severity;
  job: string;
  /** When the run started (ISO 8601, UTC). */
  runAt: string;
  /**
   * The slot the run is for (the job context's scheduledTime, ISO 8601 UTC) when the scheduled job is deployed with
   * ScheduleContext=true; null otherwise. Retries of one slot carry the same value.
   */
  scheduledTime: string | null;
  /** One line, e.g. "website: 2 of 5 endpoints down". Also the SNS Subject (alerts get a "[CRITICAL] " prefix). */
  title: string;
  /** One short line fit for an SMS, e.g. "DOWN api (HTTP 503), web (timeout after 5000 ms)". */
  summary: string;
  counts: { checked: number; up: number; slow: number; down: number };
  /** Report: every endpoint, in the event's order. Alert: only the endpoints that are down or slow. */
  results: CheckResult[];
};

/** The SNS MessageAttributes of every message, for subscription filter policies. */
export type JobMessageAttributes = {
  type: MessageType;
  severity: Severity;
  job: string;
  /** Number of endpoints down (a Number attribute: {"down":[{"numeric":[">",0]}]} works). */
  down: number;
};

/** What the handler returns (and logs): the run's counts and what it published where. */
export type JobResult = {
  job: string;
  runAt: string;
  scheduledTime: string | null;
  counts: JobMessage['counts'];
  severity: Severity;
  results: CheckResult[];
  published: { type: MessageType; variable: string; topicArn: string; messageId: string }[];
};
