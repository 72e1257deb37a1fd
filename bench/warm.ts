/**
 * Warm per-message cost: the email and SMS handlers processing one SNS record against local endpoints, against a
 * bare call to the same endpoints, in the same warm Node process (bench/children/warm.js), many iterations with
 * the sides alternating.
 *
 * - Email: the built handler vs a bare SES v2 SendEmail (same client settings) through the same endpoint: the
 *   email recorder in front of moto_server. The bare call sends the very request the function sent (recorded on
 *   the wire during a first, untimed invocation).
 * - SMS: the built handler vs the official twilio client's `messages.create` (`import twilio from 'twilio'`, its
 *   own axios transport, `client.api.baseUrl` set to the stand-in) to the same loopback Twilio stand-in, with the
 *   body, sender and recipient the function sent.
 * - Both functions record each send once per message (Powertools Idempotency on DynamoDB: a conditional PutItem
 *   before the send, an UpdateItem after it). A bare call has no such round trips, so a third side, the "floor",
 *   does the bare call between the same two DynamoDB writes; the handler against the floor is what remains of the
 *   function's own code.
 */
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import type { SNSEvent } from 'aws-lambda';
import { ROOT } from '../tooling/build';
import { loadTemplate } from '../tooling/cfn-yaml';
import { startEmailRecorder } from '../tooling/email-recorder';
import { createIdempotencyTable } from '../tooling/idempotency-table';
import { invokeBundle } from '../tooling/invoke';
import type { Moto } from '../tooling/moto';
import { startTwilioStandin } from '../tooling/twilio-standin';
import { startWebhookStandin } from '../tooling/webhook-standin';
import type { Bundles } from './lib/bundles';
import { baseEnv, templateEnv } from './lib/env';
import { pairedRatio, type Summary, summarize } from './lib/stats';

export type WarmPlan = { iterations: number; warmup: number };

type Side =
  | { kind: 'handler'; bundle: string; event: string; messageIdPrefix: string; check: 'email' | 'sms' | 'webhook' }
  | { kind: 'module'; bundle: string; options: unknown };

export type WarmResult = {
  name: 'email' | 'sms' | 'webhook';
  handler: Summary;
  bare: Summary;
  floor: Summary;
  /** Median of per-round ratios handler / bare call. */
  ratio: number;
  /** Median of per-round ratios handler / (bare call + idempotency writes). */
  floorRatio: number;
  /** Median of per-round ratios (bare call + idempotency writes) / bare call. */
  floorOverBare: number;
  requests: number;
};

const ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`;
const AUTH_TOKEN = 'bench-auth-token-0f1e2d3c4b5a6978';

function event(file: string): string {
  return readFileSync(join(ROOT, 'events', file), 'utf8');
}

/** Runs the sides in a child with the function's environment; returns each side's per-iteration times. */
async function runChild(env: Record<string, string>, sides: Side[], plan: WarmPlan): Promise<number[][]> {
  const child = fork(join(__dirname, 'children', 'warm.js'), [], {
    env,
    execArgv: [],
    // The functions' log lines (Powertools Logger, INFO as the templates set it) are written, as on Lambda, and
    // dropped: writing them is part of the function's cost, reading them is not.
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  try {
    const reply = await new Promise<{ ok: boolean; times?: number[][]; error?: string }>((resolve, reject) => {
      child.once('message', (m) => resolve(m as { ok: boolean; times?: number[][]; error?: string }));
      child.once('exit', (code) => reject(new Error(`warm runner exited (${code}) without an answer:\n${stderr}`)));
      child.send({ sides, ...plan });
    });
    if (!reply.ok || !reply.times) throw new Error(`warm runner failed: ${reply.error}\n${stderr}`);
    return reply.times;
  } finally {
    process.removeListener('exit', kill);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

/** The channel's idempotency table, as its template declares it. */
async function createTable(moto: Moto, name: string, template: string): Promise<void> {
  await createIdempotencyTable(new DynamoDBClient(moto.client), name, loadTemplate(join(ROOT, template)));
}

function result(name: WarmResult['name'], times: number[][], requests: number): WarmResult {
  const [handler, bare, floor] = times;
  return {
    name,
    handler: summarize(handler),
    bare: summarize(bare),
    floor: summarize(floor),
    ratio: pairedRatio(handler, bare),
    floorRatio: pairedRatio(handler, floor),
    floorOverBare: pairedRatio(floor, bare),
    requests,
  };
}

export async function warmEmail(bundles: Bundles, moto: Moto, plan: WarmPlan): Promise<WarmResult> {
  const run = randomUUID().slice(0, 8);
  const table = `cloud-cron-bench-email-${run}`;
  await createTable(moto, table, 'template-email.yaml');
  await new SESv2Client(moto.client).send(new CreateEmailIdentityCommand({ EmailIdentity: 'example.com' }));
  const recorder = await startEmailRecorder(moto.endpoint);
  try {
    const env = baseEnv({
      ...moto.env,
      AWS_ENDPOINT_URL: recorder.endpoint,
      AWS_LAMBDA_FUNCTION_NAME: 'cloud-cron-email-bench',
      ...templateEnv(bundles, 'email', { resources: { IdempotencyTable: table } }),
    });
    const sns = event('email-json.json');
    // One untimed invocation: checks the set-up end to end and records the exact SendEmail the function makes.
    const first = JSON.parse(sns) as SNSEvent;
    first.Records[0].Sns.MessageId = `bench-${run}-probe`;
    const [probe] = await invokeBundle('email', [first], env);
    if (!probe.ok) throw new Error(`email probe failed: ${probe.error.name}: ${probe.error.message}\n${probe.logs}`);
    const input = recorder.sends[0];
    if (!input) throw new Error('the email probe sent nothing');
    recorder.clear();
    const sides: Side[] = [
      { kind: 'handler', bundle: bundles.functions.email, event: sns, messageIdPrefix: `bench-${run}`, check: 'email' },
      { kind: 'module', bundle: bundles.baselines.email, options: { input } },
      {
        kind: 'module',
        bundle: bundles.baselines['email-floor'],
        options: { input, table, keyPrefix: `bench-floor-${run}` },
      },
    ];
    const times = await runChild(env, sides, plan);
    const expected = 3 * (plan.iterations + plan.warmup);
    if (recorder.sends.length !== expected) {
      throw new Error(`expected ${expected} emails to reach moto, got ${recorder.sends.length}`);
    }
    return result('email', times, recorder.sends.length);
  } finally {
    await recorder.stop();
  }
}

export async function warmSms(bundles: Bundles, moto: Moto, plan: WarmPlan): Promise<WarmResult> {
  const run = randomUUID().slice(0, 8);
  const table = `cloud-cron-bench-sms-${run}`;
  await createTable(moto, table, 'template-sms.yaml');
  const secretArn = (
    await new SecretsManagerClient(moto.client).send(
      new CreateSecretCommand({
        Name: `cloud-cron-bench/twilio-${run}`,
        SecretString: JSON.stringify({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN }),
      }),
    )
  ).ARN as string;
  const standin = await startTwilioStandin({ [ACCOUNT_SID]: AUTH_TOKEN });
  try {
    const fnEnv = templateEnv(bundles, 'sms', {
      parameters: { TwilioSecretArn: secretArn },
      resources: { IdempotencyTable: table },
    });
    const env = baseEnv({
      ...moto.env,
      AWS_LAMBDA_FUNCTION_NAME: 'cloud-cron-sms-bench',
      ...fnEnv,
      TWILIO_API_BASE_URL: standin.url,
    });
    const sns = event('sms-text.json');
    const first = JSON.parse(sns) as SNSEvent;
    first.Records[0].Sns.MessageId = `bench-${run}-probe`;
    const [probe] = await invokeBundle('sms', [first], env);
    if (!probe.ok) throw new Error(`sms probe failed: ${probe.error.name}: ${probe.error.message}\n${probe.logs}`);
    const sent = standin.requests.find((r) => r.answered === 201);
    if (!sent) throw new Error('the sms probe sent nothing');
    standin.reset();
    const bare = {
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      baseUrl: standin.url,
      from: sent.form.From,
      to: sent.form.To,
      body: sent.form.Body,
      timeoutMs: Number(fnEnv.TWILIO_TIMEOUT_MS ?? 5000),
    };
    const sides: Side[] = [
      { kind: 'handler', bundle: bundles.functions.sms, event: sns, messageIdPrefix: `bench-${run}`, check: 'sms' },
      { kind: 'module', bundle: bundles.baselines.sms, options: bare },
      {
        kind: 'module',
        bundle: bundles.baselines['sms-floor'],
        options: { ...bare, table, keyPrefix: `bench-floor-${run}` },
      },
    ];
    const times = await runChild(env, sides, plan);
    const created = standin.requests.filter((r) => r.answered === 201).length;
    const expected = 3 * (plan.iterations + plan.warmup);
    if (created !== expected) throw new Error(`expected ${expected} messages at the stand-in, got ${created}`);
    return result('sms', times, created);
  } finally {
    await standin.stop();
  }
}

/**
 * Webhook: the handler (Slack preset) against a bare JSON POST of the very body it sent, over a keep-alive agent, to
 * the same loopback stand-in; the floor is that POST between the two idempotency writes.
 */
export async function warmWebhook(bundles: Bundles, moto: Moto, plan: WarmPlan): Promise<WarmResult> {
  const run = randomUUID().slice(0, 8);
  const table = `cloud-cron-bench-webhook-${run}`;
  await createTable(moto, table, 'template-webhook.yaml');
  const standin = await startWebhookStandin();
  try {
    const secretArn = (
      await new SecretsManagerClient(moto.client).send(
        new CreateSecretCommand({ Name: `cloud-cron-bench/slack-${run}`, SecretString: standin.url('slack') }),
      )
    ).ARN as string;
    const env = baseEnv({
      ...moto.env,
      AWS_LAMBDA_FUNCTION_NAME: 'cloud-cron-webhook-bench',
      ...templateEnv(bundles, 'webhook', {
        parameters: { WebhookSecretArn: secretArn },
        resources: { IdempotencyTable: table },
      }),
    });
    const sns = event('webhook-text.json');
    const first = JSON.parse(sns) as SNSEvent;
    first.Records[0].Sns.MessageId = `bench-${run}-probe`;
    const [probe] = await invokeBundle('webhook', [first], env);
    if (!probe.ok) throw new Error(`webhook probe failed: ${probe.error.name}: ${probe.error.message}\n${probe.logs}`);
    const sent = standin.delivered('slack')[0];
    if (!sent) throw new Error('the webhook probe posted nothing');
    standin.reset();
    const bare = { url: standin.url('slack'), body: sent.raw };
    const sides: Side[] = [
      {
        kind: 'handler',
        bundle: bundles.functions.webhook,
        event: sns,
        messageIdPrefix: `bench-${run}`,
        check: 'webhook',
      },
      { kind: 'module', bundle: bundles.baselines.webhook, options: bare },
      {
        kind: 'module',
        bundle: bundles.baselines['webhook-floor'],
        options: { ...bare, table, keyPrefix: `bench-floor-${run}` },
      },
    ];
    const times = await runChild(env, sides, plan);
    const posted = standin.delivered('slack').length;
    const expected = 3 * (plan.iterations + plan.warmup);
    if (posted !== expected) throw new Error(`expected ${expected} posts at the stand-in, got ${posted}`);
    return result('webhook', times, posted);
  } finally {
    await standin.stop();
  }
}
