/**
 * Issue 18, section 3, for the SMS channel: each defect the security review found, as a test that failed before
 * its fix. The handler runs as deployed (functions/sms/index.ts) against the loopback Twilio stand-in, with
 * Secrets Manager and DynamoDB mocked.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { DeleteItemCommand, DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context, SNSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { contextFromSns } from '../../../functions/common/context';
import { deliverToAll } from '../../../functions/sms/deliver';
import { createRenderer, renderBody } from '../../../functions/sms/render';
import { invokeErrorJson, invokeErrorText, rapidResponse } from '../../../tooling/lambda-runtime';
import { EVENTS } from '../../../tooling/paths';
import { startTwilioStandin, TWILIO_ERRORS, type TwilioStandin } from '../../../tooling/twilio-standin';

const AC = `AC${'0123456789abcdef'.repeat(2)}`;
const TOKEN = 'defects-test-token-5e4d3c';
const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:cloud-cron/twilio-AbCdEf';
const A = '+15551230001';
const B = '+15551230002';

const secrets = mockClient(SecretsManagerClient);
const dynamo = mockClient(DynamoDBClient);
const context = {
  functionName: 'sms',
  awsRequestId: 'r',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;
type Handler = (event: unknown, context: Context) => Promise<{ sent: number; refused: number; duplicates: number }>;

let standin: TwilioStandin;
let handler: Handler;
let logged = '';
const savedEnv = { ...process.env };

const sample = (messageId = 'd-1') => {
  const e = JSON.parse(readFileSync(join(EVENTS, 'sms-text.json'), 'utf8')) as SNSEvent;
  e.Records[0].Sns.MessageId = messageId;
  return e;
};

beforeAll(async () => {
  standin = await startTwilioStandin({ [AC]: TOKEN });
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    TWILIO_SECRET_ARN: ARN,
    TWILIO_FROM: '+15005550006',
    TWILIO_MESSAGING_SERVICE_SID: '',
    RECIPIENTS: `${A},${B}`,
    MESSAGE_TEMPLATE: '',
    IDEMPOTENCY_TABLE: 'sms-table',
    TWILIO_API_BASE_URL: standin.url,
    TWILIO_MAX_ATTEMPTS: '1',
    POWERTOOLS_SERVICE_NAME: 'cloud-cron-sms',
  });
  for (const stream of [process.stdout, process.stderr]) {
    jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      logged += chunk.toString();
      return true;
    });
  }
  handler = (await import('../../../functions/sms/index')).handler as Handler;
});

afterAll(async () => {
  jest.restoreAllMocks();
  process.env = savedEnv;
  await standin.stop();
});

beforeEach(() => {
  standin.reset();
  secrets.reset();
  dynamo.reset();
  secrets
    .on(GetSecretValueCommand)
    .resolves({ SecretString: JSON.stringify({ accountSid: AC, authToken: TOKEN }), ARN });
  dynamo.on(PutItemCommand).resolves({});
  dynamo.on(UpdateItemCommand).resolves({});
  dynamo.on(DeleteItemCommand).resolves({});
  logged = '';
});

describe('silent drops', () => {
  test.each([
    ['{}', {}],
    ['{"Records": []}', { Records: [] }],
    ['an EventBridge event', { version: '0', 'detail-type': 'Scheduled Event', source: 'aws.scheduler', detail: {} }],
    ['a pasted aws sqs receive-message body', { Messages: [{ MessageId: 'm', Body: '{"Message":"x"}' }] }],
  ])('%s fails naming what is missing, and nothing is sent', async (_name, event) => {
    await expect(handler(event, context)).rejects.toMatchObject({ name: 'InvalidEventError' });
    expect(standin.requests).toHaveLength(0);
  });

  test('a record without a message id is refused before any idempotency record', async () => {
    const event = sample();
    (event.Records[0].Sns as { MessageId?: string }).MessageId = '';
    await expect(handler(event, context)).rejects.toThrow('Records[0].Sns.MessageId is missing');
    expect(dynamo.commandCalls(PutItemCommand)).toHaveLength(0);
  });
});

test("personal data: no full phone number in the runtime's Invoke Error line, its JSON log, the DLQ reason or the logs", async () => {
  standin.script(A, { status: 500, body: TWILIO_ERRORS.internal() });
  standin.script(B, { status: 400, body: TWILIO_ERRORS.invalidNumber(B) });
  const error = await handler(sample('d-pii'), context).catch((e: Error) => e);
  expect(error).toBeInstanceOf(Error);
  const texts = [invokeErrorText(error), invokeErrorJson(error), JSON.stringify(rapidResponse(error)), logged];
  const logger = new Logger({ serviceName: 'x' });
  let loggerLine = '';
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => {
    loggerLine += String(c);
    return true;
  });
  logger.error('failed', { error: error as Error });
  spy.mockRestore();
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    logged += chunk.toString();
    return true;
  });
  texts.push(loggerLine);
  for (const text of texts) {
    expect(text).not.toContain(A);
    expect(text).not.toContain(B);
    expect(text).not.toContain('15551230001');
  }
  expect(rapidResponse(error).errorMessage).toContain('retryable 20500');
});

test('a message of zero-width characters only is refused as empty, not sent as an invisible text', () => {
  const ctx = contextFromSns({
    ...sample().Records[0].Sns,
    Subject: '',
    Message: '\u200b\u200c\u200d\u2060\ufeff \u200e',
  });
  expect(() => renderBody(createRenderer(undefined), ctx)).toThrow(
    expect.objectContaining({ name: 'EmptyMessageError' }),
  );
  expect(() => renderBody(createRenderer('{{rawMessage}}'), ctx)).toThrow(
    expect.objectContaining({ name: 'EmptyMessageError' }),
  );
});

test('50 recipients and a slow Twilio: no first attempt starts without time to finish it, and those left are retried later', async () => {
  let clock = 0;
  const deadline = 120_000;
  const started: string[] = [];
  const keys: string[] = [];
  const recipients = Array.from({ length: 50 }, (_, i) => `+1555000${String(i).padStart(4, '0')}`);
  const summary = await deliverToAll('m-slow', 'hello', recipients, {
    // Each send takes 4.5 s of the invocation's 120 s.
    send: async (to) => {
      started.push(to);
      clock += 4500;
      return { sid: `SM${to}`, status: 'queued', numSegments: 1 };
    },
    once: async (key, work) => {
      keys.push(key);
      return work();
    },
    logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    maxAttempts: 3,
    timeoutMs: 5000,
    remainingMs: () => deadline - clock,
  });
  // 120 s, 5 s per attempt plus 1 s margin: attempts start while at least 6 s are left.
  expect(started.length).toBeLessThan(50);
  expect(clock).toBeLessThanOrEqual(deadline - 1000);
  expect(summary.sent).toBe(started.length);
  expect(summary.unsent.map((u) => u.recipient)).toEqual(recipients.slice(started.length));
  expect(summary.unsent.every((u) => u.failure.kind === 'retryable')).toBe(true);
  // Recipients not tried get no idempotency record at all (none left in progress).
  expect(keys).toHaveLength(started.length);
});

test.each([
  ['an HTML page', { status: 200, body: null, raw: '<html><body>OK</body></html>', contentType: 'text/html' }],
  ['a JSON string', { status: 200, body: 'queued' }],
  ['an empty body', { status: 201, body: null, raw: '' }],
])('a 2xx answer with %s is taken as accepted (never resent) and its record completed', async (_name, reply) => {
  standin.script(A, reply);
  const result = await handler(sample(`d-2xx-${_name}`), context);
  expect(result).toMatchObject({ sent: 2 });
  // The record of A was completed (UpdateItem), not deleted, and not left in progress.
  expect(dynamo.commandCalls(UpdateItemCommand)).toHaveLength(2);
  expect(dynamo.commandCalls(DeleteItemCommand)).toHaveLength(0);
  expect(logged).toContain('Twilio accepted the message but its answer could not be read');
});
