/**
 * Issue 18, section 3, for the email channel: each defect the security review found, as a test that failed
 * before its fix (the note on issue 18 records the failures).
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Logger } from '@aws-lambda-powertools/logger';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { MessageRejected, SESv2Client, SendEmailCommand, type SendEmailCommandInput } from '@aws-sdk/client-sesv2';
import { sdkStreamMixin } from '@smithy/util-stream';
import type { Context, SNSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { contextFromSns } from '../../../functions/common/context';
import type { Idempotency } from '../../../functions/common/idempotency';
import { parseMailbox } from '../../../functions/email/addresses';
import { createEmailHandler } from '../../../functions/email/app';
import { renderEmail } from '../../../functions/email/compose';
import { loadConfig } from '../../../functions/email/config';
import { assertSesSize } from '../../../functions/email/send';
import { compileTemplates, createTemplateProvider, readS3Templates } from '../../../functions/email/templates';
import { readTemplate } from '../../../tooling/cfn';
import { invokeErrorJson, invokeErrorText, rapidResponse } from '../../../tooling/lambda-runtime';
import { EVENTS } from '../../../tooling/paths';

const ses = mockClient(SESv2Client);
const context = {
  functionName: 'email',
  awsRequestId: 'r',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;
const sample = () => JSON.parse(readFileSync(join(EVENTS, 'email-json.json'), 'utf8')) as SNSEvent;

function memoryIdempotency(): Idempotency & { calls: number } {
  const stored = new Map<string, Record<string, unknown>>();
  return {
    calls: 0,
    async once(key, work) {
      this.calls += 1;
      if (!key) throw new TypeError('empty key');
      const found = stored.get(key);
      if (found) return found as never;
      const r = await work();
      stored.set(key, r);
      return r;
    },
    registerContext: () => undefined,
  };
}

function setup(env: Record<string, string> = {}) {
  const config = loadConfig({
    SENDER: 'Cron <cron@example.com>',
    RECIPIENTS: 'alice@example.org',
    IDEMPOTENCY_TABLE: 't',
    ...env,
  });
  const idempotency = memoryIdempotency();
  let out = '';
  const capture = (chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  };
  jest.spyOn(process.stdout, 'write').mockImplementation(capture);
  jest.spyOn(process.stderr, 'write').mockImplementation(capture);
  const handler = createEmailHandler({
    config,
    ses: new SESv2Client({ region: 'us-east-1' }),
    templates: createTemplateProvider({ inline: config.templates }),
    idempotency,
    logger: new Logger({ serviceName: 'test' }),
  });
  return { handler, idempotency, logs: () => out };
}

beforeEach(() => {
  ses.reset();
  ses.on(SendEmailCommand).resolves({ MessageId: 'ses-id' });
});
afterEach(() => jest.restoreAllMocks());

describe('silent drops', () => {
  const eventBridge = { version: '0', 'detail-type': 'Scheduled Event', source: 'aws.scheduler', detail: {} };
  const sqsReceive = { Messages: [{ MessageId: 'm', Body: '{"Type":"Notification","Message":"x"}' }] };
  test.each([
    ['{}', {}],
    ['{"Records": []}', { Records: [] }],
    ['an EventBridge event', eventBridge],
    ['a pasted aws sqs receive-message body', sqsReceive],
  ])('%s fails naming what is missing, and nothing is sent', async (_name, event) => {
    const { handler } = setup();
    await expect(handler(event as unknown as SNSEvent, context)).rejects.toMatchObject({ name: 'InvalidEventError' });
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
  });

  test('records without a message id never share an idempotency key: they are refused', async () => {
    const { handler, idempotency } = setup();
    const event = sample();
    delete (event.Records[0].Sns as Partial<SNSEvent['Records'][0]['Sns']>).MessageId;
    await expect(handler(event, context)).rejects.toThrow('Records[0].Sns.MessageId is missing');
    expect(idempotency.calls).toBe(0);
  });
});

describe('personal data in logs', () => {
  const rejection = () =>
    new MessageRejected({
      message:
        'Email address is not verified. The following identities failed the check in region US-EAST-1: alice@example.org, Bob <bob@example.org>',
      $metadata: { httpStatusCode: 400 },
    });

  test("SES's error text naming addresses reaches neither the logs, the runtime's Invoke Error line, nor the DLQ reason", async () => {
    ses.on(SendEmailCommand).rejects(rejection());
    const { handler, logs } = setup();
    const error = await handler(sample(), context).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    const everything = [logs(), invokeErrorText(error), invokeErrorJson(error), JSON.stringify(rapidResponse(error))];
    for (const text of everything) {
      expect(text).not.toContain('alice@example.org');
      expect(text).not.toContain('bob@example.org');
    }
    expect(rapidResponse(error).errorMessage).toContain('MessageRejected');
    expect(rapidResponse(error).errorMessage).toContain('a***@example.org');
  });
});

describe('amplification', () => {
  const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

  test('a 6 KB message nested 1,000 levels renders a small email', () => {
    const message = nested(1000);
    expect(message.length).toBeLessThan(7000);
    const email = renderEmail(compileTemplates({}), contextFromSns({ ...sample().Records[0].Sns, Message: message }));
    expect(email.html.length + email.text.length).toBeLessThan(200_000);
    expect(email.text).toContain('nested deeper than');
  });

  test('a message nested 100,000 levels does not overflow the stack', () => {
    const ctx = contextFromSns({ ...sample().Records[0].Sns, Message: nested(100_000) });
    const templates = compileTemplates({ html: { source: '<pre>{{json message}}</pre>', name: 'HtmlTemplate' } });
    expect(() => renderEmail(templates, ctx)).not.toThrow();
  });

  test('a template that multiplies the message is cut, with a marker, before SES sees it', async () => {
    const big = 'x'.repeat(100_000);
    const { handler } = setup({ HTML_TEMPLATE: `{{#each message.list}}${'{{../message.big}}'.repeat(10)}{{/each}}` });
    const event = sample();
    event.Records[0].Sns.Message = JSON.stringify({ big, list: Array.from({ length: 50 }, (_, i) => i) });
    await handler(event, context);
    const input = ses.commandCalls(SendEmailCommand)[0].args[0].input as SendEmailCommandInput;
    const html = input.Content?.Simple?.Body?.Html?.Data ?? '';
    expect(html.length).toBeLessThanOrEqual(2_000_000);
    expect(html).toContain('cut by Cloud Cron');
  });

  test("SES's 40 MB limit is checked before sending", () => {
    const email = { subject: 's', html: 'h'.repeat(1000), text: 't'.repeat(1000) };
    expect(() => assertSesSize(email)).not.toThrow();
    expect(() => assertSesSize(email, 2000)).toThrow(/larger than SES accepts/);
    expect(() => assertSesSize(email, 2000)).toThrow(expect.objectContaining({ name: 'PermanentSendError' }));
  });
});

describe('subjects and the sender', () => {
  test('C1 controls, line separators and bidi overrides never reach the subject', () => {
    const sns = {
      ...sample().Records[0].Sns,
      Subject: 'Invoice\u0085 paid\u2028\u2029 \u202eexe.fdp\u202c \u2066x\u2069 \u009b31m',
    };
    const email = renderEmail(
      compileTemplates({ subject: { source: '{{subject}}', name: 'SubjectTemplate' } }),
      contextFromSns(sns),
    );
    expect(email.subject).toBe('Invoice paid exe.fdp x 31m');
    expect(renderEmail(compileTemplates({}), contextFromSns(sns)).subject).toBe('Invoice paid exe.fdp x 31m');
  });

  const template = readTemplate('template-email.yaml');
  /** CloudFormation matches the whole value against AllowedPattern. */
  const patternAccepts = (value: string) =>
    new RegExp(`^(?:${template.Parameters?.Sender.AllowedPattern})$`).test(value);
  const parserAccepts = (value: string) => {
    try {
      parseMailbox(value, 'SENDER');
      return true;
    } catch {
      return false;
    }
  };
  test.each([
    ['cron@example.com', true],
    ['Cloud Cron <cron@example.com>', true],
    ['"Cron, Jobs" <cron@example.com>', true],
    ['Crôn Jöbs <cron@example.com>', true],
    ['Cron\u2028Jobs <cron@example.com>', false],
    ['Cron\u2029 <cron@example.com>', false],
    ['Cron\u0085 <cron@example.com>', false],
    ['Cron \u202eevil <cron@example.com>', false],
    ['Cron\u2066 <cron@example.com>', false],
    ['Cron\r\nBcc: x <cron@example.com>', false],
    ['Cron <cron@example.com', false],
  ])('Sender %j: the template pattern and the parser agree (accepted: %s)', (value, accepted) => {
    expect([patternAccepts(value), parserAccepts(value)]).toEqual([accepted, accepted]);
  });
});

test('templates from S3 are read only from a bucket of the stack account (ExpectedBucketOwner)', async () => {
  const s3 = mockClient(S3Client);
  s3.on(GetObjectCommand).callsFake(() => ({
    Body: sdkStreamMixin(Readable.from([Buffer.from('Hi {{subject}}')])) as never,
  }));
  await readS3Templates(new S3Client({ region: 'us-east-1' }), {
    uri: 's3://b/p/',
    bucket: 'b',
    prefix: 'p/',
    expectedOwner: '123456789012',
  });
  const inputs = s3.commandCalls(GetObjectCommand).map((c) => c.args[0].input);
  expect(inputs.length).toBeGreaterThan(0);
  for (const input of inputs) expect(input.ExpectedBucketOwner).toBe('123456789012');
  s3.restore();
});
