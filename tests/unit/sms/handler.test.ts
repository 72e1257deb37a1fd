/**
 * The handler with mocked AWS clients (Secrets Manager through Powertools Parameters, DynamoDB through Powertools
 * Idempotency) and the loopback Twilio stand-in: secret caching and refresh, idempotency records, failures.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeleteItemCommand, DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context, SNSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { EVENTS } from '../../../tooling/paths';
import { startTwilioStandin, type TwilioStandin } from '../../../tooling/twilio-standin';

const AC = `AC${'0123456789abcdef'.repeat(2)}`;
const TOKEN = 'handler-test-token-8c7b6a';
const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:cloud-cron/twilio-AbCdEf';
const A = '+15551230001';
const B = '+15551230002';

const secrets = mockClient(SecretsManagerClient);
const dynamo = mockClient(DynamoDBClient);
const context = {
  functionName: 'sms',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

type Handler = (event: SNSEvent, context: Context) => Promise<{ sent: number; refused: number; duplicates: number }>;
let standin: TwilioStandin;
/** What the stand-in accepts (read on every request, so a test can "rotate" the token). */
const accepted: Record<string, string> = { [AC]: TOKEN };
let handler: Handler;
const savedEnv = { ...process.env };
let stdout: jest.SpyInstance;
let logged = '';

function event(messageId: string, message?: string): SNSEvent {
  const e = JSON.parse(readFileSync(join(EVENTS, 'sms-text.json'), 'utf8')) as SNSEvent;
  e.Records[0].Sns.MessageId = messageId;
  if (message !== undefined) e.Records[0].Sns.Message = message;
  return e;
}

function secretString(token: string) {
  return { SecretString: JSON.stringify({ accountSid: AC, authToken: token }), ARN };
}

beforeAll(async () => {
  standin = await startTwilioStandin(accepted);
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    TWILIO_SECRET_ARN: ARN,
    TWILIO_FROM: '+15005550006',
    TWILIO_MESSAGING_SERVICE_SID: '',
    RECIPIENTS: `${A},${B}`,
    MESSAGE_TEMPLATE: '{{#if subject}}{{subject}}: {{/if}}{{rawMessage}}',
    IDEMPOTENCY_TABLE: 'sms-table',
    TWILIO_API_BASE_URL: standin.url,
    TWILIO_MAX_ATTEMPTS: '1',
    POWERTOOLS_SERVICE_NAME: 'cloud-cron-sms',
  });
  stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    logged += chunk.toString();
    return true;
  });
  handler = (await import('../../../functions/sms/index')).handler as Handler;
});

afterAll(async () => {
  stdout.mockRestore();
  process.env = savedEnv;
  await standin.stop();
});

beforeEach(() => {
  standin.reset();
  secrets.reset();
  dynamo.reset();
  dynamo.on(PutItemCommand).resolves({});
  dynamo.on(UpdateItemCommand).resolves({});
  dynamo.on(DeleteItemCommand).resolves({});
  logged = '';
});

test('texts every recipient, records each (message, recipient) once, and reads the secret once across invocations', async () => {
  secrets.on(GetSecretValueCommand).resolves(secretString(TOKEN));
  expect(await handler(event('h-1'), context)).toEqual({ messages: 1, sent: 2, refused: 0, duplicates: 0 });
  expect(await handler(event('h-2'), context)).toEqual({ messages: 1, sent: 2, refused: 0, duplicates: 0 });

  expect(standin.requests.map((r) => r.form.To)).toEqual([A, B, A, B]);
  expect(standin.requests[0].form.Body).toBe(
    'Nightly backup failed: The nightly backup of db-prod-1 failed at 02:13 UTC: disk full on /var/backups.',
  );
  // Read at first use, then served from the cache (max age 5 minutes).
  expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
  expect(secrets).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: ARN });
  const puts = dynamo.commandCalls(PutItemCommand).map((c) => c.args[0].input);
  expect(puts).toHaveLength(4);
  expect(new Set(puts.map((p) => p.Item?.id?.S)).size).toBe(4);
  // Ids are the prefix and an MD5 of the key: no phone number is stored.
  for (const put of puts) expect(put.Item?.id?.S).toMatch(/^cloud-cron-sms#[A-Za-z0-9+/]{22}==$/);
  expect(logged).toContain('"message":"SMS sent"');
  expect(logged).not.toContain(TOKEN);
});

test('a message that renders to nothing fails before anything is sent', async () => {
  secrets.on(GetSecretValueCommand).resolves(secretString(TOKEN));
  const e = event('h-3', '');
  e.Records[0].Sns.Subject = '';
  await expect(handler(e, context)).rejects.toMatchObject({
    name: 'DeliveryFailedError',
    message: expect.stringContaining('message EmptyMessageError'),
  });
  expect(standin.requests).toHaveLength(0);
});

test('after Twilio refuses the credentials the invocation fails, and the next one reads the (rotated) secret again', async () => {
  secrets.on(GetSecretValueCommand).resolves(secretString('rotated-token'));
  // The token was rotated; the function still holds the old one in its cache. (Runs last: it leaves the module
  // holding the rotated token.)
  accepted[AC] = 'rotated-token';
  await expect(handler(event('h-rot'), context)).rejects.toMatchObject({ name: 'DeliveryFailedError', kind: 'paused' });
  expect(standin.requests.map((r) => r.answered)).toEqual([401, 401]);
  expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 0);

  // Lambda retries the event: the secret is read again, bypassing the cache, and both recipients are texted.
  expect(await handler(event('h-rot'), context)).toMatchObject({ sent: 2 });
  expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
  expect(logged).not.toContain('rotated-token');
});

test('bad configuration fails at init, naming the variable and its parameter', async () => {
  const saved = process.env.RECIPIENTS;
  process.env.RECIPIENTS = '+15551230001,555';
  try {
    await jest.isolateModulesAsync(async () => {
      await expect(import('../../../functions/sms/index')).rejects.toThrow(
        'RECIPIENTS (parameter Recipients) must hold E.164 numbers such as +15551234567; not valid: 555',
      );
    });
  } finally {
    process.env.RECIPIENTS = saved;
  }
});
