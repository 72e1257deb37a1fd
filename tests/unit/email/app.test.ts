/**
 * The email handler's flow (functions/email/app.ts) with SES mocked and an in-memory idempotency store.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import {
  MessageRejected,
  SESv2Client,
  SendEmailCommand,
  type SendEmailCommandInput,
  SendingPausedException,
  TooManyRequestsException,
} from '@aws-sdk/client-sesv2';
import type { Context, SNSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Idempotency } from '../../../functions/common/idempotency';
import { TemplateError } from '../../../functions/common/render';
import { createEmailHandler } from '../../../functions/email/app';
import { loadConfig } from '../../../functions/email/config';
import { PermanentSendError, RetryableSendError, SendingPausedError } from '../../../functions/email/errors';
import { createTemplateProvider } from '../../../functions/email/templates';
import { EVENTS } from '../../../tooling/paths';

const ses = mockClient(SESv2Client);
const context = {
  functionName: 'email-fn',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;
const event = JSON.parse(readFileSync(join(EVENTS, 'email-json.json'), 'utf8')) as SNSEvent;
const recipients = (n: number) => Array.from({ length: n }, (_, i) => `person${i}@example.org`);

/** Records results on success only, like Powertools Idempotency. */
function memoryIdempotency(): Idempotency & { keys: Set<string>; contexts: Context[] } {
  const stored = new Map<string, Record<string, unknown>>();
  const contexts: Context[] = [];
  return {
    keys: new Set(),
    contexts,
    async once(key, work) {
      const found = stored.get(key);
      if (found) return found as never;
      const result = await work();
      stored.set(key, result);
      this.keys.add(key);
      return result;
    },
    registerContext: (c) => contexts.push(c),
  };
}

function setup(env: Record<string, string> = {}) {
  const config = loadConfig({
    SENDER: 'Cron <cron@example.com>',
    RECIPIENTS: 'a@example.org',
    IDEMPOTENCY_TABLE: 't',
    ...env,
  });
  const idempotency = memoryIdempotency();
  const lines: string[] = [];
  const logger = new Logger({ serviceName: 'test', logLevel: 'INFO' });
  const capture = (chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  };
  jest.spyOn(process.stdout, 'write').mockImplementation(capture);
  jest.spyOn(process.stderr, 'write').mockImplementation(capture);
  const handler = createEmailHandler({
    config,
    ses: new SESv2Client({ region: 'us-east-1' }),
    templates: createTemplateProvider({ inline: config.templates }),
    idempotency,
    logger,
  });
  return {
    handler,
    idempotency,
    logs: () =>
      lines
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
  };
}

const sentInputs = () => ses.commandCalls(SendEmailCommand).map((c) => c.args[0].input as SendEmailCommandInput);

beforeEach(() => {
  ses.reset();
  ses.on(SendEmailCommand).resolves({ MessageId: 'ses-id' });
});
afterEach(() => jest.restoreAllMocks());

test('renders the message and sends one email per batch of at most 50 recipients', async () => {
  const { handler, idempotency } = setup({
    RECIPIENTS: recipients(70).join(','),
    SUBJECT_TEMPLATE: '{{message.job}}: {{message.status}}',
  });
  const result = await handler(event, context);
  expect(result.sends.map((s) => [s.batch, s.recipients, s.duplicate])).toEqual([
    [1, 50, false],
    [2, 20, false],
  ]);
  const inputs = sentInputs();
  expect(inputs.map((i) => i.Destination?.ToAddresses)).toEqual([
    recipients(70).slice(0, 50),
    recipients(70).slice(50),
  ]);
  expect(inputs[0].Content?.Simple?.Subject?.Data).toBe('invoice-export: failed');
  expect(inputs[0].Content?.Simple?.Body?.Text?.Data).toMatch(/^status {11}failed$/m);
  expect(idempotency.keys.size).toBe(2);
  expect(idempotency.contexts).toEqual([context]);
});

test('a redelivered message (same MessageId) sends nothing', async () => {
  const { handler } = setup();
  await handler(event, context);
  const again = await handler(structuredClone(event), context);
  expect(again.sends).toEqual([expect.objectContaining({ duplicate: true, sesMessageId: 'ses-id' })]);
  expect(ses).toHaveReceivedCommandTimes(SendEmailCommand, 1);
});

test('a failure in the second batch fails the invocation; the retry sends only that batch', async () => {
  const { handler } = setup({ RECIPIENTS: recipients(60).join(',') });
  ses
    .on(SendEmailCommand)
    .resolvesOnce({ MessageId: 'first' })
    .rejectsOnce(new TooManyRequestsException({ message: 'slow down', $metadata: {} }))
    .resolves({ MessageId: 'second' });
  await expect(handler(event, context)).rejects.toMatchObject({
    name: 'DeliveryFailedError',
    cause: expect.any(RetryableSendError),
  });
  const retry = await handler(event, context);
  expect(retry.sends.map((s) => [s.sesMessageId, s.duplicate])).toEqual([
    ['first', true],
    ['second', false],
  ]);
  const batches = sentInputs().map((i) => i.Destination?.ToAddresses?.length);
  expect(batches).toEqual([50, 10, 10]);
});

test('a broken template fails before anything is sent, naming the template in the error and the log', async () => {
  const { handler, logs } = setup({ TEXT_TEMPLATE: '{{#each message}}{{/if}}' });
  const failure = await handler(event, context).catch((e: unknown) => e);
  expect(failure).toMatchObject({ name: 'DeliveryFailedError', kind: 'message' });
  const error = (failure as { cause: unknown }).cause;
  expect(error).toBeInstanceOf(TemplateError);
  expect((error as TemplateError).message).toMatch(
    /^template TextTemplate \(TEXT_TEMPLATE\) is invalid: it does not compile/,
  );
  expect(ses).toHaveReceivedCommandTimes(SendEmailCommand, 0);
  expect(logs()).toEqual([
    expect.objectContaining({
      level: 'ERROR',
      template: 'TextTemplate (TEXT_TEMPLATE)',
      snsMessageId: event.Records[0].Sns.MessageId,
    }),
  ]);
});

test('an SES refusal is permanent and rethrown unchanged in class', async () => {
  ses.on(SendEmailCommand).rejects(new MessageRejected({ message: 'Email address is not verified.', $metadata: {} }));
  const { handler, logs } = setup();
  await expect(handler(event, context)).rejects.toMatchObject({
    name: 'DeliveryFailedError',
    cause: expect.any(PermanentSendError),
  });
  expect(logs()).toEqual([expect.objectContaining({ level: 'ERROR', code: 'MessageRejected', retryable: false })]);
});

test('a paused account logs the line the ChannelPaused alarm counts', async () => {
  ses.on(SendEmailCommand).rejects(new SendingPausedException({ message: 'paused', $metadata: {} }));
  const { handler, logs } = setup();
  await expect(handler(event, context)).rejects.toMatchObject({
    name: 'DeliveryFailedError',
    cause: expect.any(SendingPausedError),
  });
  expect(logs()).toEqual([
    expect.objectContaining({
      level: 'ERROR',
      alarm: 'ChannelPaused',
      function_name: 'email-fn',
      code: 'SendingPausedException',
    }),
  ]);
});

test('INFO logs carry counts and ids, never recipients, subject or body', async () => {
  const { handler, logs } = setup({ RECIPIENTS: 'secret.person@example.org', CC_RECIPIENTS: 'hidden@example.org' });
  await handler(event, context);
  const text = JSON.stringify(logs());
  expect(logs()).toEqual([
    expect.objectContaining({
      level: 'INFO',
      message: 'email sent',
      recipients: 2,
      batches: 1,
      sesMessageId: 'ses-id',
    }),
  ]);
  for (const secret of ['secret.person', 'hidden@', 'invoice-export', 'Connection', 'Notification from']) {
    expect(text).not.toContain(secret);
  }
});
