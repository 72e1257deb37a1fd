/**
 * The built recorder (dist/runs-recorder) against moto: Lambda's documented destination records are put on the
 * Runs bus, moto's rule (the template's pattern) delivers them, the recorder turns each into one ledger item
 * (a redelivered record once), announces final failures on the bus, and sends an unreadable event to the
 * dead-letter queue with the reason.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DestinationEvent } from '../../../functions/common/runs/records';
import type { RecorderOutcome } from '../../../functions/runs-recorder/recorder';
import { buildAll } from '../../../tooling/build';
import { invokeBundle } from '../../../tooling/invoke';
import { type Moto, startMoto } from '../../../tooling/moto';
import { EVENTS, ROOT } from '../../../tooling/paths';
import { deployRunsLocally, drain, type LocalRuns, putDestinationRecord } from '../../../tooling/runs-local';

const sample = (name: string) => JSON.parse(readFileSync(join(EVENTS, `${name}.json`), 'utf8')) as DestinationEvent;

let moto: Moto;
let runs: LocalRuns;
let ddb: DynamoDBClient;
let events: EventBridgeClient;
let sqs: SQSClient;
let alertsQueue: string;

beforeAll(async () => {
  await buildAll(ROOT, ['runs-recorder']);
  moto = await startMoto();
  ddb = new DynamoDBClient(moto.client);
  events = new EventBridgeClient(moto.client);
  sqs = new SQSClient(moto.client);
  runs = await deployRunsLocally({ ddb, events, sqs }, { prefix: 'rec' });
  // Everything the Runs app itself announces, to see the failure events.
  alertsQueue = (await sqs.send(new CreateQueueCommand({ QueueName: 'rec-alerts' }))).QueueUrl!;
  const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: alertsQueue, AttributeNames: ['QueueArn'] })))
    .Attributes!.QueueArn;
  await events.send(
    new PutRuleCommand({
      Name: 'rec-alerts',
      EventBusName: runs.busName,
      EventPattern: '{"source":["cloud-cron.runs"]}',
    }),
  );
  await events.send(
    new PutTargetsCommand({ Rule: 'rec-alerts', EventBusName: runs.busName, Targets: [{ Id: 'q', Arn: arn }] }),
  );
}, 120000);

afterAll(async () => {
  await moto?.stop();
});

async function ledger(): Promise<Record<string, unknown>[]> {
  const r = await ddb.send(new ScanCommand({ TableName: runs.tableName }));
  return (r.Items ?? []).map((i) => unmarshall(i));
}

/** Puts records on the bus as Lambda does, then hands what the rule delivered to the built recorder. */
async function deliver(names: string[], times = 1): Promise<RecorderOutcome[]> {
  for (const name of names) await putDestinationRecord(events, runs.busArn, sample(name));
  const delivered = await drain(sqs, runs.recorderQueueUrl);
  expect(delivered).toHaveLength(names.length);
  const batch = Array.from({ length: times }, () => delivered).flat();
  const results = await invokeBundle<RecorderOutcome>('runs-recorder', batch, {
    ...moto.env,
    ...runs.env('RecorderFunction'),
  });
  return results.map((r) => {
    if (!r.ok) throw new Error(`recorder failed: ${r.error.name}: ${r.error.message}\n${r.logs}`);
    return r.result;
  });
}

test('the documented success and failure records become one item each, even delivered twice', async () => {
  const outcomes = await deliver(
    ['runs-destination-success', 'runs-destination-failure', 'runs-destination-timeout'],
    2,
  );
  expect(outcomes.map((o) => o.outcome)).toEqual([
    'recorded',
    'recorded',
    'recorded',
    'duplicate',
    'duplicate',
    'duplicate',
  ]);
  const items = await ledger();
  expect(items).toHaveLength(3);
  expect(items.map((i) => `${i.status} ${i.attempts}`).sort()).toEqual(['failed 3', 'succeeded 1', 'timed_out 3']);
  const text = JSON.stringify(items);
  expect(text).not.toMatch(/jane|1204|abc123|recipient/);
  // The timeout carried the job context: its slot is on the item.
  expect(items.find((i) => i.status === 'timed_out')).toMatchObject({
    scheduledTime: '2030-01-07T07:00:00.000Z',
    notified: true,
  });
});

test('each final failure is announced once on the bus as Cloud Cron Run Failed', async () => {
  const alerts = await drain<{ 'detail-type': string; detail: Record<string, unknown> }>(sqs, alertsQueue);
  expect(alerts.map((a) => [a['detail-type'], a.detail.status]).sort()).toEqual([
    ['Cloud Cron Run Failed', 'failed'],
    ['Cloud Cron Run Failed', 'timed_out'],
  ]);
  expect(alerts[0].detail).toMatchObject({
    job: 'nightly-report',
    title: expect.stringMatching(/^Cloud Cron: nightly-report/),
  });
});

test('a malformed record lands in the dead-letter queue with the reason, and the ledger is unchanged', async () => {
  const before = (await ledger()).length;
  const [outcome] = await deliver(['runs-destination-malformed']);
  expect(outcome).toEqual({
    outcome: 'dead-lettered',
    reason: expect.stringMatching(/detail\.requestContext is missing/),
  });
  const dead = await drain<{ reason: string; event: Record<string, unknown> }>(sqs, runs.deadLetterQueueUrl);
  expect(dead).toHaveLength(1);
  expect(dead[0].reason).toMatch(/not a Lambda destination record: detail\.requestContext is missing/);
  expect(dead[0].event).toMatchObject({
    source: 'lambda',
    'detail-type': 'Lambda Function Invocation Result - Success',
  });
  expect(await ledger()).toHaveLength(before);
});

test('a recorder without its configuration fails at init, naming the variable', async () => {
  await expect(
    invokeBundle('runs-recorder', [{}], { ...moto.env, ...runs.env('RecorderFunction'), RUNS_TABLE_NAME: '' }),
  ).rejects.toThrow(/environment variable RUNS_TABLE_NAME is required/);
});
