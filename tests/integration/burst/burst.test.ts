/**
 * Issue 18, section 4, small and deterministic: a burst to each channel, delivered as SNS does (asynchronous
 * invocations, some messages twice) to the built bundles, against stand-ins that throttle as the services do (SES
 * TooManyRequestsException over its sending rate; Twilio and the webhook 429 with Retry-After). Every message is
 * delivered exactly once or kept in the dead-letter queue with its reason. `npm run bench` runs 1,000 per channel.
 * No assertion on time, and no dependence on it: the stand-ins' rate limits run on a clock that moves 25 ms per
 * request (twice their 20/s rate), so every other request after the burst is throttled however loaded the machine.
 * Twin deliveries race for their idempotency record; only an atomic conditional write lets exactly one win, which
 * moto_server gives only as tooling/moto_server.py starts it (atomic-writes.test.ts holds it to that).
 */

import { CreateEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SNSEvent } from 'aws-lambda';
import { buildAll } from '../../../tooling/build';
import { type BurstReport, runBurst } from '../../../tooling/burst';
import { readTemplate } from '../../../tooling/cfn';
import { type EmailRecorder, startEmailRecorder } from '../../../tooling/email-recorder';
import { type Moto, startMoto } from '../../../tooling/moto';
import { ROOT } from '../../../tooling/paths';
import { functionEnvironment } from '../../../tooling/template-env';
import { steppingClock } from '../../../tooling/token-bucket';
import { startTwilioStandin, type TwilioStandin } from '../../../tooling/twilio-standin';
import { startWebhookStandin, WEBHOOK_REPLIES, type WebhookStandin } from '../../../tooling/webhook-standin';
import { createSecret, createTable, snsEvent } from '../webhook/harness';

const MESSAGES = 40;
const AC = `AC${'0123456789abcdef'.repeat(2)}`;
const TOKEN = 'burst-test-token-1a2b3c';

let moto: Moto;
let sqs: SQSClient;
let webhook: WebhookStandin;
let twilio: TwilioStandin;
let recorder: EmailRecorder;

beforeAll(async () => {
  [moto, webhook, twilio] = await Promise.all([
    startMoto(),
    startWebhookStandin(),
    startTwilioStandin({ [AC]: TOKEN }),
    buildAll(ROOT, ['webhook', 'sms', 'email']),
  ]).then(([m, w, t]) => [m, w, t] as const);
  recorder = await startEmailRecorder(moto.endpoint);
  sqs = new SQSClient(moto.client);
}, 180000);

afterAll(async () => {
  await Promise.all([webhook?.stop(), twilio?.stop(), recorder?.stop()]);
  await moto?.stop();
});

function env(file: string, logicalId: string, parameters: Record<string, string>, table: string) {
  return {
    ...moto.env,
    AWS_LAMBDA_FUNCTION_NAME: `cloud-cron-burst-${logicalId}`,
    POWERTOOLS_LOG_LEVEL: 'WARN',
    ...functionEnvironment(readTemplate(file), logicalId, {
      parameters: { SnsTopicArn: 'arn:aws:sns:us-east-1:123456789012:cloud-cron-alerts', ...parameters },
      resources: { IdempotencyTable: table },
    }),
  };
}

const event =
  (file: string) =>
  (id: string, i: number): SNSEvent =>
    snsEvent(file, { messageId: id, message: i % 20 === 7 ? `poison message ${i}` : `message ${i} of the burst` });

function expectExactlyOnce(report: BurstReport, kept: number) {
  expect({ lost: report.lost, duplicates: report.duplicates }).toEqual({ lost: 0, duplicates: 0 });
  expect(report.deliveredOnce + report.deadLettered).toBe(MESSAGES);
  expect(report.deadLettered).toBe(kept);
  expect(report.deliveredAndKept).toBe(0);
}

test('webhook: a throttled Slack, duplicates and poison messages: each delivered once or kept with its reason', async () => {
  const table = await createTable(moto, 'burst-webhook');
  const secret = await createSecret(moto, 'burst/slack', webhook.url('slack'));
  webhook.throttle('slack', 20, 5, steppingClock(25));
  webhook.refuseWhen((raw) => (raw.includes('poison') ? WEBHOOK_REPLIES.text(400, 'invalid_payload') : undefined));
  const report = await runBurst({
    bundle: 'webhook',
    env: env('template-webhook.yaml', 'WebhookFunction', { Preset: 'slack', WebhookSecretArn: secret }, table),
    sqs,
    messages: MESSAGES,
    concurrency: 4,
    duplicateEvery: 5,
    retryDelayMs: 1500,
    timeoutMs: 120_000,
    event: event('webhook-text.json'),
    accepted: () => {
      const counts = new Map<string, number>();
      for (const r of webhook.delivered('slack')) {
        const id = String(r.headers['x-cloud-cron-message-id']);
        counts.set(id, (counts.get(id) ?? 0) + 1);
      }
      return counts;
    },
  });
  expectExactlyOnce(report, 2);
  expect(Object.keys(report.reasons)).toEqual([
    expect.stringMatching(
      /^DeliveryFailedError: webhook: 1 message\(s\) not delivered: message <id>: message 400 \(the slack webhook refused the message: HTTP 400 \(invalid_payload\)\)/,
    ),
  ]);
  expect(webhook.requests.some((r) => r.answered === 429)).toBe(true);
}, 180000);

test('sms: a throttled Twilio and duplicates: every message texted once', async () => {
  const table = `burst-sms`;
  await createTable(moto, table);
  const secret = await createSecret(moto, 'burst/twilio', { accountSid: AC, authToken: TOKEN });
  twilio.throttle(20, 5, steppingClock(25));
  const report = await runBurst({
    bundle: 'sms',
    env: {
      ...env(
        'template-sms.yaml',
        'SmsFunction',
        {
          TwilioSecretArn: secret,
          FromNumber: '+15005550006',
          Recipients: '+15551230001',
          MessageTemplate: '{{messageId}}',
        },
        table,
      ),
      TWILIO_API_BASE_URL: twilio.url,
    },
    sqs,
    messages: MESSAGES,
    concurrency: 4,
    duplicateEvery: 5,
    retryDelayMs: 1500,
    timeoutMs: 120_000,
    event: event('sms-text.json'),
    accepted: () => {
      const counts = new Map<string, number>();
      for (const r of twilio.requests.filter((q) => q.answered === 201))
        counts.set(r.form.Body, (counts.get(r.form.Body) ?? 0) + 1);
      return counts;
    },
  });
  expectExactlyOnce(report, 0);
  expect(twilio.requests.some((r) => r.answered === 429)).toBe(true);
}, 180000);

test('email: SES over its sending rate and duplicates: every message emailed once', async () => {
  const table = `burst-email`;
  await createTable(moto, table);
  await new SESv2Client(moto.client).send(new CreateEmailIdentityCommand({ EmailIdentity: 'example.com' }));
  recorder.throttle(20, 5, steppingClock(25));
  const report = await runBurst({
    bundle: 'email',
    env: {
      ...env(
        'template-email.yaml',
        'EmailFunction',
        { Sender: 'Cron <cron@example.com>', Recipients: 'ops@example.com', SubjectTemplate: '{{messageId}}' },
        table,
      ),
      AWS_ENDPOINT_URL: recorder.endpoint,
    },
    sqs,
    messages: MESSAGES,
    concurrency: 4,
    duplicateEvery: 5,
    retryDelayMs: 1500,
    timeoutMs: 120_000,
    event: event('email-text.json'),
    accepted: () => {
      const counts = new Map<string, number>();
      for (const s of recorder.sends) {
        const id = s.Content?.Simple?.Subject?.Data ?? '';
        counts.set(id, (counts.get(id) ?? 0) + 1);
      }
      return counts;
    },
  });
  expectExactlyOnce(report, 0);
  expect(recorder.attempts()).toBeGreaterThan(recorder.sends.length);
}, 180000);
