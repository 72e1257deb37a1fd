/**
 * The built SMS bundle against a loopback Twilio stand-in that answers with Twilio's real error bodies, and
 * moto_server for Secrets Manager and DynamoDB (the idempotency records): permanent per-recipient errors,
 * retryable errors with backoff, partial failure and retry of only the unsent recipients, credentials.
 */
import { randomUUID } from 'node:crypto';
import { type InvokeResult, invokeBundle } from '../../../tooling/invoke';
import { type Moto, startMoto } from '../../../tooling/moto';
import { MAGIC_NUMBERS, startTwilioStandin, TWILIO_ERRORS, type TwilioStandin } from '../../../tooling/twilio-standin';
import {
  ACCOUNT_SID,
  API_KEY_SECRET,
  API_KEY_SID,
  AUTH_TOKEN,
  buildSms,
  createIdempotencyTable,
  createTwilioSecret,
  idempotencyRecords,
  logLines,
  snsEvent,
  templateEnv,
} from './harness';

const TABLE = 'cloud-cron-sms-idempotency';
const ALICE = '+15551230001';
const BOB = '+15551230002';
const CAROL = '+15551230003';
const SENDER = '+15005550006';

type SmsResult = { messages: number; sent: number; refused: number; duplicates: number };

let moto: Moto;
let standin: TwilioStandin;
let tokenSecretArn: string;
let apiKeySecretArn: string;
let wrongSecretArn: string;

beforeAll(async () => {
  await buildSms();
  moto = await startMoto();
  standin = await startTwilioStandin({ [ACCOUNT_SID]: AUTH_TOKEN, [API_KEY_SID]: API_KEY_SECRET });
  tokenSecretArn = await createTwilioSecret(moto, 'cloud-cron/twilio', {
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
  });
  apiKeySecretArn = await createTwilioSecret(moto, 'cloud-cron/twilio-api-key', {
    accountSid: ACCOUNT_SID,
    apiKeySid: API_KEY_SID,
    apiKeySecret: API_KEY_SECRET,
  });
  wrongSecretArn = await createTwilioSecret(moto, 'cloud-cron/twilio-wrong', {
    accountSid: ACCOUNT_SID,
    authToken: 'not-the-token',
  });
  await createIdempotencyTable(moto, TABLE);
}, 120000);

afterAll(async () => {
  await standin?.stop();
  await moto?.stop();
});

beforeEach(() => standin.reset());

function env(params: Record<string, string>, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...moto.env,
    ...templateEnv({ TwilioSecretArn: tokenSecretArn, FromNumber: SENDER, ...params }, { IdempotencyTable: TABLE }),
    TWILIO_API_BASE_URL: standin.url,
    ...extra,
  };
}

function sentTo(to: string): number {
  return standin.requests.filter((r) => r.form.To === to).length;
}

function expectNoSecrets(results: InvokeResult[]): void {
  for (const r of results) {
    expect(r.logs).not.toContain(AUTH_TOKEN);
    expect(r.logs).not.toContain(API_KEY_SECRET);
  }
}

function ok(result: InvokeResult<SmsResult>): SmsResult {
  if (!result.ok) throw new Error(`invocation failed: ${result.error.name}: ${result.error.message}\n${result.logs}`);
  return result.result;
}

test('permanent errors for one recipient are logged with their code and do not stop the others', async () => {
  const recipients = [ALICE, MAGIC_NUMBERS.invalid, MAGIC_NUMBERS.optedOut, MAGIC_NUMBERS.regionNotEnabled, BOB];
  const event = snsEvent('sms-text.json', { messageId: randomUUID() });
  const [first] = await invokeBundle<SmsResult>('sms', [event], env({ Recipients: recipients.join(',') }));

  expect(ok(first)).toEqual({ messages: 1, sent: 2, refused: 3, duplicates: 0 });
  expect(standin.requests.map((r) => r.form.To)).toEqual(recipients);
  expect(standin.requests.map((r) => r.answered)).toEqual([201, 400, 400, 400, 201]);
  const refusals = logLines(first.logs).filter(
    (l) => l.message === 'Twilio refused this recipient permanently; not retried',
  );
  expect(refusals.map((l) => [l.level, l.code, l.recipient, l.recipientIndex])).toEqual([
    ['ERROR', 21211, '+15*******01', 1],
    ['ERROR', 21610, '+15*******04', 2],
    ['ERROR', 21408, '+15*******03', 3],
  ]);
  // Phone numbers appear masked only (Twilio's own messages quote them, and are logged at DEBUG only).
  for (const number of recipients) expect(first.logs).not.toContain(number);
  expectNoSecrets([first]);

  // SNS delivers the same message again: nobody is texted twice, refused numbers are not tried again.
  standin.reset();
  const [again] = await invokeBundle<SmsResult>('sms', [event], env({ Recipients: recipients.join(',') }));
  expect(ok(again)).toEqual({ messages: 1, sent: 0, refused: 0, duplicates: 5 });
  expect(standin.requests).toHaveLength(0);
});

test('a 429 is retried with backoff within the invocation and then succeeds', async () => {
  standin.script(
    ALICE,
    { status: 429, body: TWILIO_ERRORS.rateLimited() },
    { status: 429, body: TWILIO_ERRORS.rateLimited() },
  );
  const event = snsEvent('sms-text.json', { messageId: randomUUID() });
  const started = Date.now();
  const [result] = await invokeBundle<SmsResult>('sms', [event], env({ Recipients: `${ALICE},${BOB}` }));

  expect(ok(result)).toEqual({ messages: 1, sent: 2, refused: 0, duplicates: 0 });
  expect(sentTo(ALICE)).toBe(3);
  expect(sentTo(BOB)).toBe(1);
  const retries = logLines(result.logs).filter((l) => l.message === 'Retryable Twilio error, retrying');
  expect(retries.map((l) => [l.code, l.httpStatus, l.attempt])).toEqual([
    [20429, 429, 1],
    [20429, 429, 2],
  ]);
  // Backoff: at least half of 500 ms then half of 1000 ms ("equal jitter").
  expect(retries.map((l) => l.delayMs as number).every((d, i) => d >= 250 * 2 ** i)).toBe(true);
  expect(Date.now() - started).toBeGreaterThanOrEqual(750);
});

test('a persistent 429 fails the invocation after the others are sent; the retry texts only the unsent recipient', async () => {
  const rateLimited = { status: 429, body: TWILIO_ERRORS.rateLimited() };
  standin.script(BOB, rateLimited, rateLimited, rateLimited);
  const event = snsEvent('sms-json.json', { messageId: randomUUID() });
  const recipients = `${ALICE},${BOB},${CAROL}`;

  const [first] = await invokeBundle<SmsResult>('sms', [event], env({ Recipients: recipients }));
  expect(first.ok).toBe(false);
  if (first.ok) return;
  expect(first.error.name).toBe('DeliveryFailedError');
  expect(first.error.message).toContain('retryable 20429 (recipient 1 (+15*******02))');
  expect([sentTo(ALICE), sentTo(BOB), sentTo(CAROL)]).toEqual([1, 3, 1]);

  // Lambda's retry (a fresh process here): only BOB has no record, and now Twilio accepts.
  standin.reset();
  const [retry] = await invokeBundle<SmsResult>('sms', [event], env({ Recipients: recipients }));
  expect(ok(retry)).toEqual({ messages: 1, sent: 1, refused: 0, duplicates: 2 });
  expect(standin.requests.map((r) => r.form.To)).toEqual([BOB]);
  expectNoSecrets([first, retry]);
});

test('5xx answers and timeouts are retryable', async () => {
  standin.script(
    ALICE,
    { status: 500, body: TWILIO_ERRORS.internal() },
    { status: 500, body: TWILIO_ERRORS.internal(), delayMs: 3000 }, // slower than the client timeout below
  );
  const event = snsEvent('sms-text.json', { messageId: randomUUID() });
  const [result] = await invokeBundle<SmsResult>(
    'sms',
    [event],
    env({ Recipients: ALICE }, { TWILIO_TIMEOUT_MS: '400' }),
  );

  expect(ok(result)).toEqual({ messages: 1, sent: 1, refused: 0, duplicates: 0 });
  expect(sentTo(ALICE)).toBe(3);
  const retries = logLines(result.logs).filter((l) => l.message === 'Retryable Twilio error, retrying');
  expect(retries.map((l) => l.code)).toEqual([20500, 'ETIMEDOUT']);
});

test('an API key secret authenticates as the key on the account, and a Messaging Service can be the sender', async () => {
  const service = `MG${'a1'.repeat(16)}`;
  const event = snsEvent('sms-text.json', { messageId: randomUUID() });
  const [result] = await invokeBundle<SmsResult>(
    'sms',
    [event],
    env({ TwilioSecretArn: apiKeySecretArn, FromNumber: '', MessagingServiceSid: service, Recipients: ALICE }),
  );

  expect(ok(result).sent).toBe(1);
  expect(standin.requests).toHaveLength(1);
  const [request] = standin.requests;
  expect(request.username).toBe(API_KEY_SID);
  expect(request.accountSid).toBe(ACCOUNT_SID);
  expect(request.form).toEqual({
    To: ALICE,
    MessagingServiceSid: service,
    Body: 'Nightly backup failed\nThe nightly backup of db-prod-1 failed at 02:13 UTC: disk full on /var/backups.',
  });
  expectNoSecrets([result]);
});

test('credentials Twilio refuses fail the invocation without retrying each recipient, and are never logged', async () => {
  const event = snsEvent('sms-text.json', { messageId: randomUUID() });
  const [result] = await invokeBundle<SmsResult>(
    'sms',
    [event],
    env({ TwilioSecretArn: wrongSecretArn, Recipients: `${ALICE},${BOB}` }),
  );

  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.error.name).toBe('DeliveryFailedError');
  expect(result.error.message).toContain('paused 20003');
  expect(standin.requests.map((r) => [r.form.To, r.answered])).toEqual([
    [ALICE, 401],
    [BOB, 401],
  ]);
  expect(result.logs).not.toContain('not-the-token');
});

test('a body over 1,600 characters is cut with an ellipsis and a warning; the segment count Twilio reports is logged', async () => {
  const event = snsEvent('sms-long.json', { messageId: randomUUID() });
  const [result] = await invokeBundle<SmsResult>('sms', [event], env({ Recipients: ALICE }));

  expect(ok(result).sent).toBe(1);
  const body = standin.requests[0].form.Body;
  expect(body.length).toBeLessThanOrEqual(1600);
  expect(body.length).toBeGreaterThan(1580);
  expect(body).toMatch(/\S\.\.\.$/); // GSM-7 text: "..." (not "…"), after a whole word
  expect(event.Records[0].Sns.Message.startsWith(`${body.slice(0, -3)} `)).toBe(true);
  const lines = logLines(result.logs);
  const warning = lines.find((l) => l.message === 'SMS body longer than Twilio allows; cut with an ellipsis');
  expect(warning).toMatchObject({
    level: 'WARN',
    originalLength: event.Records[0].Sns.Message.length,
    length: body.length,
  });
  const sent = lines.find((l) => l.message === 'SMS sent');
  expect(sent).toMatchObject({ numSegments: 11, twilioStatus: 'queued' });
  expect(String(sent?.sid)).toMatch(/^SM[0-9a-f]{32}$/);
});

test('the idempotency table holds one record per message and recipient, keyed by a hash (no phone numbers)', async () => {
  const messageId = randomUUID();
  const before = (await idempotencyRecords(moto, TABLE)).length;
  await invokeBundle<SmsResult>(
    'sms',
    [snsEvent('sms-text.json', { messageId })],
    env({ Recipients: `${ALICE},${BOB}` }),
  );
  const records = await idempotencyRecords(moto, TABLE);
  expect(records.length - before).toBe(2);
  const text = JSON.stringify(records);
  expect(text).not.toContain(ALICE.slice(1));
  expect(text).not.toContain(messageId);
});
