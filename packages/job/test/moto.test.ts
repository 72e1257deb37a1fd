/**
 * The library against moto_server: what it publishes reaches SQS queues subscribed with filter policies (the
 * channels' way of choosing messages) exactly when the policy matches the attributes it set; the DynamoDB store
 * claims a slot once with real conditional writes.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import ts from 'typescript';
import { type Moto, startMoto } from '../../../tooling/moto';
import {
  dynamoDbStore,
  type JobContext,
  loadTopics,
  MAX_MESSAGE_BYTES,
  RunInProgressError,
  runOnce,
} from '../src/index';

let moto: Moto;
let sns: SNSClient;
let sqs: SQSClient;
let dynamodb: DynamoDBClient;

beforeAll(async () => {
  moto = await startMoto();
  sns = new SNSClient(moto.client);
  sqs = new SQSClient(moto.client);
  dynamodb = new DynamoDBClient(moto.client);
});
afterAll(async () => {
  await moto?.stop();
});

async function queueSubscribed(topicArn: string, name: string, filterPolicy: object | undefined, raw = false) {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  const queueArn = Attributes?.QueueArn ?? '';
  await sqs.send(
    new SetQueueAttributesCommand({
      QueueUrl,
      Attributes: {
        Policy: JSON.stringify({
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'sns.amazonaws.com' },
              Action: 'sqs:SendMessage',
              Resource: queueArn,
            },
          ],
        }),
      },
    }),
  );
  await sns.send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: 'sqs',
      Endpoint: queueArn,
      Attributes: {
        ...(filterPolicy ? { FilterPolicy: JSON.stringify(filterPolicy), FilterPolicyScope: 'MessageAttributes' } : {}),
        ...(raw ? { RawMessageDelivery: 'true' } : {}),
      },
    }),
  );
  return QueueUrl ?? '';
}

async function drain(queueUrl: string): Promise<Message[]> {
  const out: Message[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }),
    );
    if (Messages.length === 0) return out;
    out.push(...Messages);
  }
}

test('filter policies on the attributes publish sets decide which queue gets which message', async () => {
  const { TopicArn: alerts = '' } = await sns.send(new CreateTopicCommand({ Name: 'library-alerts' }));
  // The example parent's policies: problem reports by email, critical alerts by SMS; plus a numeric policy.
  const email = await queueSubscribed(alerts, 'email', { type: ['report'], severity: ['warning', 'critical'] });
  const sms = await queueSubscribed(alerts, 'sms', { severity: ['critical'] });
  const many = await queueSubscribed(alerts, 'many-down', { job: ['disk-check'], down: [{ numeric: ['>=', 2] }] });
  const raw = await queueSubscribed(alerts, 'raw', undefined, true);

  const topics = loadTopics(['ALERTS'], { env: { ALERTS: alerts }, sns, job: 'disk-check' });
  await topics.ALERTS.publish({ n: 1 }, { type: 'report', severity: 'info', attributes: { down: 0 } });
  await topics.ALERTS.publish({ n: 2 }, { type: 'report', severity: 'warning', attributes: { down: 1 } });
  const critical = await topics.ALERTS.publish(
    { n: 3 },
    {
      type: 'alert',
      severity: 'critical',
      subject: 'db-1: 2 disks full',
      attributes: { down: 2, hosts: ['db-1', 'db-2'] },
    },
  );

  const bodies = async (url: string) => (await drain(url)).map((m) => JSON.parse(m.Body ?? '{}'));
  const emailed = await bodies(email);
  expect(emailed.map((b) => JSON.parse(b.Message).n)).toEqual([2]);
  expect(emailed[0].MessageAttributes).toEqual({
    job: { Type: 'String', Value: 'disk-check' },
    type: { Type: 'String', Value: 'report' },
    severity: { Type: 'String', Value: 'warning' },
    down: { Type: 'Number', Value: '1' },
  });
  const texted = await bodies(sms);
  expect(texted.map((b) => [JSON.parse(b.Message).n, b.Subject, b.MessageId])).toEqual([
    [3, 'db-1: 2 disks full', critical.messageId],
  ]);
  expect(texted[0].MessageAttributes.hosts).toEqual({ Type: 'String.Array', Value: '["db-1","db-2"]' });
  expect((await bodies(many)).map((b) => JSON.parse(b.Message).n)).toEqual([3]);

  // Raw delivery: the attributes arrive as SQS message attributes, the body as published.
  const rawMessages = await drain(raw);
  expect(rawMessages.map((m) => m.Body)).toEqual(['{"n":1}', '{"n":2}', '{"n":3}']);
  expect(rawMessages[2].MessageAttributes?.severity).toMatchObject({ DataType: 'String', StringValue: 'critical' });
  expect(rawMessages[2].MessageAttributes?.down).toMatchObject({ DataType: 'Number', StringValue: '2' });
});

test("a FIFO topic takes the library's group and deduplication ids", async () => {
  const { TopicArn = '' } = await sns.send(
    new CreateTopicCommand({ Name: 'library-reports.fifo', Attributes: { FifoTopic: 'true' } }),
  );
  // SNS (and moto) refuse a FIFO publish without a message group.
  await expect(sns.send(new PublishCommand({ TopicArn, Message: 'bare' }))).rejects.toThrow(/MessageGroupId/);
  const topics = loadTopics(['REPORTS'], { env: { REPORTS: TopicArn }, sns, job: 'nightly' });
  const result = await topics.REPORTS.publish({ ok: true }, { type: 'report' });
  expect(result.messageId).toMatch(/\S/);
});

test('the largest message the library lets through is one SNS accepts', async () => {
  const { TopicArn = '' } = await sns.send(new CreateTopicCommand({ Name: 'library-big' }));
  const topics = loadTopics(['BIG'], { env: { BIG: TopicArn }, sns, job: 'j' });
  const attributeBytes = 'job'.length + 'String'.length + 'j'.length;
  const result = await topics.BIG.publish('x'.repeat(MAX_MESSAGE_BYTES - attributeBytes));
  expect(result.bytes).toBe(MAX_MESSAGE_BYTES);
  expect(result.messageId).toMatch(/\S/);
});

test('the DynamoDB store: one run per slot with conditional writes, released on failure', async () => {
  await dynamodb.send(
    new CreateTableCommand({
      TableName: 'runs',
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    }),
  );
  const store = dynamoDbStore({
    client: dynamodb,
    tableName: 'runs',
    commands: { PutItemCommand, GetItemCommand, DeleteItemCommand },
  });
  const context: JobContext = {
    scheduledTime: '2030-01-07T07:00:00.000Z',
    executionId: 'e-1',
    attempt: '1',
    scheduleArn: '',
    trigger: 'schedule',
  };
  let runs = 0;
  const options = { job: 'nightly', store };
  await expect(runOnce(context, options, async () => Promise.reject(new Error('first try fails')))).rejects.toThrow(
    'first try fails',
  );
  const key = { id: { S: 'nightly#2030-01-07T07:00:00.000Z' } };
  expect((await dynamodb.send(new GetItemCommand({ TableName: 'runs', Key: key }))).Item).toBeUndefined();

  expect(await runOnce(context, options, async () => ({ run: ++runs }))).toMatchObject({
    ran: true,
    result: { run: 1 },
  });
  expect(await runOnce({ ...context, attempt: '2' }, options, async () => ({ run: ++runs }))).toEqual({
    ran: false,
    key: 'nightly#2030-01-07T07:00:00.000Z',
    result: { run: 1 },
  });
  expect(runs).toBe(1);
  const item = (await dynamodb.send(new GetItemCommand({ TableName: 'runs', Key: key }))).Item;
  expect(item?.status?.S).toBe('COMPLETED');
  expect(Number(item?.expiresAt?.N)).toBeGreaterThan(Date.now() / 1000 + 6 * 24 * 3600);

  // A claim held by a running invocation refuses a second one, until it expires.
  const other = { ...context, scheduledTime: '2030-01-08T07:00:00.000Z' };
  const now = Date.parse('2030-01-08T07:00:01Z');
  await store.claim(
    'nightly#2030-01-08T07:00:00.000Z',
    { status: 'IN_PROGRESS', expiresAt: now / 1000 + 60 },
    now / 1000,
  );
  await expect(runOnce(other, { ...options, now: () => now }, async () => 'x')).rejects.toBeInstanceOf(
    RunInProgressError,
  );
  expect(await runOnce(other, { ...options, now: () => now + 61_000 }, async () => 'x')).toMatchObject({ ran: true });
});

test("the README's complete job type-checks and runs: a report always, an alert when low, with the slot's time", async () => {
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
  const code = /## A complete job\n\n```ts\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  expect(code.trimEnd().split('\n').length).toBeLessThanOrEqual(15);
  const dir = mkdtempSync(join(tmpdir(), 'readme-job-'));
  const file = join(dir, 'job.ts');
  writeFileSync(file, code);
  // The repository README shows a shorter one: it must type-check too.
  const root = readFileSync(join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
  const short = /## Writing a job: `@cloud-cron\/job`[\s\S]*?```ts\n([\s\S]*?)```/.exec(root)?.[1] ?? '';
  expect(short).toContain('loadTopics');
  const shortFile = join(dir, 'short.ts');
  writeFileSync(shortFile, short);

  const program = ts.createProgram([file, shortFile], {
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    lib: ['lib.es2023.d.ts'],
    types: ['node'],
    typeRoots: [join(__dirname, '..', '..', '..', 'node_modules', '@types')],
    skipLibCheck: true,
    noEmit: true,
    baseUrl: join(__dirname, '..', '..', '..'),
    paths: { '@cloud-cron/job': [join(__dirname, '..', 'src', 'index.ts')] },
  });
  const diagnostics = ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file?.fileName === file || d.file?.fileName === shortFile)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  expect(diagnostics).toEqual([]);

  const { TopicArn: reports = '' } = await sns.send(new CreateTopicCommand({ Name: 'readme-reports' }));
  const { TopicArn: alerts = '' } = await sns.send(new CreateTopicCommand({ Name: 'readme-alerts' }));
  const reportQueue = await queueSubscribed(reports, 'readme-reports', undefined);
  const alertQueue = await queueSubscribed(alerts, 'readme-alerts', { severity: ['critical'] });
  const server = createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"freeGb":3}'),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const saved = { ...process.env };
  Object.assign(process.env, moto.env, { REPORTS: reports, ALERTS: alerts });
  try {
    let job: { handler: (event: unknown) => Promise<unknown> } | undefined;
    jest.isolateModules(() => {
      job = require(file);
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/disk`;
    const result = await job!.handler({
      payload: { url },
      cloudCron: {
        scheduledTime: '2030-01-07T07:00:00Z',
        executionId: 'e',
        attempt: '1',
        scheduleArn: '',
        trigger: 'schedule',
      },
    });
    expect(result).toEqual({ freeGb: 3, low: true });
  } finally {
    process.env = saved;
    await new Promise((r) => server.close(r));
  }
  const [report] = (await drain(reportQueue)).map((m) => JSON.parse(m.Body ?? '{}'));
  expect(JSON.parse(report.Message)).toEqual({ freeGb: 3, at: '2030-01-07T07:00:00.000Z' });
  expect(report.Subject).toBe('Disk: 3 GB free');
  expect(report.MessageAttributes).toMatchObject({ job: { Value: 'disk-check' }, severity: { Value: 'warning' } });
  const [alert] = (await drain(alertQueue)).map((m) => JSON.parse(m.Body ?? '{}'));
  expect(alert.MessageAttributes).toMatchObject({ type: { Value: 'alert' }, freeGb: { Type: 'Number', Value: '3' } });
});
