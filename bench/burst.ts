/**
 * A burst of messages to each channel, as SNS delivers it (asynchronous invocations, Lambda's retries, the
 * dead-letter queue; 1 message in 20 delivered twice), against stand-ins that throttle as the services do
 * (tooling/burst.ts). Reports throughput, duplicates, dead-lettered and lost messages.
 *
 * Rates are the stand-ins', scaled so a burst of 1,000 drains in tens of seconds: the channels' retry logic does not
 * depend on the rate (a 429 waits its Retry-After, SES throttling backs off), only the drain time does.
 */

import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SNSEvent } from 'aws-lambda';
import { ROOT } from '../tooling/build';
import { type BurstReport, runBurst } from '../tooling/burst';
import { loadTemplate } from '../tooling/cfn-yaml';
import { startEmailRecorder } from '../tooling/email-recorder';
import { createIdempotencyTable } from '../tooling/idempotency-table';
import type { Moto } from '../tooling/moto';
import { startTwilioStandin } from '../tooling/twilio-standin';
import { startWebhookStandin } from '../tooling/webhook-standin';
import type { Bundles } from './lib/bundles';
import { baseEnv, templateEnv } from './lib/env';

export type BurstPlan = { messages: number; concurrency: number; rate: number; burst: number; retryDelayMs: number };
export type BurstResult = BurstReport & { name: 'email' | 'sms' | 'webhook'; throttled: number; plan: BurstPlan };

const ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`;
const AUTH_TOKEN = 'bench-auth-token-0f1e2d3c4b5a6978';

function eventFrom(file: string) {
  const text = readFileSync(join(ROOT, 'events', file), 'utf8');
  return (id: string, i: number): SNSEvent => {
    const e = JSON.parse(text) as SNSEvent;
    e.Records[0].Sns.MessageId = id;
    e.Records[0].Sns.Message = `message ${i} of the burst`;
    return e;
  };
}

const counts = (keys: string[]) => {
  const m = new Map<string, number>();
  for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
  return m;
};

async function table(moto: Moto, template: string): Promise<string> {
  const name = `cloud-cron-burst-${randomUUID().slice(0, 8)}`;
  await createIdempotencyTable(new DynamoDBClient(moto.client), name, loadTemplate(join(ROOT, template)));
  return name;
}

const common = (plan: BurstPlan, moto: Moto) => ({
  sqs: new SQSClient(moto.client),
  messages: plan.messages,
  concurrency: plan.concurrency,
  duplicateEvery: 20,
  retryDelayMs: plan.retryDelayMs,
  timeoutMs: 120_000,
});

export async function burstWebhook(bundles: Bundles, moto: Moto, plan: BurstPlan): Promise<BurstResult> {
  const standin = await startWebhookStandin();
  try {
    const secret = (
      await new SecretsManagerClient(moto.client).send(
        new CreateSecretCommand({
          Name: `burst/slack-${randomUUID().slice(0, 8)}`,
          SecretString: standin.url('slack'),
        }),
      )
    ).ARN as string;
    const resources = { IdempotencyTable: await table(moto, 'template-webhook.yaml') };
    standin.throttle('slack', plan.rate, plan.burst);
    const report = await runBurst({
      ...common(plan, moto),
      bundle: 'webhook',
      env: baseEnv({
        ...moto.env,
        ...templateEnv(bundles, 'webhook', { parameters: { WebhookSecretArn: secret, LogLevel: 'ERROR' }, resources }),
      }),
      event: eventFrom('webhook-text.json'),
      accepted: () => counts(standin.delivered('slack').map((r) => String(r.headers['x-cloud-cron-message-id']))),
    });
    return { ...report, name: 'webhook', throttled: standin.requests.filter((r) => r.answered === 429).length, plan };
  } finally {
    await standin.stop();
  }
}

export async function burstSms(bundles: Bundles, moto: Moto, plan: BurstPlan): Promise<BurstResult> {
  const standin = await startTwilioStandin({ [ACCOUNT_SID]: AUTH_TOKEN });
  try {
    const secret = (
      await new SecretsManagerClient(moto.client).send(
        new CreateSecretCommand({
          Name: `burst/twilio-${randomUUID().slice(0, 8)}`,
          SecretString: JSON.stringify({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN }),
        }),
      )
    ).ARN as string;
    const resources = { IdempotencyTable: await table(moto, 'template-sms.yaml') };
    standin.throttle(plan.rate, plan.burst);
    const report = await runBurst({
      ...common(plan, moto),
      bundle: 'sms',
      env: baseEnv({
        ...moto.env,
        ...templateEnv(bundles, 'sms', {
          parameters: { TwilioSecretArn: secret, MessageTemplate: '{{messageId}}', LogLevel: 'ERROR' },
          resources,
        }),
        TWILIO_API_BASE_URL: standin.url,
      }),
      event: eventFrom('sms-text.json'),
      accepted: () => counts(standin.requests.filter((r) => r.answered === 201).map((r) => r.form.Body)),
    });
    return { ...report, name: 'sms', throttled: standin.requests.filter((r) => r.answered === 429).length, plan };
  } finally {
    await standin.stop();
  }
}

export async function burstEmail(bundles: Bundles, moto: Moto, plan: BurstPlan): Promise<BurstResult> {
  await new SESv2Client(moto.client).send(new CreateEmailIdentityCommand({ EmailIdentity: 'example.com' }));
  const recorder = await startEmailRecorder(moto.endpoint);
  try {
    const resources = { IdempotencyTable: await table(moto, 'template-email.yaml') };
    recorder.throttle(plan.rate, plan.burst);
    const report = await runBurst({
      ...common(plan, moto),
      bundle: 'email',
      env: baseEnv({
        ...moto.env,
        ...templateEnv(bundles, 'email', {
          parameters: { SubjectTemplate: '{{messageId}}', LogLevel: 'ERROR' },
          resources,
        }),
        AWS_ENDPOINT_URL: recorder.endpoint,
      }),
      event: eventFrom('email-text.json'),
      accepted: () => counts(recorder.sends.map((s) => s.Content?.Simple?.Subject?.Data ?? '')),
    });
    return { ...report, name: 'email', throttled: recorder.attempts() - recorder.sends.length, plan };
  } finally {
    await recorder.stop();
  }
}
