/**
 * The built email bundle (dist/email/index.js) against moto_server on loopback, with the environment the
 * template sets: SES v2 receives the rendered email (recorded on the wire and read back from moto), the
 * idempotency records live in moto's DynamoDB, and S3 templates come from moto's S3.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import type { SNSEvent } from 'aws-lambda';
import { buildAll } from '../../../tooling/build';
import { readTemplate } from '../../../tooling/cfn';
import { type EmailRecorder, type RecordedSend, startEmailRecorder } from '../../../tooling/email-recorder';
import { createIdempotencyTable } from '../../../tooling/idempotency-table';
import { invokeBundle } from '../../../tooling/invoke';
import { type Moto, startMoto } from '../../../tooling/moto';
import { EVENTS, ROOT } from '../../../tooling/paths';
import { functionEnvironment } from '../../../tooling/template-env';

jest.setTimeout(120_000);

const TABLE = 'email-idempotency';
const SENDER = 'Cloud Cron <cron@example.com>';

let moto: Moto;
let recorder: EmailRecorder;
let tableCount = 0;

type EmailResult = { sends: { batch: number; recipients: number; duplicate: boolean; sesMessageId: string }[] };

function event(name: string): SNSEvent {
  return JSON.parse(readFileSync(join(EVENTS, name), 'utf8')) as SNSEvent;
}

/** The same event with a new SNS MessageId (a different message). */
function withMessageId(e: SNSEvent, messageId: string): SNSEvent {
  const copy = structuredClone(e);
  copy.Records[0].Sns.MessageId = messageId;
  return copy;
}

/** The function's environment exactly as template-email.yaml sets it, Refs resolved. */
function templateEnv(parameters: Record<string, string>, resources: Record<string, string>): Record<string, string> {
  return functionEnvironment(readTemplate('template-email.yaml'), 'EmailFunction', { parameters, resources });
}

/** A fresh idempotency table per test, like a fresh stack. */
async function newTable(): Promise<string> {
  return createIdempotencyTable(
    new DynamoDBClient(moto.client),
    `${TABLE}-${++tableCount}`,
    readTemplate('template-email.yaml'),
  );
}

async function envFor(parameters: Record<string, string>): Promise<Record<string, string>> {
  const table = await newTable();
  return {
    ...moto.env,
    AWS_ENDPOINT_URL: recorder.endpoint,
    AWS_LAMBDA_FUNCTION_NAME: 'cloud-cron-email-test',
    ...templateEnv({ Sender: SENDER, Recipients: 'alice@example.org', ...parameters }, { IdempotencyTable: table }),
  };
}

type MotoSent = { id: string; source: string; subject: string; body: string; destinations: Record<string, string[]> };

/** What moto's SES stored (its "Message" models in /moto-api/data.json): one entry per accepted send. */
async function motoSent(): Promise<MotoSent[]> {
  const data = (await (await fetch(`${moto.endpoint}/moto-api/data.json`)).json()) as {
    ses?: { Message?: MotoSent[] };
  };
  return data.ses?.Message ?? [];
}

function allRecipients(sends: RecordedSend[]): string[] {
  return sends.flatMap((s) => [
    ...(s.Destination?.ToAddresses ?? []),
    ...(s.Destination?.CcAddresses ?? []),
    ...(s.Destination?.BccAddresses ?? []),
  ]);
}

beforeAll(async () => {
  await buildAll(ROOT, ['email']);
  moto = await startMoto();
  recorder = await startEmailRecorder(moto.endpoint);
  const ses = new SESv2Client(moto.client);
  await ses.send(new CreateEmailIdentityCommand({ EmailIdentity: 'example.com' }));
});

afterAll(async () => {
  await recorder?.stop();
  await moto?.stop();
});

beforeEach(() => recorder.clear());

/** Sends that moto accepted since `before` (moto keeps every message of the server's life). */
async function motoSentSince(before: number): Promise<MotoSent[]> {
  return (await motoSent()).slice(before);
}

test('default rendering: a JSON message becomes a subject, an escaped HTML table and an aligned text part', async () => {
  const env = await envFor({ Recipients: 'alice@example.org, bob@example.org', ReplyTo: 'ops@example.org' });
  const before = (await motoSent()).length;
  const [res] = await invokeBundle<EmailResult>('email', [event('email-json.json')], env);
  expect(res.ok).toBe(true);

  expect(recorder.sends).toHaveLength(1);
  const [send] = recorder.sends;
  expect(send.FromEmailAddress).toBe('Cloud Cron <cron@example.com>');
  expect(send.Destination).toEqual({ ToAddresses: ['alice@example.org', 'bob@example.org'] });
  expect(send.ReplyToAddresses).toEqual(['ops@example.org']);
  const simple = send.Content?.Simple;
  expect(simple?.Subject?.Data).toBe('Notification from cron-results');
  const html = simple?.Body?.Html?.Data ?? '';
  expect(html).toMatch(/<th[^>]*>error<\/th><td[^>]*>Connection &lt;reset&gt; by peer &amp; retry exhausted<\/td>/);
  expect(html).not.toContain('<reset>');
  const text = simple?.Body?.Text?.Data ?? '';
  expect(text).toMatch(/^job {14}invoice-export$/m);
  expect(text).toMatch(/^error {12}Connection <reset> by peer & retry exhausted$/m);
  expect(text).toContain('c1a4e7f2-3b5d-5e8f-9a0b-1c2d3e4f5a6b');

  const stored = await motoSentSince(before);
  expect(stored).toHaveLength(1);
  expect(stored[0].subject).toBe('Notification from cron-results');
  expect(stored[0].body).toBe(html);
  expect(stored[0].destinations.ToAddresses).toEqual(['alice@example.org', 'bob@example.org']);
});

test('templates: subject and text unescaped, HTML escaped, CR/LF/NUL never reach the subject; Cc and Bcc kept', async () => {
  const env = await envFor({
    CcRecipients: 'carol@example.org',
    BccRecipients: 'dave@example.org',
    SubjectTemplate: '[{{attributes.severity}}] {{message.job}}: {{message.error}}',
    HtmlTemplate: '<h1>{{message.job}}</h1><p>{{message.error}}</p><p>attempt {{attributes.attempt}}</p>',
    TextTemplate: '{{message.job}} failed: {{message.error}} (attempt {{attributes.attempt}})',
  });
  const e = event('email-json.json');
  const message = JSON.parse(e.Records[0].Sns.Message) as Record<string, unknown>;
  message.error = 'line one\r\nBcc: victim@example.net\u0000 & <b>';
  e.Records[0].Sns.Message = JSON.stringify(message);
  const [res] = await invokeBundle<EmailResult>('email', [e], env);
  expect(res.ok).toBe(true);

  const [send] = recorder.sends;
  const simple = send.Content?.Simple;
  expect(simple?.Subject?.Data).toBe('[error] invoice-export: line one Bcc: victim@example.net & <b>');
  expect(simple?.Subject?.Data).not.toMatch(/[\r\n]/);
  expect(simple?.Subject?.Data).not.toContain('\u0000');
  expect(simple?.Body?.Html?.Data).toBe(
    '<h1>invoice-export</h1><p>line one\r\nBcc: victim@example.net\u0000 &amp; &lt;b&gt;</p><p>attempt 3</p>',
  );
  expect(simple?.Body?.Text?.Data).toBe(
    'invoice-export failed: line one\r\nBcc: victim@example.net\u0000 & <b> (attempt 3)',
  );
  expect(send.Destination).toEqual({
    ToAddresses: ['alice@example.org'],
    CcAddresses: ['carol@example.org'],
    BccAddresses: ['dave@example.org'],
  });
});

test('redelivery of the same MessageId, warm or cold, never sends again', async () => {
  const env = await envFor({});
  const e = event('email-text.json');
  const before = (await motoSent()).length;
  const warm = await invokeBundle<EmailResult>('email', [e, e], env);
  expect(warm.map((r) => r.ok)).toEqual([true, true]);
  const cold = await invokeBundle<EmailResult>('email', [e], env);
  expect(cold[0].ok).toBe(true);

  expect(recorder.sends).toHaveLength(1);
  expect(await motoSentSince(before)).toHaveLength(1);
  const results = [...warm, ...cold].map((r) => (r.ok ? r.result.sends[0] : undefined));
  expect(results.map((s) => s?.duplicate)).toEqual([false, true, true]);
  // The duplicates report the SES message id stored by the first send.
  expect(new Set(results.map((s) => s?.sesMessageId)).size).toBe(1);

  // A different message is sent.
  const [other] = await invokeBundle<EmailResult>('email', [withMessageId(e, 'another-message-id')], env);
  expect(other.ok).toBe(true);
  expect(recorder.sends).toHaveLength(2);
});

test('more than 50 recipients: split into sends of at most 50, each recipient exactly once, also across redelivery', async () => {
  const to = Array.from({ length: 95 }, (_, i) => `to${i}@example.org`);
  const cc = Array.from({ length: 10 }, (_, i) => `cc${i}@example.org`);
  const bcc = Array.from({ length: 7 }, (_, i) => `bcc${i}@example.org`);
  const env = await envFor({ Recipients: to.join(','), CcRecipients: cc.join(', '), BccRecipients: bcc.join(',') });
  const e = event('email-text.json');
  const before = (await motoSent()).length;
  const [first] = await invokeBundle<EmailResult>('email', [e], env);
  expect(first.ok).toBe(true);
  const [again] = await invokeBundle<EmailResult>('email', [e], env);
  expect(again.ok).toBe(true);

  expect(recorder.sends.map((s) => allRecipients([s]).length)).toEqual([50, 50, 12]);
  const everyone = allRecipients(recorder.sends);
  expect(everyone.sort()).toEqual([...to, ...cc, ...bcc].sort());
  expect(recorder.sends[1].Destination?.CcAddresses).toEqual(cc.slice(0, 5));
  expect(recorder.sends[2].Destination?.BccAddresses).toEqual(bcc);
  expect(await motoSentSince(before)).toHaveLength(3);
  expect(again.ok && again.result.sends.every((s) => s.duplicate)).toBe(true);
});

test('throttling is retried: a send throttled twice still goes out once', async () => {
  const env = await envFor({});
  recorder.failNext(2, {
    status: 429,
    errorType: 'TooManyRequestsException',
    message: 'Maximum sending rate exceeded.',
  });
  const [res] = await invokeBundle<EmailResult>(
    'email',
    [withMessageId(event('email-text.json'), 'throttled-once')],
    env,
  );
  expect(res.ok).toBe(true);
  expect(recorder.attempts()).toBe(3);
  expect(recorder.sends).toHaveLength(1);
});

test('persistent throttling fails the invocation as retryable; the retry then sends exactly once', async () => {
  const env = await envFor({});
  const e = withMessageId(event('email-text.json'), 'throttled-long');
  recorder.failNext(5, {
    status: 429,
    errorType: 'TooManyRequestsException',
    message: 'Maximum sending rate exceeded.',
  });
  const [failed] = await invokeBundle<EmailResult>('email', [e], env);
  expect(failed.ok).toBe(false);
  expect(!failed.ok && failed.error).toEqual({
    name: 'DeliveryFailedError',
    message: expect.stringContaining('retryable TooManyRequestsException'),
  });
  expect(recorder.sends).toHaveLength(0);
  const [retry] = await invokeBundle<EmailResult>('email', [e], env);
  expect(retry.ok).toBe(true);
  expect(recorder.sends).toHaveLength(1);
});

test('a broken template fails the invocation with an error naming the template, and sends nothing', async () => {
  const env = await envFor({ HtmlTemplate: '<p>{{#if message.job}}unclosed</p>' });
  const before = (await motoSent()).length;
  const [res] = await invokeBundle<EmailResult>('email', [event('email-json.json')], env);
  expect(res.ok).toBe(false);
  if (res.ok) return;
  // This name and message are what Lambda puts on the event in the dead-letter queue (ErrorCode/ErrorMessage).
  expect(res.error.name).toBe('DeliveryFailedError');
  expect(res.error.message).toMatch(
    /^email: 1 message\(s\) not delivered: message [^:]+: message TemplateError \(template HtmlTemplate \(HTML_TEMPLATE\) is invalid: it does not compile: /,
  );
  expect(res.logs).toContain('"template":"HtmlTemplate (HTML_TEMPLATE)"');
  expect(recorder.attempts()).toBe(0);
  expect(await motoSentSince(before)).toHaveLength(0);
  // No idempotency record is left behind: once the template is fixed, a redrive of the event sends it.
  const items = await new DynamoDBClient(moto.client).send(new ScanCommand({ TableName: env.IDEMPOTENCY_TABLE }));
  expect(items.Count).toBe(0);
});

test('an SES refusal (unverified sender) fails permanently with the reason', async () => {
  const env = await envFor({ Sender: 'Someone <someone@unverified.example.net>' });
  const [res] = await invokeBundle<EmailResult>('email', [withMessageId(event('email-text.json'), 'unverified')], env);
  expect(res.ok).toBe(false);
  // The reason is kept, the address masked (personal data never reaches the dead-letter queue's ErrorMessage).
  expect(!res.ok && res.error).toEqual({
    name: 'DeliveryFailedError',
    message: expect.stringMatching(
      /message MessageRejected \(batch 1: SES MessageRejected: SES rejected the message .*s\*\*\*@unverified\.example\.net/,
    ),
  });
  expect(!res.ok && res.error.message).not.toContain('someone@unverified');
});

test('a paused account fails as paused and logs the line the alarm counts', async () => {
  const env = await envFor({});
  recorder.failNext(1, {
    status: 400,
    errorType: 'SendingPausedException',
    message: 'Sending is paused for this account.',
  });
  const [res] = await invokeBundle<EmailResult>('email', [withMessageId(event('email-text.json'), 'paused')], env);
  expect(!res.ok && res.error.message).toContain('paused SendingPausedException');
  const line = res.logs.split('\n').find((l) => l.includes('"alarm":"ChannelPaused"'));
  expect(line).toBeDefined();
  // The template's metric filter matches { $.alarm = "ChannelPaused" } with the FunctionName dimension from $.function_name.
  expect(JSON.parse(line ?? '{}')).toMatchObject({ level: 'ERROR', alarm: 'ChannelPaused', function_name: 'test' });
});

test('templates from TemplatesS3Uri are used for the parts without an inline template', async () => {
  const s3 = new S3Client({ ...moto.client, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: 'team-templates' }));
  const put = (Key: string, Body: string) => s3.send(new PutObjectCommand({ Bucket: 'team-templates', Key, Body }));
  await put('email/nightly/html.hbs', '<h2>{{subject}}</h2><p>{{message}}</p><p>job: {{attributes.job}}</p>');
  await put('email/nightly/subject.hbs', 'from S3: {{subject}}');
  const env = await envFor({
    TemplatesS3Uri: 's3://team-templates/email/nightly/',
    SubjectTemplate: 'inline: {{subject}}',
  });
  const [res] = await invokeBundle<EmailResult>(
    'email',
    [withMessageId(event('email-text.json'), 's3-templates')],
    env,
  );
  expect(res.ok).toBe(true);
  const simple = recorder.sends[0].Content?.Simple;
  expect(simple?.Subject?.Data).toBe('inline: Nightly backup finished');
  expect(simple?.Body?.Html?.Data).toBe(
    '<h2>Nightly backup finished</h2><p>The nightly backup finished in 4 min 12 s.\nSnapshots: 3 &lt;all verified&gt; &amp; uploaded.</p><p>job: nightly-backup</p>',
  );
  // No TextTemplate: the text part is derived from the HTML.
  expect(simple?.Body?.Text?.Data).toContain('NIGHTLY BACKUP FINISHED');
  expect(simple?.Body?.Text?.Data).toContain('Snapshots: 3 <all verified> & uploaded.');
});

test('a TemplatesS3Uri holding no template fails with a clear error', async () => {
  const env = await envFor({ TemplatesS3Uri: 's3://team-templates/nothing-here/' });
  const [res] = await invokeBundle<EmailResult>('email', [withMessageId(event('email-text.json'), 's3-empty')], env);
  expect(!res.ok && res.error).toEqual({
    name: 'DeliveryFailedError',
    message: expect.stringContaining(
      'TemplatesS3Uri s3://team-templates/nothing-here/ holds none of subject.hbs, html.hbs, text.hbs',
    ),
  });
  expect(recorder.attempts()).toBe(0);
});
