/**
 * `npm start`: the whole Cloud Cron chain on this machine, with no AWS account.
 *
 *   moto_server (or AWS_ENDPOINT_URL)  ->  demo topics, SES identity, Twilio secret, idempotency tables
 *   CloudCron macro on template-scheduled-lambda.yaml  ->  the job's environment (one variable per topic)
 *   the Runs app (template-runs.yaml) on the emulator; the job registered with it by its stack's custom resource
 *   example job (examples/job), run as Lambda runs the schedule's asynchronous invocation (tooling/simulator): once
 *   now, or every slot of a window of simulated time (--from/--until), with the watchdog; records to the ledger
 *   SNS -> SQS queues subscribed with the channels' filter policies -> email, SMS and webhook functions (built
 *   bundles) -> what SES, Twilio (a local stand-in, or TWILIO_API_BASE_URL) and Slack (a loopback stand-in of an
 *   incoming webhook, checking Slack's Block Kit contract) received, printed and written to files.
 *
 *   the job's runs as `cloud-cron runs` prints them; failed and missed runs alerted through the failure topic.
 *
 * With --task, the job runs as template-scheduled-task.yaml runs it on ECS Fargate (tooling/task-demo.ts): the macro
 * on the task template, the task definition and the schedule's RunTask on moto, the example job's task entry point
 * (examples/job/src/task.ts) as a process with the container's environment, a hung run stopped by the reaper and
 * notified as timed out through the failure topic, both runs in the Runs ledger.
 *
 * Options: --payload FILE, --schedule EXPR, --tz ZONE, --from ISO --until ISO [--fail-run N] [--skip-run N],
 * --task, --out DIR, --keep-running, --help.
 */

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SNSEvent } from 'aws-lambda';
import { buildAll, ROOT } from '../tooling/build';
import { loadTemplate, type Template } from '../tooling/cfn-yaml';
import { startEmailRecorder } from '../tooling/email-recorder';
import { createIdempotencyTable } from '../tooling/idempotency-table';
import { invokeBundle } from '../tooling/invoke';
import { startMoto } from '../tooling/moto';
import { runRunsDemo } from '../tooling/runs-demo';
import { setUp } from '../tooling/setup';
import { deployTaskDemo } from '../tooling/task-demo';
import { functionEnvironment } from '../tooling/template-env';
import { startTwilioStandin } from '../tooling/twilio-standin';
import { startWebhookStandin } from '../tooling/webhook-standin';

const USAGE = `usage: npm start -- [options]
  --payload FILE     the event the schedule sends the job (JSON; default: a demo health check of local endpoints)
  --schedule EXPR    the job's ScheduleExpression, checked by the macro (default: cron(0 8 ? * MON-FRI *))
  --tz ZONE          the job's ScheduleTimezone (default: Europe/Paris)
  --from ISO --until ISO
                     run the job over this window of simulated time instead of once now: every slot of its schedule
                     fires, the Runs app's watchdog runs on its schedule (at most 31 days, e.g. --from
                     2030-01-06T00:00:00Z --until 2030-01-11T00:00:00Z)
  --fail-run N       with --from: the Nth run fails on every attempt (a failed run, alerted)
  --skip-run N       with --from: the scheduler never delivers the Nth run (a missed run, alerted)
  --watchdog-minutes N
                     with --from: how often the watchdog runs (default: the Runs app's WatchdogRateMinutes default)
  --task             run the job as a scheduled task on ECS Fargate would (template-scheduled-task.yaml): topics and
                     payload from the container's environment, its exit code the run's end; then a run that hangs
                     is stopped at TaskTimeoutMinutes and reported as timed out through the channels (once, now)
  --out DIR          where the rendered emails and the run summary are written (default: out/demo)
  --keep-running     keep the emulators up after the run, to inspect them (Ctrl-C stops)
Environment: AWS_ENDPOINT_URL uses that AWS emulator instead of starting moto_server;
             TWILIO_API_BASE_URL uses that Twilio API instead of the local stand-in.`;

// Lambda runs Node 24; the SDK's notice about this machine's Node 20 is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const REGION = 'us-east-1';
const SENDER = 'Cloud Cron <cron@example.com>';
const EMAIL_TO = 'ops@example.com,team@example.com';
const SMS_FROM = '+15005550006';
const SMS_TO = '+15005550006,+14155550100';
const JOB_NAME = 'cloud-cron-example-job';
/** With --task: the task stack's name (its family, the job in the ledger, is cloud-cron-<stack>). */
const TASK_STACK = 'example-task';
const TASK_TIMEOUT_MINUTES = 30;
/** How the failure topic's email and SMS subscribers render Cloud Cron's run alerts (events/runs-alert-*.json). */
const FAILURE_EMAIL = {
  SubjectTemplate: '{{message.title}}',
  TextTemplate: '{{message.summary}}',
  HtmlTemplate: '<p><strong>{{message.title}}</strong></p><p>{{message.summary}}</p>',
};
const FAILURE_SMS = { MessageTemplate: '{{message.title}}' };

export class StartError extends Error {
  override name = 'StartError';
}

type Options = {
  payload?: string;
  schedule: string;
  timezone: string;
  outDir: string;
  keepRunning: boolean;
  window?: { from: Date; until: Date };
  failRun?: number;
  skipRun?: number;
  watchdogMinutes?: number;
  task: boolean;
};

const MAX_WINDOW_DAYS = 31;

function instant(flag: string, text: string): Date {
  const d = new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || Number.isNaN(d.getTime())) {
    throw new StartError(`${flag} "${text}" is not an ISO 8601 date-time, e.g. 2030-01-06T00:00:00Z\n${USAGE}`);
  }
  return d;
}

function runNumber(flag: string, text: string): number {
  if (!/^[1-9]\d{0,5}$/.test(text)) throw new StartError(`${flag} "${text}" must be a run number, 1 or more\n${USAGE}`);
  return Number(text);
}

function parseOptions(argv: string[]): Options | undefined {
  const o: Options = {
    schedule: 'cron(0 8 ? * MON-FRI *)',
    timezone: 'Europe/Paris',
    outDir: join(ROOT, 'out', 'demo'),
    keepRunning: false,
    task: false,
  };
  let from: Date | undefined;
  let until: Date | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new StartError(`${a} needs a value\n${USAGE}`);
      return v;
    };
    if (a === '--help' || a === '-h') return undefined;
    else if (a === '--payload') o.payload = resolve(next());
    else if (a === '--schedule') o.schedule = next();
    else if (a === '--tz') o.timezone = next();
    else if (a === '--out') o.outDir = resolve(next());
    else if (a === '--keep-running') o.keepRunning = true;
    else if (a === '--task') o.task = true;
    else if (a === '--from') from = instant(a, next());
    else if (a === '--until') until = instant(a, next());
    else if (a === '--fail-run') o.failRun = runNumber(a, next());
    else if (a === '--skip-run') o.skipRun = runNumber(a, next());
    else if (a === '--watchdog-minutes') o.watchdogMinutes = runNumber(a, next());
    else throw new StartError(`unknown option ${a}\n${USAGE}`);
  }
  if ((from === undefined) !== (until === undefined))
    throw new StartError(`give --from and --until together\n${USAGE}`);
  if (o.task && (from || until || o.failRun !== undefined || o.skipRun !== undefined)) {
    throw new StartError(
      `--task runs the task once, now: leave out --from, --until, --fail-run and --skip-run (they simulate the Lambda job's schedule)\n${USAGE}`,
    );
  }
  if (from && until) {
    if (until <= from) throw new StartError(`--until must be after --from\n${USAGE}`);
    if (until.getTime() - from.getTime() > MAX_WINDOW_DAYS * 86_400_000) {
      throw new StartError(`the window is longer than ${MAX_WINDOW_DAYS} days: shorten it\n${USAGE}`);
    }
    o.window = { from, until };
  } else if (o.failRun !== undefined || o.skipRun !== undefined || o.watchdogMinutes !== undefined) {
    throw new StartError(`--fail-run, --skip-run and --watchdog-minutes need a window (--from and --until)\n${USAGE}`);
  }
  return o;
}

// ------------------------------------------------------------------------------------------- progress output

const TOTAL = 8;
let stepNo = 0;
async function step<T>(title: string, work: () => Promise<T>, done?: (r: T) => string): Promise<T> {
  stepNo += 1;
  const started = Date.now();
  process.stdout.write(`[${stepNo}/${TOTAL}] ${title} ... `);
  try {
    const r = await work();
    process.stdout.write(
      `ok (${((Date.now() - started) / 1000).toFixed(1)} s)${done ? `\n      ${done(r).split('\n').join('\n      ')}` : ''}\n`,
    );
    return r;
  } catch (e) {
    process.stdout.write('FAILED\n');
    throw new StartError(`step "${title}" failed: ${(e as Error).message}`, { cause: e });
  }
}

// ------------------------------------------------------------------------------------------- local pieces

/** Endpoints for the demo health check: one up, one slow, one down. */
async function startTargets(): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (req.url === '/slow') {
      setTimeout(() => res.writeHead(200).end('slow but fine'), 400);
    } else if (req.url === '/down') {
      res.writeHead(503, { 'Content-Type': 'text/plain' }).end('maintenance');
    } else {
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}

function demoPayload(base: string): Record<string, unknown> {
  return {
    job: 'storefront-health',
    timeoutMs: 2000,
    slowMs: 250,
    report: 'always',
    endpoints: [
      { name: 'home', url: `${base}/` },
      { name: 'search', url: `${base}/slow`, critical: false },
      { name: 'checkout', url: `${base}/down` },
    ],
  };
}

type SqsEnvelope = {
  Type: string;
  MessageId: string;
  TopicArn: string;
  Subject?: string;
  Message: string;
  Timestamp: string;
  MessageAttributes?: Record<string, { Type: string; Value: string }>;
};

/** What SNS hands a Lambda subscriber, from the envelope SNS put on an SQS queue. */
function snsEvent(envelope: SqsEnvelope, subscriptionArn: string): SNSEvent {
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: subscriptionArn,
        Sns: {
          Type: envelope.Type,
          MessageId: envelope.MessageId,
          TopicArn: envelope.TopicArn,
          Subject: envelope.Subject ?? (null as unknown as string),
          Message: envelope.Message,
          Timestamp: envelope.Timestamp,
          SignatureVersion: '1',
          Signature: 'local',
          SigningCertUrl: 'https://sns.us-east-1.amazonaws.com/local.pem',
          UnsubscribeUrl: 'https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe',
          MessageAttributes: envelope.MessageAttributes ?? {},
        },
      },
    ],
  };
}

async function drain(sqs: SQSClient, queueUrl: string): Promise<SqsEnvelope[]> {
  const out: SqsEnvelope[] = [];
  for (let empty = 0; empty < 2; ) {
    const r = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    const msgs = r.Messages ?? [];
    if (msgs.length === 0) {
      empty += 1;
      await new Promise((res) => setTimeout(res, 150));
      continue;
    }
    for (const m of msgs) out.push(JSON.parse(m.Body ?? '{}') as SqsEnvelope);
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: msgs.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
      }),
    );
  }
  return out;
}

/**
 * The channels' templates and filter policies, taken from the example parent template (examples/parent), so the
 * local run shows exactly what a deployment of the example would send.
 */
function demoChannelSettings(): {
  email: Record<string, string>;
  sms: Record<string, string>;
  slack: Record<string, string>;
} {
  const parent = loadTemplate(join(ROOT, 'examples', 'parent', 'template.yaml'));
  const literal = (app: string, keys: string[], defaults: Record<string, string>) => {
    const params = (parent.Resources[app]?.Properties?.Parameters ?? {}) as Record<string, unknown>;
    const out: Record<string, string> = {};
    for (const key of keys) {
      const v = params[key];
      if (typeof v === 'string') out[key] = v;
      else if (v && typeof v === 'object' && 'Ref' in v) {
        const d = parent.Parameters?.[String((v as { Ref: string }).Ref)]?.Default;
        if (d !== undefined) out[key] = String(d);
      }
    }
    return { ...defaults, ...out };
  };
  return {
    email: literal('ReportEmail', ['SubjectTemplate', 'HtmlTemplate', 'TextTemplate', 'FilterPolicy'], {
      FilterPolicy: '{"type":["report"]}',
    }),
    sms: literal('AlertSms', ['MessageTemplate', 'FilterPolicy'], { FilterPolicy: '{"type":["alert"]}' }),
    slack: literal('AlertSlack', ['FilterPolicy', 'Preset', 'SeverityAttribute'], { Preset: 'slack' }),
  };
}

/**
 * The example job's container, as a local process: its task entry point (examples/job/src/task.ts, what the image
 * runs as `node /var/task/task.js`) with exactly the environment given (the container's, plus the emulator's
 * endpoint and credentials standing in for the task role). Returns its exit code and output.
 */
function runTaskContainer(env: Record<string, string>): Promise<{ code: number; output: string }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(
      process.execPath,
      [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(ROOT, 'examples', 'job', 'src', 'task.ts')],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolveRun({ code: code ?? (signal ? 128 : 1), output }));
  });
}

// ------------------------------------------------------------------------------------------- the run

export async function start(opts: Options): Promise<number> {
  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    cleanups.length = 0;
  };
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));
  // moto_server, unless another AWS emulator is named: found or installed now, or named with its install command.
  if (!process.env.AWS_ENDPOINT_URL) await setUp('start');
  try {
    const started = Date.now();
    await step(
      'build the functions (esbuild, options from the templates)',
      () =>
        buildAll(ROOT, [
          'macro',
          'email',
          'sms',
          'webhook',
          'runs-registrar',
          ...(opts.task ? ['task-monitor', 'runs-recorder'] : []),
        ]),
      (b) => b.map((x) => `dist/${x.name}/index.js`).join(', '),
    );

    const aws = await step(
      process.env.AWS_ENDPOINT_URL
        ? `use the AWS emulator at ${process.env.AWS_ENDPOINT_URL}`
        : 'start moto_server as the local AWS',
      async () => {
        if (process.env.AWS_ENDPOINT_URL) {
          return {
            endpoint: process.env.AWS_ENDPOINT_URL,
            env: {
              AWS_ENDPOINT_URL: process.env.AWS_ENDPOINT_URL,
              AWS_REGION: process.env.AWS_REGION ?? REGION,
              AWS_DEFAULT_REGION: process.env.AWS_REGION ?? REGION,
              AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'testing',
              AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'testing',
            } as Record<string, string>,
          };
        }
        const moto = await startMoto(REGION);
        cleanups.push(() => moto.stop());
        return moto;
      },
      (m) => m.endpoint,
    );
    const clientConfig = {
      region: aws.env.AWS_REGION,
      endpoint: aws.endpoint,
      credentials: { accessKeyId: aws.env.AWS_ACCESS_KEY_ID, secretAccessKey: aws.env.AWS_SECRET_ACCESS_KEY },
    };

    const accountSid = `AC${randomBytes(16).toString('hex')}`;
    const authToken = randomBytes(16).toString('hex');
    const local = await step(
      'start the local stand-ins (Twilio Messages API, SES recorder, Slack webhook, demo endpoints)',
      async () => {
        let twilioUrl = process.env.TWILIO_API_BASE_URL;
        let twilio: Awaited<ReturnType<typeof startTwilioStandin>> | undefined;
        if (!twilioUrl) {
          twilio = await startTwilioStandin({ [accountSid]: authToken });
          cleanups.push(() => twilio!.stop());
          twilioUrl = twilio.url;
        }
        const recorder = await startEmailRecorder(aws.endpoint);
        cleanups.push(() => recorder.stop());
        const targets = await startTargets();
        cleanups.push(() => targets.close());
        const slack = await startWebhookStandin();
        cleanups.push(() => slack.stop());
        return { twilio, twilioUrl, recorder, targets, slack };
      },
      (l) =>
        `Twilio ${l.twilioUrl}${l.twilio ? ' (stand-in)' : ''}; SES via recorder ${l.recorder.endpoint}; Slack stand-in ${new URL(l.slack.url('slack')).origin}; endpoints ${l.targets.url}`,
    );

    const sns = new SNSClient(clientConfig);
    const sqs = new SQSClient(clientConfig);
    const channels = demoChannelSettings();
    const emailTemplate = loadTemplate(join(ROOT, 'template-email.yaml'));
    const smsTemplate = loadTemplate(join(ROOT, 'template-sms.yaml'));
    const webhookTemplate = loadTemplate(join(ROOT, 'template-webhook.yaml'));
    const demo = await step(
      'create the demo topics, SES identity, Twilio and Slack secrets, idempotency tables and channel queues',
      async () => {
        const reports = (await sns.send(new CreateTopicCommand({ Name: 'cloud-cron-demo-reports' }))).TopicArn!;
        const alerts = (await sns.send(new CreateTopicCommand({ Name: 'cloud-cron-demo-alerts' }))).TopicArn!;
        // The job's FailureTopicArn: its failed and missed runs, from the Runs app, by email and SMS.
        const failures = (await sns.send(new CreateTopicCommand({ Name: 'cloud-cron-demo-failures' }))).TopicArn!;
        await new SESv2Client(clientConfig).send(new CreateEmailIdentityCommand({ EmailIdentity: 'example.com' }));
        const secretArn = (
          await new SecretsManagerClient(clientConfig).send(
            new CreateSecretCommand({
              Name: `cloud-cron-demo/twilio-${Date.now()}`,
              SecretString: JSON.stringify({ accountSid, authToken }),
            }),
          )
        ).ARN!;
        // The Slack webhook URL is a credential: it lives in a secret, as in a deployment.
        const slackSecretArn = (
          await new SecretsManagerClient(clientConfig).send(
            new CreateSecretCommand({
              Name: `cloud-cron-demo/slack-${Date.now()}`,
              SecretString: local.slack.url('slack'),
            }),
          )
        ).ARN!;
        const ddb = new DynamoDBClient(clientConfig);
        const tables: Record<string, string> = {};
        for (const [name, t] of [
          ['email', emailTemplate],
          ['sms', smsTemplate],
          ['webhook', webhookTemplate],
        ] as const) {
          tables[name] = await createIdempotencyTable(ddb, `cloud-cron-demo-${name}-idempotency-${Date.now()}`, t);
        }
        const channel = async (name: string, topicArn: string, filter: string) => {
          const url = (await sqs.send(new CreateQueueCommand({ QueueName: `cloud-cron-demo-${name}` }))).QueueUrl!;
          const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] })))
            .Attributes!.QueueArn;
          const sub = await sns.send(
            new SubscribeCommand({
              TopicArn: topicArn,
              Protocol: 'sqs',
              Endpoint: arn,
              Attributes: filter ? { FilterPolicy: filter, FilterPolicyScope: 'MessageAttributes' } : {},
            }),
          );
          return { url, subscriptionArn: sub.SubscriptionArn! };
        };
        return {
          reports,
          alerts,
          failures,
          secretArn,
          slackSecretArn,
          tables,
          emailQueue: await channel('email', reports, channels.email.FilterPolicy),
          smsQueue: await channel('sms', alerts, channels.sms.FilterPolicy),
          slackQueue: await channel('webhook', alerts, channels.slack.FilterPolicy ?? ''),
          failureEmailQueue: await channel('email-failures', failures, ''),
          failureSmsQueue: await channel('sms-failures', failures, ''),
        };
      },
      (d) =>
        `REPORTS ${d.reports}\nALERTS  ${d.alerts}\nemail subscribed to REPORTS with ${channels.email.FilterPolicy}\nsms subscribed to ALERTS with ${channels.sms.FilterPolicy}\nslack subscribed to ALERTS with ${channels.slack.FilterPolicy || 'no filter (every alert)'}\nFAILURES ${d.failures} (the job's FailureTopicArn): email and sms subscribed, no filter`,
    );

    const payload = opts.payload
      ? (JSON.parse(readFileSync(opts.payload, 'utf8')) as unknown)
      : demoPayload(local.targets.url);
    type JobResult = { severity: string; counts: unknown; published: { type: string; variable: string }[] };
    let jobResult: JobResult | undefined;
    let taskOutput = '';
    let ran: { job: string; tableName: string; table: string; count: number };
    if (!opts.task) {
      const jobTemplate = loadTemplate(join(ROOT, 'template-scheduled-lambda.yaml'));
      const jobEnv = await step(
        'run the CloudCron macro on template-scheduled-lambda.yaml',
        async () => {
          const params = {
            LambdaImageUri: '123456789012.dkr.ecr.us-east-1.amazonaws.com/cloud-cron-example-job:latest',
            SnsTopics: `REPORTS=${demo.reports},ALERTS=${demo.alerts}`,
            ScheduleExpression: opts.schedule,
            ScheduleTimezone: opts.timezone,
            SchedulePayload: JSON.stringify(payload),
          };
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
                templateParameterValues: params,
              },
            ],
            {},
          );
          if (!r.ok) throw new StartError(`the macro crashed: ${r.error.message}`);
          if (r.result.status !== 'success')
            throw new StartError(`the macro refused the template: ${r.result.errorMessage}`);
          const { nextRuns, formatRun } = await import('../functions/common/schedule');
          const runs = nextRuns(opts.schedule, opts.timezone, 3).map((d) => formatRun(d, opts.timezone));
          return { env: functionEnvironment(r.result.fragment, 'JobFunction', { parameters: params }), runs };
        },
        (j) =>
          `${Object.entries(j.env)
            .map(([k, v]) => `${k}=${v}`)
            .join('\n')}\nschedule ${opts.schedule} (${opts.timezone}), next runs: ${j.runs.join(', ')}`,
      );

      const runs = await step(
        opts.window
          ? `run the example job over ${opts.window.from.toISOString()} .. ${opts.window.until.toISOString()} (simulated clock), recorded by the Runs app`
          : 'run the example job as its schedule would (asynchronous invocation), recorded by the Runs app',
        async () => {
          Object.assign(process.env, aws.env, jobEnv.env, {
            POWERTOOLS_LOG_LEVEL: 'WARN',
            AWS_LAMBDA_FUNCTION_NAME: JOB_NAME,
          });
          const job = (await import('../examples/job/src/index')) as {
            handler: (e: unknown, c: unknown) => Promise<JobResult>;
          };
          return runRunsDemo({
            client: clientConfig,
            env: aws.env,
            job: JOB_NAME,
            expression: opts.schedule,
            timezone: opts.timezone,
            input: JSON.stringify(payload),
            timeoutSeconds: 60,
            maximumRetryAttempts: 2,
            failureTopicArn: demo.failures,
            handler: async (event, context) => {
              jobResult = await job.handler(event, context);
              return { severity: jobResult.severity, counts: jobResult.counts };
            },
            window: opts.window,
            failRun: opts.failRun,
            skipRun: opts.skipRun,
            watchdogMinutes: opts.watchdogMinutes,
          });
        },
        (r) => {
          const count = (status: string) => r.entries.filter((e) => e.status === status).length;
          return [
            `registered with the Runs app (${r.registration.Status}); ledger ${r.tableName}`,
            `${r.invocations.length} run(s): ${count('succeeded')} succeeded, ${count('failed') + count('timed_out')} failed, ${count('missed')} missed`,
            ...(jobResult
              ? [
                  `last run: severity ${jobResult.severity}, counts ${JSON.stringify(jobResult.counts)}; published ${jobResult.published.map((p) => `${p.type} -> ${p.variable}`).join(', ') || 'nothing'}`,
                ]
              : []),
            ...r.alerts.map((a) => `alert to the failure topic: ${a.title}`),
          ].join('\n');
        },
      );

      ran = { job: JOB_NAME, tableName: runs.tableName, table: runs.table, count: runs.invocations.length };
    } else {
      const task = await step(
        'deploy template-scheduled-task.yaml on the emulator (CloudCron macro, task definition, cluster, network), wired to the Runs app',
        () =>
          deployTaskDemo({
            moto: { endpoint: aws.endpoint, env: aws.env, client: clientConfig },
            stackName: TASK_STACK,
            parameters: {
              ImageUri: `123456789012.dkr.ecr.us-east-1.amazonaws.com/cloud-cron-example-job@sha256:${'0'.repeat(64)}`,
              EntryPoint: 'node',
              Command: '/var/task/task.js',
              SnsTopics: `REPORTS=${demo.reports},ALERTS=${demo.alerts}`,
              ScheduleExpression: opts.schedule,
              ScheduleTimezone: opts.timezone,
              SchedulePayload: JSON.stringify(payload),
              TaskTimeoutMinutes: String(TASK_TIMEOUT_MINUTES),
              FailureTopicArn: demo.failures,
            },
          }),
        (t) =>
          [
            `task definition ${t.local.taskDefinitionArn}`,
            ...Object.entries(t.topicVariables).map(([k, v]) => `container job: ${k}=${v}`),
            `registered with the Runs app (${t.registration.Status}) as ${t.job}; ledger ${t.tableName}`,
          ].join('\n'),
      );
      const result = await step(
        `run the example job as its schedule's task would; a run that hangs is stopped at TaskTimeoutMinutes=${TASK_TIMEOUT_MINUTES}`,
        () =>
          task.run((env) =>
            runTaskContainer({ ...aws.env, ...env, POWERTOOLS_LOG_LEVEL: 'WARN' }).then((r) => {
              taskOutput = r.output;
              return r.code;
            }),
          ),
        (r) =>
          [
            `container environment: ${Object.keys(r.containerEnv).sort().join(', ')}`,
            `example job (examples/job/src/task.ts) exited with code ${r.exitCode}`,
            ...r.runs.map((x) => `task ${x.taskId}: ${x.status}${x.notified ? ', notified to the failure topic' : ''}`),
          ].join('\n'),
      );
      if (result.exitCode !== 0) {
        throw new StartError(
          `the example job failed as a task (exit code ${result.exitCode}):\n${taskOutput.slice(-2000)}`,
        );
      }
      ran = { job: task.job, tableName: task.tableName, table: result.table, count: result.runs.length };
    }

    const delivered = await step(
      'deliver what was published to the email, SMS and webhook functions, as SNS would',
      async () => {
        const emailEnv = {
          ...aws.env,
          AWS_ENDPOINT_URL: local.recorder.endpoint,
          ...functionEnvironment(emailTemplate, 'EmailFunction', {
            parameters: {
              SnsTopicArn: demo.reports,
              Sender: SENDER,
              Recipients: EMAIL_TO,
              ...channels.email,
            },
            resources: { IdempotencyTable: demo.tables.email },
          }),
          POWERTOOLS_LOG_LEVEL: 'WARN',
        };
        const smsEnv = {
          ...aws.env,
          TWILIO_API_BASE_URL: local.twilioUrl,
          ...functionEnvironment(smsTemplate, 'SmsFunction', {
            parameters: {
              SnsTopicArn: demo.alerts,
              TwilioSecretArn: demo.secretArn,
              FromNumber: SMS_FROM,
              Recipients: SMS_TO,
              ...channels.sms,
            },
            resources: { IdempotencyTable: demo.tables.sms },
          }),
          POWERTOOLS_LOG_LEVEL: 'WARN',
        };
        // The failure topic's subscribers: the same channels, with templates for Cloud Cron's run alerts.
        const failureEmailEnv = {
          ...emailEnv,
          ...functionEnvironment(emailTemplate, 'EmailFunction', {
            parameters: { SnsTopicArn: demo.failures, Sender: SENDER, Recipients: EMAIL_TO, ...FAILURE_EMAIL },
            resources: { IdempotencyTable: demo.tables.email },
          }),
          POWERTOOLS_LOG_LEVEL: 'WARN',
        };
        const failureSmsEnv = {
          ...smsEnv,
          ...functionEnvironment(smsTemplate, 'SmsFunction', {
            parameters: {
              SnsTopicArn: demo.failures,
              TwilioSecretArn: demo.secretArn,
              FromNumber: SMS_FROM,
              Recipients: SMS_TO,
              ...FAILURE_SMS,
            },
            resources: { IdempotencyTable: demo.tables.sms },
          }),
          POWERTOOLS_LOG_LEVEL: 'WARN',
        };
        const webhookEnv = {
          ...aws.env,
          ...functionEnvironment(webhookTemplate, 'WebhookFunction', {
            parameters: { SnsTopicArn: demo.alerts, WebhookSecretArn: demo.slackSecretArn, ...channels.slack },
            resources: { IdempotencyTable: demo.tables.webhook },
          }),
          POWERTOOLS_LOG_LEVEL: 'WARN',
        };
        const emailMsgs = await drain(sqs, demo.emailQueue.url);
        const smsMsgs = await drain(sqs, demo.smsQueue.url);
        const slackMsgs = await drain(sqs, demo.slackQueue.url);
        const failureEmails = await drain(sqs, demo.failureEmailQueue.url);
        const failureTexts = await drain(sqs, demo.failureSmsQueue.url);
        const [emailRuns, smsRuns, slackRuns, failureEmailRuns, failureSmsRuns] = await Promise.all([
          emailMsgs.length
            ? invokeBundle(
                'email',
                emailMsgs.map((m) => snsEvent(m, demo.emailQueue.subscriptionArn)),
                emailEnv,
              )
            : [],
          smsMsgs.length
            ? invokeBundle(
                'sms',
                smsMsgs.map((m) => snsEvent(m, demo.smsQueue.subscriptionArn)),
                smsEnv,
              )
            : [],
          slackMsgs.length
            ? invokeBundle(
                'webhook',
                slackMsgs.map((m) => snsEvent(m, demo.slackQueue.subscriptionArn)),
                webhookEnv,
              )
            : [],
          failureEmails.length
            ? invokeBundle(
                'email',
                failureEmails.map((m) => snsEvent(m, demo.failureEmailQueue.subscriptionArn)),
                failureEmailEnv,
              )
            : [],
          failureTexts.length
            ? invokeBundle(
                'sms',
                failureTexts.map((m) => snsEvent(m, demo.failureSmsQueue.subscriptionArn)),
                failureSmsEnv,
              )
            : [],
        ]);
        const failed = [
          ...emailRuns.map((r) => ['email', r] as const),
          ...smsRuns.map((r) => ['sms', r] as const),
          ...slackRuns.map((r) => ['webhook', r] as const),
          ...failureEmailRuns.map((r) => ['email (failure topic)', r] as const),
          ...failureSmsRuns.map((r) => ['sms (failure topic)', r] as const),
        ].filter(([, r]) => !r.ok);
        if (failed.length > 0) {
          throw new StartError(
            failed
              .map(
                ([n, r]) =>
                  `${n} function failed: ${r.ok ? '' : `${r.error.name}: ${r.error.message}`}\n${r.logs.slice(-2000)}`,
              )
              .join('\n'),
          );
        }
        return {
          email: emailMsgs.length + failureEmails.length,
          sms: smsMsgs.length + failureTexts.length,
          slack: slackMsgs.length,
          failures: failureEmails.length,
        };
      },
      (d) =>
        `email function: ${d.email} message(s); sms function: ${d.sms} message(s); webhook function: ${d.slack} message(s); of which run alerts from the failure topic: ${d.failures} by email and by SMS`,
    );

    await step('show what was sent', async () => {
      mkdirSync(opts.outDir, { recursive: true });
      const lines: string[] = [];
      local.recorder.sends.forEach((s, i) => {
        const simple = s.Content?.Simple;
        const base = join(opts.outDir, `email-${i + 1}`);
        writeFileSync(`${base}.html`, simple?.Body?.Html?.Data ?? '');
        writeFileSync(`${base}.txt`, simple?.Body?.Text?.Data ?? '');
        lines.push(
          `EMAIL ${i + 1}: from ${s.FromEmailAddress}`,
          `  to ${[...(s.Destination?.ToAddresses ?? []), ...(s.Destination?.CcAddresses ?? [])].join(', ')}`,
          `  subject: ${simple?.Subject?.Data}`,
          ...(simple?.Body?.Text?.Data ?? '')
            .trim()
            .split('\n')
            .slice(0, 12)
            .map((l) => `  | ${l}`),
          `  written to ${relative(process.cwd(), base)}.html and .txt`,
        );
      });
      const texts = local.twilio ? local.twilio.requests.filter((r) => r.answered < 300) : [];
      for (const r of texts) {
        lines.push(
          `SMS to ${r.form.To} from ${r.form.From ?? r.form.MessagingServiceSid}: ${r.form.Body.length} chars`,
          ...r.form.Body.split('\n').map((l) => `  | ${l}`),
        );
      }
      if (!local.twilio) lines.push(`SMS sent through ${local.twilioUrl}: see that service for the messages`);
      local.slack.delivered('slack').forEach((r, i) => {
        type Text = { text: string };
        const body = r.json as { blocks: { text?: Text; fields?: Text[]; elements?: Text[] }[] };
        writeFileSync(join(opts.outDir, `slack-${i + 1}.json`), `${JSON.stringify(body, null, 2)}\n`);
        lines.push(
          `SLACK ${i + 1} (incoming webhook stand-in, Block Kit ${r.verdict.ok ? 'valid' : `INVALID: ${r.verdict.violations.join('; ')}`}):`,
          ...body.blocks.flatMap((b) =>
            [b.text, ...(b.fields ?? []), ...(b.elements ?? [])]
              .filter((t): t is Text => t !== undefined)
              .flatMap((t) => t.text.replace(/\n/g, ' ').split('\n'))
              .map((l) => `  | ${l}`),
          ),
          `  written to ${relative(process.cwd(), join(opts.outDir, `slack-${i + 1}.json`))}`,
        );
      });
      lines.push(
        '',
        `RUNS of ${ran.job}, as \`cloud-cron runs ${ran.job}\` prints them:`,
        ...ran.table.split('\n').map((l) => `  ${l}`),
      );
      writeFileSync(join(opts.outDir, 'summary.txt'), `${lines.join('\n')}\n`);
      console.log(`\n${lines.join('\n')}\n`);
      if (local.recorder.sends.length === 0 && delivered.email > 0)
        throw new StartError('the email function ran but SES received nothing');
      if (local.twilio && texts.length === 0 && delivered.sms > 0)
        throw new StartError('the SMS function ran but Twilio received nothing');
      if (local.slack.delivered('slack').length === 0 && delivered.slack > 0)
        throw new StartError('the webhook function ran but Slack received nothing');
      return lines.length;
    });
    console.log(
      `done in ${((Date.now() - started) / 1000).toFixed(1)} s; ${ran.count} run(s)${jobResult ? `, last result: ${jobResult.severity}` : ''}. Summary in ${relative(process.cwd(), join(opts.outDir, 'summary.txt'))}`,
    );
    if (opts.keepRunning) {
      console.log(`emulators still running: AWS ${aws.endpoint}, Twilio ${local.twilioUrl}. Ctrl-C to stop.`);
      console.log(`  AWS_ENDPOINT_URL=${aws.endpoint} npx cloud-cron runs ${ran.job} --runs-table ${ran.tableName}`);
      await new Promise(() => undefined);
    }
    return 0;
  } finally {
    await cleanup();
  }
}

if (require.main === module) {
  let opts: Options | undefined;
  try {
    opts = parseOptions(process.argv.slice(2));
  } catch (e) {
    console.error((e as Error).message);
    process.exit(2);
  }
  if (!opts) {
    console.log(USAGE);
    process.exit(0);
  }
  start(opts).then(
    (code) => process.exit(code),
    (e: Error) => {
      console.error(`\nnpm start failed: ${e.message}`);
      process.exit(1);
    },
  );
}
