/**
 * The context `npm start`'s steps share (each fills in what the next ones need), the demo's fixed values, and the
 * parts of the result the steps produce.
 */
import { join } from 'node:path';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { ApplyResult } from '../../cli/jobs-apply';
import type { JobView } from '../../functions/common/jobs/view';
import type { LedgerEntry } from '../../functions/common/runs/ledger';
import { type App, app } from '../apps';
import { functionBuilds } from '../build';
import type { Template } from '../cfn-yaml';
import type { EmailRecorder } from '../email-recorder';
import type { JobFire, JobsDemoResult } from '../jobs-demo';
import type { NestedApp } from '../nested-apps';
import { ROOT } from '../paths';
import type { InvocationOutcome } from '../simulator/simulator';
import type { ResolveContext } from '../template-env';
import type { TwilioStandin } from '../twilio-standin';
import type { WebhookStandin } from '../webhook-standin';
import type { FilterScope } from './filter-policy';
import type { CheckedOptions } from './options';

export const REGION = 'us-east-1';
export const PARENT = join(ROOT, 'examples', 'parent', 'template.yaml');
/** The stack name the parent is "deployed" under (its topic names derive from it). */
export const STACK_NAME = 'cloud-cron-demo';

/**
 * What the demo gives the parent's required parameters (the rest keep their Defaults). The SAR application ids
 * name our own apps; the Twilio and Slack secrets are the ones the run creates.
 */
export const DEMO_PARAMETERS: Record<string, string> = {
  MirrorApplicationId: `arn:aws:serverlessrepo:${REGION}:123456789012:applications/${app('mirror').sarName}`,
  EmailApplicationId: `arn:aws:serverlessrepo:${REGION}:123456789012:applications/${app('email').sarName}`,
  SmsApplicationId: `arn:aws:serverlessrepo:${REGION}:123456789012:applications/${app('sms').sarName}`,
  WebhookApplicationId: `arn:aws:serverlessrepo:${REGION}:123456789012:applications/${app('webhook').sarName}`,
  SourceRepositoryUri: '123456789012.dkr.ecr.us-east-1.amazonaws.com/cloud-cron-health-check',
  EmailSender: 'cron@example.com',
  EmailRecipients: 'ops@example.com,team@example.com',
  SmsFromNumber: '+15005550006',
  SmsRecipients: '+15005550006,+14155550100',
};
/** The job's function name (the Runs ledger's job). */
export const JOB_NAME = 'cloud-cron-example-job';

/**
 * The operators' subscriptions to the job's FailureTopicArn (the parent's OperationsTopicArn): the parent's email
 * and SMS channels again, with templates for Cloud Cron's run alerts (events/runs-alert-*.json).
 */
export const OPERATOR_CHANNELS = [
  {
    logicalId: 'OperatorsEmail',
    like: 'email',
    parameters: {
      SubjectTemplate: '{{message.title}}',
      TextTemplate: '{{message.summary}}',
      HtmlTemplate: '<p><strong>{{message.title}}</strong></p><p>{{message.summary}}</p>',
    },
  },
  { logicalId: 'OperatorsSms', like: 'sms', parameters: { MessageTemplate: '{{message.title}}' } },
] as const;

/** What the mirror would output: the job's image, pinned by digest (the image itself never runs here). */
export const MIRRORED_IMAGE = `123456789012.dkr.ecr.${REGION}.amazonaws.com/cloud-cron-health-check@sha256:${'0'.repeat(64)}`;

/** What the example job returns (examples/job/src/contract.ts JobResult, the fields shown here). */
export type JobOutcome = {
  job: string;
  severity: string;
  counts: Record<string, number>;
  published: { type: string; variable: string; topicArn: string; messageId: string }[];
};

/** One message the job published, as SNS carried it. */
export type Published = {
  messageId: string;
  /** The job's variable (topic) it went to, e.g. REPORTS. */
  topic: string;
  topicArn: string;
  subject?: string;
  attributes: Record<string, string>;
};

/** What one channel subscription did with one message of its topic. */
export type Delivery = {
  messageId: string;
  topic: string;
  /** The nested app in the parent, e.g. ReportEmail. */
  subscription: string;
  channel: string;
  filterPolicy: string;
  filterPolicyScope: FilterScope;
  delivered: boolean;
  /** Why the filter policy dropped it (when not delivered). */
  reason?: string;
};

export type SentEmail = { from: string; to: string[]; cc: string[]; subject: string; text: string; html: string };
export type SentText = { from: string; to: string; body: string };
/** A request a webhook target received, with the stand-in's verdict against the vendor's contract. */
export type SentPost = { preset: string; body: unknown; valid: boolean; violations: string[] };

/** The job's runs as the Runs app recorded them. */
export type Runs = {
  job: string;
  /** The local ledger table. */
  tableName: string;
  /** How the registrar answered the job stack's RunsRegistration custom resource. */
  registration: string;
  /** Newest first, as `cloud-cron runs` lists them. */
  entries: LedgerEntry[];
  /** The ledger as `cloud-cron runs <job>` prints it. */
  table: string;
  /** Every asynchronous invocation: its outcome and attempts. */
  invocations: InvocationOutcome[];
  missed: { scheduledTime: string }[];
  /** The alerts the job stack's rule forwarded to its FailureTopicArn. */
  alerts: { kind: string; title: string }[];
  /** Runs the job once more, now, as `cloud-cron run` does (recorded by the same Runs app). */
  runNow?: () => Promise<{ requestId: string }>;
};

/** What `--jobs` did: the apply, every fire and what the dispatcher made of it, the jobs after the window. */
export type JobsOutcome = {
  tableName: string;
  groupName: string;
  apply: ApplyResult;
  fires: JobFire[];
  invocations: JobsDemoResult['invocations'];
  published: JobsDemoResult['published'];
  /** Every job as `cloud-cron jobs list --json` shows it, at the end of the window. */
  jobs: JobView[];
  /** The schedules left in the group. */
  schedules: string[];
  lines: string[];
};

export type Aws = {
  endpoint: string;
  started: boolean;
  env: Record<string, string>;
  client: { region: string; endpoint: string; credentials: { accessKeyId: string; secretAccessKey: string } };
};
export type Local = {
  twilio?: TwilioStandin;
  twilioUrl: string;
  /** The loopback stand-in of the webhook targets (the Slack incoming webhook of the example). */
  webhooks: WebhookStandin;
  recorder: EmailRecorder;
  targets: { url: string };
};
/** A channel app of the parent, subscribed to one of its topics. */
export type Channel = {
  nested: NestedApp;
  template: Template;
  parameters: Record<string, string>;
  topic: string;
  queueUrl: string;
  subscriptionArn: string;
  resources: Record<string, string>;
};
export type Deployed = {
  parent: Template;
  nested: NestedApp[];
  resolve: ResolveContext;
  /**
   * The parent's topics (resource, the job's variable for it, ARN) and the job's failure topic (`failures`, labelled
   * FAILURES), each with an unfiltered queue that sees everything published to it.
   */
  topics: { resource: string; variable: string; arn: string; failures: boolean; tapUrl: string }[];
  channels: Channel[];
  jobParameters: Record<string, string>;
};

export type DemoContext = {
  options: CheckedOptions;
  cleanups: (() => Promise<void>)[];
  accountSid: string;
  authToken: string;
  aws?: Aws;
  local?: Local;
  payload?: { source: string; value: unknown };
  deployed?: Deployed;
  job?: { environment: Record<string, string>; nextRuns: string[]; result?: JobOutcome };
  runs?: Runs;
  /** `--jobs`: the Jobs app's run. */
  jobs?: JobsOutcome;
  /** `--dashboard`: the dashboard's URL and the local registry's table. */
  dashboard?: { url: string; jobsTable: string };
  published?: Published[];
  deliveries?: Delivery[];
  emails?: SentEmail[];
  texts?: SentText[];
  posts?: SentPost[];
  files?: string[];
  summary?: string[];
};

/** A value an earlier step sets; a step list that forgets that step fails here, naming it. */
export function need<K extends keyof DemoContext>(ctx: DemoContext, key: K): NonNullable<DemoContext[K]> {
  const v = ctx[key];
  if (v === undefined || v === null) throw new Error(`no ${String(key)} yet: a step that sets it must run first`);
  return v as NonNullable<DemoContext[K]>;
}

export const clientsOf = (aws: Aws) => ({
  sns: new SNSClient(aws.client),
  sqs: new SQSClient(aws.client),
});

/** The function a channel app runs (its template's one built function). */
export function functionOf(a: App): { bundle: string; logicalId: string } {
  const bundle = a.functions[0];
  const b = functionBuilds(ROOT).find((f) => f.name === bundle);
  if (!bundle || !b) throw new Error(`the ${a.id} app builds no function`);
  return { bundle, logicalId: b.logicalId };
}

/** Environment a channel's function gets on top of its template's: where its outside services are, locally. */
export function localWiring(channel: Channel, local: Local): Record<string, string> {
  if (channel.nested.app.id === 'email') return { AWS_ENDPOINT_URL: local.recorder.endpoint };
  if (channel.nested.app.id === 'sms') return { TWILIO_API_BASE_URL: local.twilioUrl };
  return {};
}
