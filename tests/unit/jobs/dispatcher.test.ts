/**
 * The dispatcher's handler (functions/jobs-dispatcher/index.ts, its real wiring) with aws-sdk-client-mock: the calls
 * it makes for a fire, a redelivery, a target outside AllowedTargetArns, the last of maxRuns, an unreadable event;
 * and its configuration refused at init naming the variable and its parameter.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DeleteScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { canonicalJson } from '../../../functions/common/jobs/definition';
import { EVENTS } from '../../../tooling/paths';

const sample = (name: string) => JSON.parse(readFileSync(join(EVENTS, `${name}.json`), 'utf8')) as unknown;

const ENV = {
  AWS_REGION: 'us-east-1',
  JOBS_TABLE_NAME: 'cloud-cron-jobs-JobsTable',
  SCHEDULE_GROUP_NAME: 'cloud-cron-jobs',
  ALLOWED_TARGET_ARNS:
    'arn:aws:lambda:us-east-1:123456789012:function:reports-*,arn:aws:sns:us-east-1:123456789012:alerts',
  RUN_RETENTION_DAYS: '30',
  RUNS_RETENTION_DAYS: '90',
  RUNS_TABLE_NAME: '',
  DEAD_LETTER_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/dispatch-dlq',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
};

// The store and the claims speak through the document client: that is what is mocked.
const ddb = mockClient(DynamoDBDocumentClient);
const lambda = mockClient(LambdaClient);
const scheduler = mockClient(SchedulerClient);
const sns = mockClient(SNSClient);
const sqs = mockClient(SQSClient);

type Handler = (event: unknown, context: { getRemainingTimeInMillis(): number }) => Promise<Record<string, unknown>>;
let handler: Handler;
const context = { getRemainingTimeInMillis: () => 900_000 };

function jobItem(definition: Record<string, unknown>) {
  const text = canonicalJson(definition);
  return {
    pk: 'JOB#nightly-report',
    sk: 'DEF',
    kind: 'job',
    v: 1,
    id: 'nightly-report',
    definition: text,
    hash: 'h'.repeat(64),
    version: 1,
    source: 'api',
    paused: false,
    createdAt: '2030-01-01T00:00:00.000Z',
    updatedAt: '2030-01-01T00:00:00.000Z',
    lpk: 'JOBS#1',
    lsk: 'nightly-report',
  };
}

const lambdaJob = {
  version: 1,
  id: 'nightly-report',
  schedule: { expression: 'cron(0 2 * * ? *)' },
  target: { type: 'lambda', arn: 'arn:aws:lambda:us-east-1:123456789012:function:reports-nightly', payload: { a: 1 } },
};

beforeAll(async () => {
  Object.assign(process.env, ENV);
  handler = (await import('../../../functions/jobs-dispatcher/index')).handler as unknown as Handler;
});

beforeEach(() => {
  for (const m of [ddb, lambda, scheduler, sns, sqs]) m.reset();
  ddb.on(TransactWriteCommand).resolves({});
  ddb.on(UpdateCommand).resolves({ Attributes: { pk: 'JOB#nightly-report', sk: 'STATE', runCount: 1 } });
  lambda.on(InvokeCommand).resolves({ StatusCode: 202, $metadata: { requestId: 'req-1' } });
});

test('a scheduled fire claims its slot, invokes the target asynchronously with its payload, and records the outcome', async () => {
  ddb.on(GetCommand).resolves({ Item: jobItem(lambdaJob) });
  const out = await handler(sample('jobs-dispatch-schedule'), context);
  expect(out).toMatchObject({ outcome: 'dispatched', job: 'nightly-report', runCount: 1 });
  const claim = ddb.commandCalls(TransactWriteCommand)[0].args[0].input.TransactItems!;
  expect(claim.map((i: object) => Object.keys(i)[0])).toEqual(['ConditionCheck', 'Update', 'Put']);
  expect(claim[2].Put?.Item?.sk).toBe('RUN#2030-01-01T01:00:00.000Z#slot');
  expect(claim[2].Put?.ConditionExpression).toBe('attribute_not_exists(pk)');
  expect(claim[1].Update?.UpdateExpression).toMatch(/^ADD runCount :one /);
  expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 1);
  const invoke = lambda.commandCalls(InvokeCommand)[0].args[0].input;
  expect(invoke.FunctionName).toBe('arn:aws:lambda:us-east-1:123456789012:function:reports-nightly');
  expect(invoke.InvocationType).toBe('Event');
  expect(JSON.parse(Buffer.from(invoke.Payload as Uint8Array).toString())).toEqual({ a: 1 });
  expect(scheduler).toHaveReceivedCommandTimes(DeleteScheduleCommand, 0);
});

test('a redelivered slot is counted as a delivery and runs nothing', async () => {
  ddb.on(GetCommand).resolves({ Item: jobItem(lambdaJob) });
  ddb.on(TransactWriteCommand).rejects(
    new TransactionCanceledException({
      message: 'Transaction cancelled',
      $metadata: {},
      CancellationReasons: [{ Code: 'None' }, { Code: 'None' }, { Code: 'ConditionalCheckFailed', Item: {} }],
    }),
  );
  ddb.on(UpdateCommand).resolves({
    Attributes: { pk: 'JOB#nightly-report', sk: 'RUN#x', status: 'dispatched', deliveries: 1 },
  });
  const out = await handler(sample('jobs-dispatch-schedule'), context);
  expect(out).toMatchObject({ outcome: 'duplicate' });
  expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 0);
  expect(ddb.commandCalls(UpdateCommand)[0].args[0].input.UpdateExpression).toBe('ADD deliveries :one');
});

test('a target outside AllowedTargetArns fails the run without any invoke', async () => {
  ddb.on(GetCommand).resolves({
    Item: jobItem({
      ...lambdaJob,
      target: { type: 'lambda', arn: 'arn:aws:lambda:us-east-1:123456789012:function:payroll' },
    }),
  });
  const out = await handler(sample('jobs-dispatch-schedule'), context);
  expect(out).toMatchObject({ outcome: 'failed' });
  expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 0);
  expect(sns).toHaveReceivedCommandTimes(PublishCommand, 0);
  const finish = ddb.commandCalls(UpdateCommand).map((c) => c.args[0].input);
  expect(JSON.stringify(finish)).toContain('TargetNotAllowed');
});

test('the run that reaches maxRuns deletes the schedule; an SNS target publishes with its attributes', async () => {
  ddb.on(GetCommand).resolves({
    Item: jobItem({
      ...lambdaJob,
      target: {
        type: 'sns',
        arn: 'arn:aws:sns:us-east-1:123456789012:alerts',
        message: { title: 'x' },
        attributes: { type: 'report', n: 2, to: ['a'] },
      },
      maxRuns: 3,
    }),
  });
  ddb.on(UpdateCommand).resolves({ Attributes: { pk: 'JOB#nightly-report', sk: 'STATE', runCount: 3, maxRuns: 3 } });
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  scheduler.on(DeleteScheduleCommand).resolves({});
  const out = await handler(sample('jobs-dispatch-schedule'), context);
  expect(out).toMatchObject({ outcome: 'succeeded', requestId: 'm-1', runCount: 3 });
  expect(sns).toHaveReceivedCommandWith(PublishCommand, {
    TopicArn: 'arn:aws:sns:us-east-1:123456789012:alerts',
    Message: '{"title":"x"}',
    MessageAttributes: {
      type: { DataType: 'String', StringValue: 'report' },
      n: { DataType: 'Number', StringValue: '2' },
      to: { DataType: 'String.Array', StringValue: '["a"]' },
    },
  });
  expect(scheduler).toHaveReceivedCommandWith(DeleteScheduleCommand, {
    Name: 'nightly-report',
    GroupName: 'cloud-cron-jobs',
  });
});

test('a manual run is not counted; an unreadable event goes to the dead-letter queue with its reason', async () => {
  ddb.on(GetCommand).resolves({ Item: jobItem(lambdaJob) });
  await handler(sample('jobs-dispatch-manual'), context);
  const claim = ddb.commandCalls(TransactWriteCommand)[0].args[0].input.TransactItems!;
  expect(claim[1].Update?.UpdateExpression).not.toMatch(/runCount/);
  expect(claim[2].Put?.Item?.sk).toMatch(/^RUN#2030-01-01T09:30:00.000Z#manual#manual-/);

  const out = await handler({ v: 1, job: 'nightly report', executionId: 'x' }, context);
  expect(out).toMatchObject({ outcome: 'unreadable' });
  const body = JSON.parse(sqs.commandCalls(SendMessageCommand)[0].args[0].input.MessageBody!);
  expect(body.reason).toMatch(/"job" "nightly report" is not a job id/);
  expect(sqs).toHaveReceivedCommandWith(SendMessageCommand, { QueueUrl: ENV.DEAD_LETTER_QUEUE_URL });
});

test('configuration is refused at init, naming the variable and its template parameter', async () => {
  const { loadConfig } = await import('../../../functions/jobs-dispatcher/config');
  expect(() => loadConfig({ ...ENV, ALLOWED_TARGET_ARNS: '' })).toThrow(/ALLOWED_TARGET_ARNS/);
  expect(() => loadConfig({ ...ENV, ALLOWED_TARGET_ARNS: 'arn:aws:lambda:*:*:function:*' })).toThrow(
    /parameter AllowedTargetArns.*not a Lambda function or SNS topic ARN pattern in a named account/,
  );
  expect(() => loadConfig({ ...ENV, RUN_RETENTION_DAYS: '0' })).toThrow(
    /RUN_RETENTION_DAYS \(parameter RunRetentionDays\)/,
  );
  expect(() => loadConfig({ ...ENV, JOBS_TABLE_NAME: undefined })).toThrow(/JOBS_TABLE_NAME/);
});
