/**
 * The built webhook bundle against the loopback stand-in of each target (tooling/webhook-standin.ts), which checks
 * every request against the vendor's published contract, and moto_server for Secrets Manager and DynamoDB.
 * Per preset: the request shape on the wire; 429 with Retry-After; a 4xx refusal kept for the dead-letter queue
 * with its status and a redacted reason; a revoked webhook raising the paused alarm; redelivery posting once; and
 * the generic preset's HMAC signature checked by Python's hmac module (an independent implementation).
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { invokeBundle } from '../../../tooling/invoke';
import { type Moto, startMoto } from '../../../tooling/moto';
import { projectPython } from '../../../tooling/python';
import {
  type StandinPreset,
  startWebhookStandin,
  WEBHOOK_REPLIES,
  type WebhookStandin,
} from '../../../tooling/webhook-standin';
import { buildWebhook, createSecret, createTable, logLines, snsEvent, webhookEnv } from './harness';

type Result = { messages: number; delivered: number; duplicates: number };
const TABLE = 'cloud-cron-webhook-presets';
const ROUTING_KEY = 'R0UT1NGKEY0123456789abcdefABCDEF';
const SIGNING_SECRET = 'whsec-test-6f1c2a9b8e7d4c3b2a1f0e9d';

let moto: Moto;
let standin: WebhookStandin;
const secrets = {} as Record<StandinPreset, string>;

beforeAll(async () => {
  [moto, standin] = await Promise.all([startMoto(), startWebhookStandin(), buildWebhook()]).then(
    ([m, s]) => [m, s] as const,
  );
  await createTable(moto, TABLE);
  for (const preset of ['slack', 'teams', 'discord'] as const) {
    secrets[preset] = await createSecret(moto, `cloud-cron/${preset}`, standin.url(preset));
  }
  secrets.pagerduty = await createSecret(moto, 'cloud-cron/pagerduty', {
    routingKey: ROUTING_KEY,
    url: standin.url('pagerduty'),
  });
  secrets.generic = await createSecret(moto, 'cloud-cron/generic', {
    url: standin.url('generic'),
    signingSecret: SIGNING_SECRET,
  });
}, 120000);

afterAll(async () => {
  await standin?.stop();
  await moto?.stop();
});

beforeEach(() => standin.reset());

function env(preset: StandinPreset, params: Record<string, string> = {}) {
  return webhookEnv(moto, { Preset: preset, WebhookSecretArn: secrets[preset], ...params }, TABLE);
}

async function deliver(preset: StandinPreset, events: unknown[], params: Record<string, string> = {}) {
  return invokeBundle<Result>('webhook', events, env(preset, params));
}

const fresh = (file: string, overrides: Parameters<typeof snsEvent>[1] = {}) =>
  snsEvent(file, { messageId: randomUUID(), ...overrides });

describe.each(['slack', 'teams', 'pagerduty', 'discord', 'generic'] as const)('preset %s', (preset) => {
  test('text and JSON messages are posted once each, and every request meets the vendor contract', async () => {
    const results = await deliver(preset, [fresh('webhook-text.json'), fresh('webhook-json.json')]);
    expect(results.map((r) => (r.ok ? r.result : r.error))).toEqual([
      { messages: 1, delivered: 1, duplicates: 0 },
      { messages: 1, delivered: 1, duplicates: 0 },
    ]);
    expect(standin.requests.map((r) => [r.preset, r.verdict])).toEqual([
      [preset, { ok: true, violations: [] }],
      [preset, { ok: true, violations: [] }],
    ]);
    // The URL is a credential: it never reaches a log line.
    const url = new URL(standin.url(preset));
    for (const part of [url.href, url.pathname, url.search].filter((p) => p.length > 8)) {
      expect(results[0].logs).not.toContain(part);
    }
    expect(results[0].logs).not.toContain(ROUTING_KEY);
  });

  test('a 429 with Retry-After is retried after the wait it asks for, and delivered', async () => {
    standin.script(preset, WEBHOOK_REPLIES.throttled(preset, 1));
    const [result] = await deliver(preset, [fresh('webhook-text.json')]);
    expect(result.ok ? result.result : result.error).toEqual({ messages: 1, delivered: 1, duplicates: 0 });
    expect(standin.requests.map((r) => r.answered)).toEqual([429, expect.any(Number)]);
    const retry = logLines(result.logs).find((l) => l.message === 'webhook busy or failing: retrying');
    expect(retry).toMatchObject({ attempt: 1, status: 429, delayMs: 1000, retryAfter: true });
  });
});

test('slack: the request has a header with the subject, sections of the message and a fallback text', async () => {
  await deliver('slack', [fresh('webhook-text.json')]);
  const body = standin.requests[0].json as { text: string; blocks: { type: string; text?: { text: string } }[] };
  expect(body.blocks[0]).toEqual({
    type: 'header',
    text: { type: 'plain_text', text: ':red_circle: Storefront health: checkout is down', emoji: true },
  });
  expect(body.blocks[1].text?.text).toContain('answered 503 (maintenance)');
  expect(body.text).toContain('Storefront health');
});

test('slack: a message longer than 50 blocks of 3000 characters is cut to fit, and still meets the contract', async () => {
  const message = Array.from({ length: 4000 }, (_, i) => `line ${i} <!channel> & ${'x'.repeat(40)}`).join('\n');
  const [result] = await deliver('slack', [fresh('webhook-text.json', { message })]);
  expect(result.ok).toBe(true);
  const body = standin.requests[0].json as { blocks: { text?: { text: string } }[] };
  expect(standin.requests[0].verdict).toEqual({ ok: true, violations: [] });
  expect(body.blocks).toHaveLength(50);
  // Escaped: the message cannot notify the whole channel.
  expect(JSON.stringify(body)).not.toContain('<!channel>');
});

test('pagerduty: dedup_key is the SNS message id, severity and source come from the message', async () => {
  const event = fresh('webhook-json.json');
  await deliver('pagerduty', [event]);
  const body = standin.requests[0].json as Record<string, unknown>;
  expect(body).toMatchObject({
    routing_key: ROUTING_KEY,
    event_action: 'trigger',
    dedup_key: event.Records[0].Sns.MessageId,
    payload: {
      severity: 'warning',
      source: 'cloud-cron-alerts',
      summary: 'Certificate expiry: host api.example.com',
      custom_details: { host: 'api.example.com', daysLeft: 6 },
    },
  });
});

test('discord: no mention can ping anyone, and the embed carries the fields', async () => {
  await deliver('discord', [fresh('webhook-json.json')]);
  const body = standin.requests[0].json as { allowed_mentions: unknown; embeds: { fields: { name: string }[] }[] };
  expect(body.allowed_mentions).toEqual({ parse: [] });
  expect(body.embeds[0].fields.map((f) => f.name)).toEqual(['host', 'daysLeft', 'status', 'checks']);
});

test('generic: the signature verifies with Python hmac, and fails for a tampered body or an old timestamp', async () => {
  const template =
    '{"text": "{{subject}}", "host": "{{message.host}}", "days": {{message.daysLeft}}, "all": {{json message}}}';
  const event = fresh('webhook-json.json', { subject: 'quote " and \\ and \u2028 line' });
  const [result] = await deliver('generic', [event], {
    BodyTemplate: template,
  });
  expect(result.ok).toBe(true);
  const request = standin.requests[0];
  const body = JSON.parse(request.raw) as Record<string, unknown>;
  expect(body).toEqual({
    text: 'quote " and \\ and \u2028 line',
    host: 'api.example.com',
    days: 6,
    all: { host: 'api.example.com', daysLeft: 6, status: 'renewal failed', checks: { ocsp: 'ok', chain: 'ok' } },
  });
  const verify = (raw: string, timestamp: string, signature: string) =>
    spawnSync(
      projectPython(),
      [
        '-c',
        [
          'import hmac, hashlib, sys, time',
          'secret, ts, sig, body = sys.argv[1], sys.argv[2], sys.argv[3], sys.stdin.buffer.read()',
          "expected = 'v1=' + hmac.new(secret.encode(), ts.encode() + b'.' + body, hashlib.sha256).hexdigest()",
          'fresh = abs(time.time() - int(ts)) < 300',
          "print('valid' if hmac.compare_digest(expected, sig) and fresh else 'invalid')",
        ].join('\n'),
        SIGNING_SECRET,
        timestamp,
        signature,
      ],
      { input: raw, encoding: 'utf8' },
    ).stdout.trim();
  const ts = String(request.headers['x-cloud-cron-timestamp']);
  const sig = String(request.headers['x-cloud-cron-signature']);
  expect(sig).toMatch(/^v1=[0-9a-f]{64}$/);
  expect(verify(request.raw, ts, sig)).toBe('valid');
  expect(verify(request.raw.replace('api.example.com', 'evil.example.com'), ts, sig)).toBe('invalid');
  expect(verify(request.raw, String(Number(ts) - 600), sig)).toBe('invalid');
  expect(request.headers['x-cloud-cron-message-id']).toBe(event.Records[0].Sns.MessageId);
});

test('a 4xx refusal is permanent: the invocation fails with the status and a redacted reason, and is not retried within it', async () => {
  standin.script(
    'slack',
    WEBHOOK_REPLIES.text(
      400,
      'invalid_payload: see https://hooks.slack.com/services/T0/B0/secret or mail ops@example.com',
    ),
  );
  const event = fresh('webhook-text.json');
  const [result] = await deliver('slack', [event]);
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.error.name).toBe('DeliveryFailedError');
  expect(result.error.message).toContain(`message ${event.Records[0].Sns.MessageId}: message 400`);
  expect(result.error.message).toContain(
    'HTTP 400 (invalid_payload: see https://hooks.slack.com/… or mail o***@example.com)',
  );
  expect(result.error.message).not.toContain('secret');
  expect(standin.requests).toHaveLength(1);
  // Nothing was recorded: a retry (or a redrive from the DLQ once fixed) posts it.
  const [again] = await deliver('slack', [event]);
  expect(again.ok ? again.result : again.error).toEqual({ messages: 1, delivered: 1, duplicates: 0 });
});

test('a revoked webhook (404) is "paused": the alarm line is logged and the message is kept', async () => {
  standin.script('discord', WEBHOOK_REPLIES.json(404, { message: 'Unknown Webhook', code: 10015 }));
  const [result] = await deliver('discord', [fresh('webhook-text.json')]);
  expect(result.ok).toBe(false);
  const alarm = logLines(result.logs).find((l) => l.alarm === 'ChannelPaused');
  expect(alarm).toMatchObject({ kind: 'paused', code: 404 });
  expect(String(alarm?.reason)).toContain('Unknown Webhook: 10015');
});

test('a 5xx that persists fails the invocation as retryable after the attempts; nothing recorded', async () => {
  standin.script('teams', ...Array.from({ length: 5 }, () => WEBHOOK_REPLIES.json(502, { error: 'Bad Gateway' })));
  const event = fresh('webhook-text.json');
  const [result] = await deliver('teams', [event]);
  expect(result.ok).toBe(false);
  if (!result.ok) expect(result.error.message).toContain('retryable 502');
  expect(standin.requests).toHaveLength(5);
});

test('redelivery of a delivered message posts nothing', async () => {
  const event = fresh('webhook-json.json');
  const results = await deliver('pagerduty', [event, event]);
  expect(results.map((r) => (r.ok ? r.result : r.error))).toEqual([
    { messages: 1, delivered: 1, duplicates: 0 },
    { messages: 1, delivered: 0, duplicates: 1 },
  ]);
  // A fresh process (another execution environment) also finds the record.
  const [third] = await deliver('pagerduty', [event]);
  expect(third.ok ? third.result : third.error).toEqual({ messages: 1, delivered: 0, duplicates: 1 });
  expect(standin.delivered('pagerduty')).toHaveLength(1);
});

test('events that are not SNS notifications fail with the missing field, and nothing is posted', async () => {
  const results = await deliver('slack', [
    {},
    { Records: [] },
    { 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} },
  ]);
  expect(results.map((r) => (r.ok ? 'ok' : `${r.error.name}: ${r.error.message.split(';')[0]}`))).toEqual([
    'InvalidEventError: the event is not an SNS event: field Records is missing',
    'InvalidEventError: the event is not an SNS event: Records is empty',
    'InvalidEventError: the event is not an SNS event: field Records is missing (it looks like an EventBridge event)',
  ]);
  expect(standin.requests).toHaveLength(0);
});
