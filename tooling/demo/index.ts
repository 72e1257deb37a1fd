/**
 * `npm start` as a library: `start(options)` deploys the example parent (examples/parent/template.yaml) on this
 * machine, with no AWS account, runs the example job once as its schedule would, and returns what happened as a
 * typed result (steps, what was published, where each message went and why, the emails and texts sent).
 *
 *   moto_server (or an AWS endpoint given)  ->  the parent's topics, an SES identity, the Twilio secret, the channels'
 *     idempotency tables, one SQS queue per channel subscribed with the channel's filter policy (as the channel
 *     templates subscribe their functions), and one unfiltered queue per topic to see everything published
 *   CloudCron macro (built bundle) on template-scheduled-lambda.yaml  ->  the job's environment
 *   example job (examples/job, bundled as its Dockerfile does) in a child process, with that environment
 *   each channel's bundle, fed what its subscription received, in the SNS event shape  ->  SES (through a recorder)
 *     and Twilio (a local stand-in, or a Twilio API given)
 *
 * It never writes process.env: every function, the job included, runs in a child process with its own environment.
 * The run is a list of steps (./steps.ts) over one context: other modes are other lists built from these steps.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { formatInZone, nextRuns } from '../../functions/common/schedule';
import { type App, app } from '../apps';
import { buildAll, functionBuilds } from '../build';
import { loadTemplate, type Template } from '../cfn-yaml';
import { type EmailRecorder, startEmailRecorder } from '../email-recorder';
import { createIdempotencyTable } from '../idempotency-table';
import { invokeBundle } from '../invoke';
import { startMoto } from '../moto';
import { type NestedApp, nestedApps, nestedParameters } from '../nested-apps';
import { ROOT } from '../paths';
import { functionEnvironment, type ResolveContext, resolver } from '../template-env';
import { parameterProblems } from '../template-params';
import { startTwilioStandin, type TwilioStandin } from '../twilio-standin';
import { explainFilterPolicy, type FilterScope } from './filter-policy';
import {
  buildExampleJob,
  demoPayload,
  drain,
  EXAMPLE_JOB_BUNDLE,
  type SqsEnvelope,
  snsEvent,
  startTargets,
} from './local';
import { type CheckedOptions, checkOptions, type StartOptions } from './options';
import { type Reporter, runSteps, type Step, type StepRecord } from './steps';

export { checkOptions, DEFAULTS, type StartOptions, StartOptionsError } from './options';
export { type Reporter, type Step, StepError, type StepRecord } from './steps';

export const REGION = 'us-east-1';
export const PARENT = join(ROOT, 'examples', 'parent', 'template.yaml');
/** The stack name the parent is "deployed" under (its topic names derive from it). */
export const STACK_NAME = 'cloud-cron-demo';

/**
 * What the demo gives the parent's required parameters (the rest keep their Defaults). The SAR application ids
 * name our own apps; the Twilio secret is the one the run creates.
 */
export const DEMO_PARAMETERS: Record<string, string> = {
  MirrorApplicationId: `arn:aws:serverlessrepo:${REGION}:123456789012:applications/${app('mirror').sarName}`,
  EmailApplicationId: `arn:aws:serverlessrepo:${REGION}:123456789012:applications/${app('email').sarName}`,
  SmsApplicationId: `arn:aws:serverlessrepo:${REGION}:123456789012:applications/${app('sms').sarName}`,
  SourceRepositoryUri: '123456789012.dkr.ecr.us-east-1.amazonaws.com/cloud-cron-health-check',
  EmailSender: 'cron@example.com',
  EmailRecipients: 'ops@example.com,team@example.com',
  SmsFromNumber: '+15005550006',
  SmsRecipients: '+15005550006,+14155550100',
};
/** What the mirror would output: the job's image, pinned by digest (the image itself never runs here). */
const MIRRORED_IMAGE = `123456789012.dkr.ecr.${REGION}.amazonaws.com/cloud-cron-health-check@sha256:${'0'.repeat(64)}`;

// ------------------------------------------------------------------------------------------- the result

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

export type StartResult = {
  steps: StepRecord[];
  aws: { endpoint: string; started: boolean };
  twilio: { url: string; standIn: boolean };
  schedule: { expression: string; timezone: string; nextRuns: string[] };
  /** The job's topics: variable -> ARN. */
  topics: Record<string, string>;
  payload: { source: string; value: unknown };
  job: { environment: Record<string, string>; result: JobOutcome };
  published: Published[];
  deliveries: Delivery[];
  emails: SentEmail[];
  /** Texts the Twilio stand-in accepted (empty when a Twilio API was given: see that service). */
  texts: SentText[];
  outDir: string;
  /** Files written to outDir. */
  files: string[];
  /** What was sent, as lines for people (also in outDir/summary.txt). */
  summary: string[];
  /** Stops what the run left running (with keepRunning); otherwise everything is already stopped. */
  stop(): Promise<void>;
};

// ------------------------------------------------------------------------------------------- the context

type Aws = {
  endpoint: string;
  started: boolean;
  env: Record<string, string>;
  client: { region: string; endpoint: string; credentials: { accessKeyId: string; secretAccessKey: string } };
};
type Local = {
  twilio?: TwilioStandin;
  twilioUrl: string;
  recorder: EmailRecorder;
  targets: { url: string };
};
/** A channel app of the parent, subscribed to one of its topics. */
type Channel = {
  nested: NestedApp;
  template: Template;
  parameters: Record<string, string>;
  topic: string;
  queueUrl: string;
  subscriptionArn: string;
  resources: Record<string, string>;
};
type Deployed = {
  parent: Template;
  nested: NestedApp[];
  resolve: ResolveContext;
  /** Parent topic resource -> the job's variable for it, and its ARN. */
  topics: { resource: string; variable: string; arn: string; tapUrl: string }[];
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
  published?: Published[];
  deliveries?: Delivery[];
  emails?: SentEmail[];
  texts?: SentText[];
  files?: string[];
  summary?: string[];
};

/** A value an earlier step sets; a step list that forgets that step fails here, naming it. */
function need<K extends keyof DemoContext>(ctx: DemoContext, key: K): NonNullable<DemoContext[K]> {
  const v = ctx[key];
  if (v === undefined || v === null) throw new Error(`no ${String(key)} yet: a step that sets it must run first`);
  return v as NonNullable<DemoContext[K]>;
}

const clientsOf = (aws: Aws) => ({
  sns: new SNSClient(aws.client),
  sqs: new SQSClient(aws.client),
});

/** The function a channel app runs (its template's one built function). */
function functionOf(a: App): { bundle: string; logicalId: string } {
  const bundle = a.functions[0];
  const b = functionBuilds(ROOT).find((f) => f.name === bundle);
  if (!bundle || !b) throw new Error(`the ${a.id} app builds no function`);
  return { bundle, logicalId: b.logicalId };
}

/** Environment a channel's function gets on top of its template's: where its outside services are, locally. */
function localWiring(channel: Channel, local: Local): Record<string, string> {
  if (channel.nested.app.id === 'email') return { AWS_ENDPOINT_URL: local.recorder.endpoint };
  if (channel.nested.app.id === 'sms') return { TWILIO_API_BASE_URL: local.twilioUrl };
  return {};
}

// ------------------------------------------------------------------------------------------- the steps

export const buildStep: Step<DemoContext> = {
  id: 'build',
  title: 'build the functions (esbuild, options from the templates) and the example job',
  async run() {
    const built = await buildAll(ROOT, ['macro', 'email', 'sms']);
    await buildExampleJob();
    return [[...built.map((b) => b.name), EXAMPLE_JOB_BUNDLE].map((n) => `dist/${n}/index.js`).join(', ')];
  },
};

export const awsStep: Step<DemoContext> = {
  id: 'aws',
  title: (ctx) =>
    ctx.options.awsEndpoint
      ? `use the AWS emulator at ${ctx.options.awsEndpoint}`
      : 'start moto_server as the local AWS',
  async run(ctx) {
    const given = ctx.options.awsEndpoint;
    if (given) {
      const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
      ctx.aws = {
        endpoint: given,
        started: false,
        env: {
          AWS_ENDPOINT_URL: given,
          AWS_REGION: REGION,
          AWS_DEFAULT_REGION: REGION,
          AWS_ACCESS_KEY_ID: credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
        },
        client: { region: REGION, endpoint: given, credentials },
      };
    } else {
      const moto = await startMoto(REGION);
      ctx.cleanups.push(() => moto.stop());
      ctx.aws = { endpoint: moto.endpoint, started: true, env: moto.env, client: moto.client };
    }
    return [ctx.aws.endpoint];
  },
};

export const standInsStep: Step<DemoContext> = {
  id: 'stand-ins',
  title: 'start the local stand-ins (Twilio Messages API, SES recorder, demo endpoints)',
  async run(ctx) {
    const aws = need(ctx, 'aws');
    let twilio: TwilioStandin | undefined;
    let twilioUrl = ctx.options.twilioBaseUrl;
    if (!twilioUrl) {
      const standIn = await startTwilioStandin({ [ctx.accountSid]: ctx.authToken });
      ctx.cleanups.push(() => standIn.stop());
      twilio = standIn;
      twilioUrl = standIn.url;
    }
    const recorder = await startEmailRecorder(aws.endpoint);
    ctx.cleanups.push(() => recorder.stop());
    const targets = await startTargets();
    ctx.cleanups.push(() => targets.close());
    ctx.local = { twilio, twilioUrl, recorder, targets };
    ctx.payload = ctx.options.payload
      ? { source: ctx.options.payload.file, value: ctx.options.payload.value }
      : { source: 'the demo health check of the local endpoints', value: demoPayload(targets.url) };
    return [
      `Twilio ${twilioUrl}${twilio ? ' (stand-in)' : ''}; SES via recorder ${recorder.endpoint}; endpoints ${targets.url}`,
    ];
  },
};

export const resourcesStep: Step<DemoContext> = {
  id: 'resources',
  title: "create the parent's topics, the SES identity, the Twilio secret, idempotency tables and channel queues",
  async run(ctx) {
    const aws = need(ctx, 'aws');
    const { sns, sqs } = clientsOf(aws);
    const parent = loadTemplate(PARENT);
    const stamp = `${Date.now()}-${randomBytes(3).toString('hex')}`;
    const resolve: ResolveContext = {
      parameters: { ...DEMO_PARAMETERS },
      resources: {},
      attributes: { 'Mirror.Outputs.ImageUri': MIRRORED_IMAGE },
      region: REGION,
      stackName: STACK_NAME,
    };
    const { value } = resolver(parent, resolve);

    // The parent's topics, under the names it gives them.
    const topicResources = Object.entries(parent.Resources).filter(([, r]) => r.Type === 'AWS::SNS::Topic');
    const arns: Record<string, string> = {};
    for (const [id, r] of topicResources) {
      const name = String(
        value((r.Properties as { TopicName?: unknown } | undefined)?.TopicName ?? `${STACK_NAME}-${id}`),
      );
      arns[id] = (await sns.send(new CreateTopicCommand({ Name: name }))).TopicArn!;
    }
    resolve.resources = { ...arns };

    const queue = async (name: string) => {
      const url = (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl!;
      const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] })))
        .Attributes!.QueueArn!;
      return { url, arn };
    };

    await new SESv2Client(aws.client).send(new CreateEmailIdentityCommand({ EmailIdentity: 'example.com' }));
    const secretArn = (
      await new SecretsManagerClient(aws.client).send(
        new CreateSecretCommand({
          Name: `${STACK_NAME}/twilio-${stamp}`,
          SecretString: JSON.stringify({ accountSid: ctx.accountSid, authToken: ctx.authToken }),
        }),
      )
    ).ARN!;
    resolve.parameters = { ...resolve.parameters, TwilioSecretArn: secretArn };

    const nested = nestedApps(parent, PARENT, resolve);
    const job = nested.find((n) => n.app.ships === 'location');
    if (!job) throw new Error('the example parent nests no scheduled job');
    const payload = need(ctx, 'payload');
    const jobParameters = nestedParameters(parent, job, {
      ...resolve,
      parameters: {
        ...resolve.parameters,
        ScheduleExpression: ctx.options.schedule,
        ScheduleTimezone: ctx.options.timezone,
        SchedulePayload: JSON.stringify(payload.value),
      },
    });

    // The job's variable for each topic, from its SnsTopics (VAR=${TopicResource},...).
    const variables = new Map(
      jobParameters.SnsTopics.split(',').map((entry) => {
        const [variable, arn] = entry.split('=');
        return [arn, variable] as const;
      }),
    );
    const topics: Deployed['topics'] = [];
    for (const [resource, arn] of Object.entries(arns)) {
      const tap = await queue(`${STACK_NAME}-${resource}-all-${stamp}`);
      await sns.send(new SubscribeCommand({ TopicArn: arn, Protocol: 'sqs', Endpoint: tap.arn }));
      topics.push({ resource, variable: variables.get(arn) ?? resource, arn, tapUrl: tap.url });
    }

    const ddb = new DynamoDBClient(aws.client);
    const channels: Channel[] = [];
    for (const n of nested.filter((x) => x.app.ships === 'sar' && x.app.functions.length > 0)) {
      const parameters = nestedParameters(parent, n, resolve);
      if (!parameters.SnsTopicArn) continue;
      const template = loadTemplate(join(ROOT, n.app.template));
      const problems = parameterProblems(template, parameters);
      if (problems.length > 0)
        throw new Error(`the example parent passes ${n.logicalId} values its template refuses: ${problems.join('; ')}`);
      const resources: Record<string, string> = {};
      if (template.Resources.IdempotencyTable) {
        resources.IdempotencyTable = await createIdempotencyTable(
          ddb,
          `${STACK_NAME}-${n.logicalId}-idempotency-${stamp}`,
          template,
        );
      }
      const q = await queue(`${STACK_NAME}-${n.logicalId}-${stamp}`);
      const scope = (parameters.FilterPolicyScope ??
        String(template.Parameters?.FilterPolicyScope?.Default ?? 'MessageAttributes')) as FilterScope;
      const sub = await sns.send(
        new SubscribeCommand({
          TopicArn: parameters.SnsTopicArn,
          Protocol: 'sqs',
          Endpoint: q.arn,
          Attributes: parameters.FilterPolicy
            ? { FilterPolicy: parameters.FilterPolicy, FilterPolicyScope: scope }
            : undefined,
        }),
      );
      const topic = topics.find((t) => t.arn === parameters.SnsTopicArn);
      channels.push({
        nested: n,
        template,
        parameters: { ...parameters, FilterPolicyScope: scope },
        topic: topic?.variable ?? parameters.SnsTopicArn,
        queueUrl: q.url,
        subscriptionArn: sub.SubscriptionArn!,
        resources,
      });
    }
    ctx.deployed = { parent, nested, resolve, topics, channels, jobParameters };
    return [
      ...topics.map((t) => `${t.variable.padEnd(8)} ${t.arn}`),
      ...channels.map(
        (c) =>
          `${c.nested.logicalId} (${c.nested.app.id}) subscribed to ${c.topic}${c.parameters.FilterPolicy ? ` with ${c.parameters.FilterPolicy}` : ', no filter'}`,
      ),
    ];
  },
};

export const macroStep: Step<DemoContext> = {
  id: 'macro',
  title: `run the CloudCron macro on ${app('job').template}`,
  async run(ctx) {
    const deployed = need(ctx, 'deployed');
    const jobTemplate = loadTemplate(join(ROOT, app('job').template));
    const [r] = await invokeBundle<{ status: string; fragment: Template; errorMessage?: string }>(
      'macro',
      [
        {
          region: REGION,
          accountId: '123456789012',
          transformId: '123456789012::CloudCron',
          requestId: 'npm-start',
          params: {},
          fragment: jobTemplate,
          templateParameterValues: deployed.jobParameters,
        },
      ],
      {},
    );
    if (!r.ok) throw new Error(`the macro crashed: ${r.error.message}`);
    if (r.result.status !== 'success') throw new Error(`the macro refused the template: ${r.result.errorMessage}`);
    const environment = functionEnvironment(r.result.fragment, 'JobFunction', { parameters: deployed.jobParameters });
    const { schedule, timezone } = ctx.options;
    const runs = nextRuns(schedule, timezone, 3).map((d) => formatInZone(d, timezone));
    ctx.job = { environment, nextRuns: runs };
    return [
      ...Object.entries(environment).map(([k, v]) => `${k}=${v}`),
      `schedule ${schedule} (${timezone}), next runs: ${runs.join(', ') || `none after ${formatInZone(new Date(), timezone)}`}`,
    ];
  },
};

export const jobStep: Step<DemoContext> = {
  id: 'job',
  title: 'run the example job as Lambda would, with the event the schedule sends',
  async run(ctx) {
    const aws = need(ctx, 'aws');
    const job = need(ctx, 'job');
    const payload = need(ctx, 'payload');
    const [r] = await invokeBundle<JobOutcome>(
      EXAMPLE_JOB_BUNDLE,
      [payload.value],
      {
        ...aws.env,
        ...job.environment,
        POWERTOOLS_LOG_LEVEL: 'WARN',
        AWS_LAMBDA_FUNCTION_NAME: 'cloud-cron-example-job',
      },
      { functionName: 'cloud-cron-example-job', awsRequestId: `run-${Date.now()}` },
    );
    if (!r.ok) {
      const what = ctx.options.payload ? `--payload ${payload.source}` : 'the demo payload';
      throw new Error(`the example job failed on ${what}: ${r.error.name}: ${r.error.message}`);
    }
    job.result = r.result;
    const published = r.result.published.map((p) => `${p.type} -> ${p.variable}`).join(', ') || 'nothing';
    return [`severity ${r.result.severity}, counts ${JSON.stringify(r.result.counts)}; published ${published}`];
  },
};

export const deliverStep: Step<DemoContext> = {
  id: 'deliver',
  title: 'deliver what was published to the channel functions, as SNS would',
  async run(ctx) {
    const aws = need(ctx, 'aws');
    const local = need(ctx, 'local');
    const deployed = need(ctx, 'deployed');
    const { sqs } = clientsOf(aws);
    const published: Published[] = [];
    const envelopes = new Map<string, SqsEnvelope>();
    for (const t of deployed.topics) {
      for (const m of await drain(sqs, t.tapUrl)) {
        envelopes.set(m.MessageId, m);
        published.push({
          messageId: m.MessageId,
          topic: t.variable,
          topicArn: t.arn,
          subject: m.Subject,
          attributes: Object.fromEntries(Object.entries(m.MessageAttributes ?? {}).map(([k, a]) => [k, a.Value])),
        });
      }
    }

    const deliveries: Delivery[] = [];
    const failures: string[] = [];
    await Promise.all(
      deployed.channels.map(async (c) => {
        const received = await drain(sqs, c.queueUrl);
        const got = new Set(received.map((m) => m.MessageId));
        for (const p of published.filter((x) => x.topicArn === c.parameters.SnsTopicArn)) {
          const envelope = envelopes.get(p.messageId)!;
          const delivered = got.has(p.messageId);
          const d: Delivery = {
            messageId: p.messageId,
            topic: p.topic,
            subscription: c.nested.logicalId,
            channel: c.nested.app.id,
            filterPolicy: c.parameters.FilterPolicy ?? '',
            filterPolicyScope: c.parameters.FilterPolicyScope as FilterScope,
            delivered,
          };
          if (!delivered) {
            const verdict = explainFilterPolicy(d.filterPolicy, d.filterPolicyScope, {
              attributes: envelope.MessageAttributes ?? {},
              body: envelope.Message,
            });
            d.reason = verdict.matches
              ? `not delivered, although the filter policy appears to match (the emulator's verdict)`
              : verdict.reason;
          }
          deliveries.push(d);
        }
        if (received.length === 0) return;
        const fn = functionOf(c.nested.app);
        const env = {
          ...aws.env,
          ...functionEnvironment(c.template, fn.logicalId, { parameters: c.parameters, resources: c.resources }),
          ...localWiring(c, local),
          POWERTOOLS_LOG_LEVEL: 'WARN',
        };
        const runs = await invokeBundle(
          fn.bundle,
          received.map((m) => snsEvent(m, c.subscriptionArn)),
          env,
        );
        for (const r of runs.filter((x) => !x.ok)) {
          failures.push(
            `${c.nested.logicalId} (${fn.bundle} function) failed: ${r.ok ? '' : `${r.error.name}: ${r.error.message}`}\n${r.logs.slice(-2000)}`,
          );
        }
      }),
    );
    ctx.published = published;
    ctx.deliveries = deliveries;
    if (failures.length > 0) throw new Error(failures.join('\n'));
    return [
      ...deliveries.map((d) =>
        d.delivered
          ? `${d.topic} message ${d.messageId.slice(0, 8)} -> ${d.subscription} (${d.channel})`
          : `${d.topic} message ${d.messageId.slice(0, 8)} dropped by ${d.subscription} (${d.channel}), filter policy ${d.filterPolicy}: ${d.reason}`,
      ),
      ...deployed.topics
        .filter((t) => !deployed.channels.some((c) => c.parameters.SnsTopicArn === t.arn))
        .map((t) => `${t.variable}: no channel subscribed`),
    ];
  },
};

/** Files a run writes to the out folder; what matches from an earlier run is removed first. */
export const OUTPUT_FILES = /^(email-\d+\.(html|txt)|texts\.txt|summary\.txt|result\.json)$/;

export const showStep: Step<DemoContext> = {
  id: 'show',
  title: 'show what was sent',
  async run(ctx) {
    const local = need(ctx, 'local');
    const deliveries = need(ctx, 'deliveries');
    const out = ctx.options.outDir;
    mkdirSync(out, { recursive: true });
    for (const f of readdirSync(out)) if (OUTPUT_FILES.test(f)) rmSync(join(out, f), { force: true });
    const files: string[] = [];
    const emails: SentEmail[] = local.recorder.sends.map((s) => {
      const simple = s.Content?.Simple;
      return {
        from: s.FromEmailAddress ?? '',
        to: s.Destination?.ToAddresses ?? [],
        cc: s.Destination?.CcAddresses ?? [],
        subject: simple?.Subject?.Data ?? '',
        text: simple?.Body?.Text?.Data ?? '',
        html: simple?.Body?.Html?.Data ?? '',
      };
    });
    emails.forEach((e, i) => {
      for (const [ext, body] of [
        ['html', e.html],
        ['txt', e.text],
      ] as const) {
        const file = join(out, `email-${i + 1}.${ext}`);
        writeFileSync(file, body);
        files.push(file);
      }
    });
    const texts: SentText[] = (local.twilio?.requests ?? [])
      .filter((r) => r.answered < 300)
      .map((r) => ({
        from: r.form.From ?? r.form.MessagingServiceSid ?? '',
        to: r.form.To ?? '',
        body: r.form.Body ?? '',
      }));
    if (texts.length > 0) {
      const file = join(out, 'texts.txt');
      writeFileSync(file, `${texts.map((t) => `to ${t.to} from ${t.from}\n${t.body}\n`).join('\n')}`);
      files.push(file);
    }
    const summary = summaryLines(emails, texts, need(ctx, 'deliveries'), local);
    const summaryFile = join(out, 'summary.txt');
    writeFileSync(summaryFile, `${summary.join('\n')}\n`);
    files.push(summaryFile);
    ctx.emails = emails;
    ctx.texts = texts;
    ctx.files = files;
    ctx.summary = summary;
    const sentToEmail = deliveries.filter((d) => d.delivered && d.channel === 'email').length;
    const sentToSms = deliveries.filter((d) => d.delivered && d.channel === 'sms').length;
    if (emails.length === 0 && sentToEmail > 0) throw new Error('the email function ran but SES received nothing');
    if (local.twilio && texts.length === 0 && sentToSms > 0)
      throw new Error('the SMS function ran but Twilio received nothing');
    return [
      `${emails.length} email(s), ${local.twilio ? `${texts.length} text(s)` : `texts sent through ${local.twilioUrl}`}`,
    ];
  },
};

/** What was sent, for people: each email (head of its text part), each text, each message a filter dropped. */
export function summaryLines(emails: SentEmail[], texts: SentText[], deliveries: Delivery[], local: Local): string[] {
  const lines: string[] = [];
  emails.forEach((e, i) => {
    lines.push(
      `EMAIL ${i + 1}: from ${e.from}`,
      `  to ${[...e.to, ...e.cc].join(', ')}`,
      `  subject: ${e.subject}`,
      ...e.text
        .trim()
        .split('\n')
        .slice(0, 12)
        .map((l) => `  | ${l}`),
      `  written to email-${i + 1}.html and .txt`,
    );
  });
  for (const t of texts) {
    lines.push(`SMS to ${t.to} from ${t.from}: ${t.body.length} chars`, ...t.body.split('\n').map((l) => `  | ${l}`));
  }
  if (!local.twilio) lines.push(`SMS sent through ${local.twilioUrl}: see that service for the messages`);
  for (const d of deliveries.filter((x) => !x.delivered)) {
    lines.push(`NOT SENT: ${d.topic} message ${d.messageId} dropped by ${d.subscription} (${d.channel}): ${d.reason}`);
  }
  return lines;
}

/** The default run: the parent deployed locally, the job run once, what it published delivered. */
export const DEFAULT_STEPS: readonly Step<DemoContext>[] = [
  buildStep,
  awsStep,
  standInsStep,
  resourcesStep,
  macroStep,
  jobStep,
  deliverStep,
  showStep,
];

export type StartHooks = { reporter?: Reporter; steps?: readonly Step<DemoContext>[] };

/**
 * Runs the demo. Options are checked first (StartOptionsError names the flag at fault) and nothing starts when one is
 * wrong. A failing step throws StepError with every step's record. Whatever the run started is stopped before it
 * returns, unless `keepRunning` (then `result.stop()` stops it).
 */
export async function start(options: StartOptions = {}, hooks: StartHooks = {}): Promise<StartResult> {
  const checked = checkOptions(options);
  const ctx: DemoContext = {
    options: checked,
    cleanups: [],
    accountSid: `AC${randomBytes(16).toString('hex')}`,
    authToken: randomBytes(16).toString('hex'),
  };
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    for (const c of ctx.cleanups.reverse()) await c().catch(() => undefined);
  };
  const onAbort = () => void stop();
  checked.signal?.addEventListener('abort', onAbort, { once: true });
  let keep = false;
  try {
    const steps = await runSteps(hooks.steps ?? DEFAULT_STEPS, ctx, hooks.reporter);
    const result = resultOf(ctx, steps, stop);
    const file = join(checked.outDir, 'result.json');
    const { stop: _stop, ...data } = result;
    writeFileSync(file, `${JSON.stringify({ ...data, files: [...result.files, file] }, null, 2)}\n`);
    result.files.push(file);
    keep = Boolean(checked.keepRunning);
    return result;
  } finally {
    checked.signal?.removeEventListener('abort', onAbort);
    if (!keep) await stop();
  }
}

function resultOf(ctx: DemoContext, steps: StepRecord[], stop: () => Promise<void>): StartResult {
  const aws = need(ctx, 'aws');
  const local = need(ctx, 'local');
  const deployed = need(ctx, 'deployed');
  const job = need(ctx, 'job');
  if (!job.result) throw new Error('the job has not run: a step list without jobStep has no result');
  return {
    steps,
    aws: { endpoint: aws.endpoint, started: aws.started },
    twilio: { url: local.twilioUrl, standIn: Boolean(local.twilio) },
    schedule: { expression: ctx.options.schedule, timezone: ctx.options.timezone, nextRuns: job.nextRuns },
    topics: Object.fromEntries(deployed.topics.map((t) => [t.variable, t.arn])),
    payload: need(ctx, 'payload'),
    job: { environment: job.environment, result: job.result },
    published: ctx.published ?? [],
    deliveries: ctx.deliveries ?? [],
    emails: ctx.emails ?? [],
    texts: ctx.texts ?? [],
    outDir: ctx.options.outDir,
    files: ctx.files ?? [],
    summary: ctx.summary ?? [],
    stop,
  };
}
