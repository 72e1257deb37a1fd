/**
 * postWebhook against a loopback stand-in, with an injected clock: Retry-After (seconds, HTTP date, Discord's
 * JSON), backoff, the time budget, and the permanent and paused statuses.
 */
import { retryAfterMs } from '../../../functions/common/http';
import { postWebhook, responseReason, WebhookDeliveryError } from '../../../functions/webhook/deliver';
import { parseWebhookSecret } from '../../../functions/webhook/secret';
import { startWebhookStandin, WEBHOOK_REPLIES, type WebhookStandin } from '../../../tooling/webhook-standin';

let standin: WebhookStandin;
beforeAll(async () => {
  standin = await startWebhookStandin();
});
afterAll(() => standin.stop());
beforeEach(() => standin.reset());

const slackBody = JSON.stringify({ text: 'hi', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'hi' } }] });

function post(
  preset: 'slack' | 'discord',
  overrides: { remaining?: number[]; maxAttempts?: number; maxRetryAfterMs?: number } = {},
) {
  const sleeps: number[] = [];
  const remaining = [...(overrides.remaining ?? [])];
  const promise = postWebhook(
    { url: new URL(standin.url(preset)), headers: {} },
    {
      body: preset === 'slack' ? slackBody : JSON.stringify({ content: 'hi' }),
      headers: { 'Content-Type': 'application/json' },
      messageId: 'm-1',
    },
    {
      preset,
      // Generous: a loaded machine must not turn a slow loopback answer into a timeout and a retry.
      timeoutMs: 30000,
      maxAttempts: overrides.maxAttempts ?? 5,
      maxRetryAfterMs: overrides.maxRetryAfterMs ?? 30000,
      remainingMs: () => (remaining.length > 1 ? (remaining.shift() as number) : (remaining[0] ?? 60000)),
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 0.5,
    },
  );
  return { promise, sleeps };
}

test('Retry-After in seconds and as an HTTP date; Discord retry_after in its body', () => {
  expect(retryAfterMs('3')).toBe(3000);
  expect(retryAfterMs('0.5')).toBe(500);
  expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
  expect(retryAfterMs('soon')).toBeUndefined();
  expect(retryAfterMs(undefined)).toBeUndefined();
});

test('a 429 waits what Retry-After says, then delivers', async () => {
  standin.script('slack', WEBHOOK_REPLIES.throttled('slack', 7));
  const { promise, sleeps } = post('slack');
  await expect(promise).resolves.toEqual({ status: 200, attempts: 2 });
  expect(sleeps).toEqual([7000]);
});

test('Discord: the JSON retry_after is used when the header is absent', async () => {
  standin.script(
    'discord',
    WEBHOOK_REPLIES.json(429, { message: 'You are being rate limited.', retry_after: 2.5, global: false }),
  );
  const { promise, sleeps } = post('discord');
  await expect(promise).resolves.toEqual({ status: 204, attempts: 2 });
  expect(sleeps).toEqual([2500]);
});

test('5xx: exponential backoff with jitter, until the attempts run out (retryable)', async () => {
  standin.script('slack', ...Array.from({ length: 3 }, () => WEBHOOK_REPLIES.text(503, 'service unavailable')));
  const { promise, sleeps } = post('slack', { maxAttempts: 3 });
  const error = await promise.catch((e: WebhookDeliveryError) => e);
  expect(error).toBeInstanceOf(WebhookDeliveryError);
  expect((error as WebhookDeliveryError).kind).toBe('retryable');
  expect(sleeps).toEqual([375, 750]);
});

test('a Retry-After longer than allowed, or than the time left, fails the invocation as retryable at once', async () => {
  standin.script('slack', WEBHOOK_REPLIES.throttled('slack', 120));
  const long = post('slack');
  await expect(long.promise).rejects.toMatchObject({
    kind: 'retryable',
    message: expect.stringContaining('no time left'),
  });
  expect(long.sleeps).toEqual([]);
  standin.script('slack', WEBHOOK_REPLIES.throttled('slack', 5));
  const late = post('slack', { remaining: [60000, 6000] });
  await expect(late.promise).rejects.toMatchObject({ kind: 'retryable' });
  expect(standin.requests).toHaveLength(2);
});

test('no attempt starts without time to finish it', async () => {
  const { promise } = post('slack', { remaining: [2500] });
  await expect(promise).rejects.toMatchObject({ kind: 'retryable', code: 'NoTimeLeft' });
  expect(standin.requests).toHaveLength(0);
});

test.each([
  [400, 'message'],
  [413, 'message'],
  [422, 'message'],
  [401, 'paused'],
  [403, 'paused'],
  [404, 'paused'],
  [410, 'paused'],
])('HTTP %i is %s and not retried', async (status, kind) => {
  standin.script('slack', WEBHOOK_REPLIES.text(status, 'channel_is_archived'));
  const { promise, sleeps } = post('slack');
  await expect(promise).rejects.toMatchObject({ kind, status });
  expect(sleeps).toEqual([]);
});

test('a connection that fails is retryable', async () => {
  const outcome = await postWebhook(
    { url: new URL('http://127.0.0.1:1/hook'), headers: {} },
    { body: '{}', headers: {}, messageId: 'm' },
    { preset: 'generic', timeoutMs: 1000, maxAttempts: 1, maxRetryAfterMs: 0, remainingMs: () => 60000 },
  ).then(
    () => 'delivered',
    (e: WebhookDeliveryError) => `${e.kind} ${e.code}`,
  );
  expect(outcome).toBe('retryable ECONNREFUSED');
});

test('reasons are short and redacted', () => {
  expect(responseReason('{"code": 50035, "message": "Invalid Form Body"}')).toBe('Invalid Form Body: 50035');
  expect(
    responseReason('{"status":"invalid event","message":"Event object is invalid","errors":["Length of summary"]}'),
  ).toBe('invalid event: Event object is invalid: Length of summary');
  expect(responseReason('no_service')).toBe('no_service');
  expect(responseReason('')).toBe('no body');
});

describe('the secret', () => {
  const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:x-AbCdEf';
  test.each([
    ['https://hooks.slack.com/services/T/B/x', 'slack', 'https://hooks.slack.com/services/T/B/x'],
    ['{"url": "https://example.com/hook"}', 'teams', 'https://example.com/hook'],
    [`{"routingKey": "${'a'.repeat(32)}"}`, 'pagerduty', 'https://events.pagerduty.com/v2/enqueue'],
    ['http://127.0.0.1:9/x', 'generic', 'http://127.0.0.1:9/x'],
  ] as const)('%s for %s posts to %s', (text, preset, url) => {
    expect(parseWebhookSecret(text, ARN, preset).url.href).toBe(url);
  });
  test.each([
    ['', 'slack', 'has no SecretString'],
    ['http://hooks.example.com/x', 'slack', 'must be https'],
    ['{"url": 5}', 'slack', 'field url is missing'],
    ['{bad json', 'slack', 'is not JSON'],
    ['{"routingKey": "short"}', 'pagerduty', 'routingKey must be the 32-character'],
    ['{"url": "https://x.example/h", "signingSecret": "short"}', 'generic', 'at least 16 characters'],
    ['{"url": "https://x.example/h", "signingSecret": "0123456789abcdef"}', 'slack', 'only used by the generic preset'],
    ['{"url": "https://x.example/h", "headers": {"Host": "evil"}}', 'generic', 'header Host cannot be set'],
    ['https://user:pw@x.example/h', 'generic', 'must not carry a user or password'],
  ] as const)('%j for %s is refused: %s', (text, preset, reason) => {
    expect(() => parseWebhookSecret(text, ARN, preset)).toThrow(reason);
    try {
      parseWebhookSecret(text, ARN, preset);
    } catch (e) {
      if (text.length > 8) expect((e as Error).message).not.toContain(text);
    }
  });
});
