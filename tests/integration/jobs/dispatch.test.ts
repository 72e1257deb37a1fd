/**
 * Runs of the Jobs app against moto: jobs written through the shared store, schedules made by the built reconciler
 * from the table's real stream, fired by the schedule-group simulator (moto stores schedules but never fires them)
 * into the dispatcher (in this process, configured from the template's environment), which claims slots and leases
 * in moto's DynamoDB, deletes schedules in moto's Scheduler and publishes to moto's SNS. Lambda targets are
 * stand-ins (moto runs no function): what they receive and when they answer is the test's to decide, so overlap is
 * tested without any timing.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { S3Client } from '@aws-sdk/client-s3';
import { GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { JobDefinition } from '../../../functions/common/jobs/definition';
import { canonicalJson } from '../../../functions/common/jobs/definition';
import { createJobsStore, documentClient, hashOf, type JobsStore } from '../../../functions/common/jobs/store';
import { DEF_SK, jobPk, listShard } from '../../../functions/common/jobs/table';
import { validateJob } from '../../../functions/common/jobs/validate';
import { jobView } from '../../../functions/common/jobs/view';
import { createLedgerStore } from '../../../functions/common/runs/store';
import { buildAll } from '../../../tooling/build';
import { invokeBundle } from '../../../tooling/invoke';
import { deployJobsLocally, type LocalJobs, localDispatcher } from '../../../tooling/jobs-local';
import { type Moto, startMoto } from '../../../tooling/moto';
import { ROOT } from '../../../tooling/paths';
import { createRunsTable, drain } from '../../../tooling/runs-local';
import { fireScheduleGroup } from '../../../tooling/simulator/schedule-group';
import { createClock } from '../../../tooling/simulator/simulator';

const ACCOUNT = '123456789012';
const REPORTS = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:reports-nightly`;
const ALLOWED = [`arn:aws:lambda:us-east-1:${ACCOUNT}:function:reports-*`, `arn:aws:sns:us-east-1:${ACCOUNT}:alerts`];
const FROM = new Date('2030-01-01T00:00:00Z');

let moto: Moto;
let jobs: LocalJobs;
let ddb: DynamoDBClient;
let scheduler: SchedulerClient;
let sns: SNSClient;
let sqs: SQSClient;
let store: JobsStore;

beforeAll(async () => {
  await buildAll(ROOT, ['jobs-reconciler']);
  moto = await startMoto();
  ddb = new DynamoDBClient(moto.client);
  scheduler = new SchedulerClient(moto.client);
  sns = new SNSClient(moto.client);
  sqs = new SQSClient(moto.client);
  jobs = await deployJobsLocally(
    {
      ddb,
      streams: new DynamoDBStreamsClient(moto.client),
      scheduler,
      s3: new S3Client({ ...moto.client, forcePathStyle: true }),
      sqs,
    },
    { prefix: 'runs', allowedTargetArns: ALLOWED },
  );
  store = createJobsStore(ddb, jobs.tableName);
}, 180000);

afterAll(async () => {
  await moto?.stop();
});

/** Writes a job as `cloud-cron jobs apply` does (validated, then the shared store), then reconciles. */
async function apply(job: JobDefinition): Promise<void> {
  const v = validateJob(job, { allowedTargetArns: ALLOWED });
  if (!v.ok) throw new Error(v.errors.map((e) => e.message).join('\n'));
  await store.putJob(v.job, { source: 'cli', now: new Date() });
  await reconcile();
}

async function reconcile(): Promise<void> {
  const records = jobs.stream.filter(await jobs.stream.read(), 'ReconcilerFunction');
  if (records.length === 0) return;
  const [r] = await invokeBundle<{ batchItemFailures: unknown[] }>('jobs-reconciler', [{ Records: records }], {
    ...moto.env,
    ...jobs.env('ReconcilerFunction'),
  });
  if (!r.ok) throw new Error(`reconciler failed: ${r.error.message}\n${r.logs}`);
  expect(r.result.batchItemFailures).toEqual([]);
}

async function schedule(name: string) {
  try {
    return await scheduler.send(new GetScheduleCommand({ Name: name, GroupName: jobs.groupName }));
  } catch (e) {
    if ((e as Error).name === 'ResourceNotFoundException') return undefined;
    throw e;
  }
}

const view = async (id: string) => jobView((await store.getJob(id))!, new Date(FROM.getTime() + 3600_000));

const minutes = (n: number) => new Date(FROM.getTime() + n * 60_000);

test('maxRuns 3 stops after three slots, however often each slot is delivered, and deletes the schedule', async () => {
  await apply({
    version: 1,
    id: 'three-times',
    schedule: { expression: 'cron(* * * * ? *)' },
    target: { type: 'lambda', arn: REPORTS, payload: { report: 'sales' } },
    maxRuns: 3,
  });
  expect((await schedule('three-times'))?.ScheduleExpression).toBe('cron(* * * * ? *)');
  const invoked: unknown[] = [];
  const clock = createClock(FROM);
  const { dispatch } = localDispatcher({ ddb, scheduler, sns, sqs }, jobs, {
    clock,
    targets: {
      async invokeAsync(arn, payload) {
        invoked.push({ arn, payload: JSON.parse(payload), at: clock.now().toISOString() });
        return { requestId: `req-${invoked.length}` };
      },
    },
  });
  // Every slot delivered three times (Scheduler's at-least-once delivery and its retries).
  const fires = await fireScheduleGroup(scheduler, jobs.groupName, {
    from: FROM,
    until: minutes(10),
    clock,
    deliveries: () => 3,
    target: (event) => dispatch(event),
  });
  expect(invoked).toEqual([
    { arn: REPORTS, payload: { report: 'sales' }, at: '2030-01-01T00:00:00.000Z' },
    { arn: REPORTS, payload: { report: 'sales' }, at: '2030-01-01T00:01:00.000Z' },
    { arn: REPORTS, payload: { report: 'sales' }, at: '2030-01-01T00:02:00.000Z' },
  ]);
  // The third slot's run deleted the schedule: its later deliveries were duplicates, and no slot fired after it.
  expect(fires.map((f) => [f.scheduledTime, f.attempt, (f.result as { outcome: string }).outcome])).toEqual([
    ['2030-01-01T00:00:00Z', 1, 'dispatched'],
    ['2030-01-01T00:00:00Z', 2, 'duplicate'],
    ['2030-01-01T00:00:00Z', 3, 'duplicate'],
    ['2030-01-01T00:01:00Z', 1, 'dispatched'],
    ['2030-01-01T00:01:00Z', 2, 'duplicate'],
    ['2030-01-01T00:01:00Z', 3, 'duplicate'],
    ['2030-01-01T00:02:00Z', 1, 'dispatched'],
    ['2030-01-01T00:02:00Z', 2, 'duplicate'],
    ['2030-01-01T00:02:00Z', 3, 'duplicate'],
  ]);
  expect(await schedule('three-times')).toBeUndefined();
  const v = await view('three-times');
  expect(v.runs).toMatchObject({ count: 3, maxRuns: 3, finished: { reason: 'maxRuns' } });
  expect(v.schedule.state).toBe('FINISHED');
  const runs = await store.listRuns('three-times', 10);
  expect(runs.map((r) => [r.scheduledTime, r.status, r.deliveries])).toEqual([
    ['2030-01-01T00:02:00.000Z', 'dispatched', 3],
    ['2030-01-01T00:01:00.000Z', 'dispatched', 3],
    ['2030-01-01T00:00:00.000Z', 'dispatched', 3],
  ]);
  // A late delivery of a fourth slot (the schedule's last fire in flight as it was deleted) runs nothing.
  const late = await dispatch({
    v: 1,
    job: 'three-times',
    scheduledTime: '2030-01-01T00:03:00Z',
    executionId: 'late-1',
    attempt: '1',
  });
  expect(late).toMatchObject({ outcome: 'finished' });
  expect(invoked).toHaveLength(3);
  // The sweep does not bring the schedule back.
  const [swept] = await invokeBundle<{ orphansDeleted: string[]; repaired: string[] }>(
    'jobs-reconciler',
    [{ action: 'sweep' }],
    { ...moto.env, ...jobs.env('ReconcilerFunction') },
  );
  if (!swept.ok) throw new Error(swept.error.message);
  expect(swept.result.repaired).not.toContain('three-times');
  expect(await schedule('three-times')).toBeUndefined();
});

test('overlap skip: a slot that comes while an earlier run holds the lease is skipped, and the next one runs', async () => {
  await apply({
    version: 1,
    id: 'long-export',
    schedule: { expression: 'cron(0/5 * * * ? *)' },
    target: { type: 'lambda', arn: 'arn:aws:lambda:us-east-1:123456789012:function:reports-export' },
    overlap: 'skip',
  });
  const clock = createClock(FROM);
  const calls: string[] = [];
  const nested: unknown[] = [];
  let dispatchRef: (event: unknown) => Promise<unknown> = async () => undefined;
  const { dispatch } = localDispatcher({ ddb, scheduler, sns, sqs }, jobs, {
    clock,
    targets: {
      async invokeSync(_arn, _payload) {
        const slot = clock.now().toISOString();
        calls.push(slot);
        if (calls.length === 1) {
          // The first run is still running when the next slot fires.
          clock.set(minutes(5).getTime());
          nested.push(
            await dispatchRef({ v: 1, job: 'long-export', scheduledTime: '2030-01-01T00:05:00Z', executionId: 'e-5' }),
          );
        }
        return { requestId: `sync-${calls.length}` };
      },
    },
  });
  dispatchRef = dispatch;
  const fires = await fireScheduleGroup(scheduler, jobs.groupName, {
    from: FROM,
    until: minutes(11),
    clock,
    target: (event) => dispatch(event),
  });
  // Slot 00:00 ran synchronously and held the lease; 00:05 (fired during it) was skipped; 00:10 ran.
  expect(nested).toEqual([
    expect.objectContaining({ outcome: 'skipped', reason: expect.stringMatching(/still holds the lease/) }),
  ]);
  expect(calls).toEqual(['2030-01-01T00:00:00.000Z', '2030-01-01T00:10:00.000Z']);
  expect(fires.map((f) => [f.scheduledTime, (f.result as { outcome: string }).outcome])).toEqual([
    ['2030-01-01T00:00:00Z', 'succeeded'],
    // The Scheduler's own fire of 00:05 comes after the skip: that slot is already decided.
    ['2030-01-01T00:05:00Z', 'duplicate'],
    ['2030-01-01T00:10:00Z', 'succeeded'],
  ]);
  const runs = await store.listRuns('long-export', 10);
  expect(runs.map((r) => [r.scheduledTime, r.status])).toEqual([
    ['2030-01-01T00:10:00.000Z', 'succeeded'],
    ['2030-01-01T00:05:00.000Z', 'skipped'],
    ['2030-01-01T00:00:00.000Z', 'succeeded'],
  ]);
  expect((await store.getJob('long-export'))?.state?.leaseHolder).toBeUndefined();
});

test('a one-time at() job runs once and its schedule is gone after the run', async () => {
  const topic = (await sns.send(new CreateTopicCommand({ Name: 'alerts' }))).TopicArn!;
  const q = (await sqs.send(new CreateQueueCommand({ QueueName: 'alerts-inbox' }))).QueueUrl!;
  const qArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: q, AttributeNames: ['QueueArn'] })))
    .Attributes!.QueueArn!;
  await sns.send(new SubscribeCommand({ TopicArn: topic, Protocol: 'sqs', Endpoint: qArn }));
  await apply({
    version: 1,
    id: 'launch-reminder',
    schedule: { expression: 'at(2030-01-01T00:07:00)', timezone: 'UTC' },
    target: {
      type: 'sns',
      arn: topic,
      message: { title: 'Launch today' },
      subject: 'Launch reminder',
      attributes: { type: 'reminder', priority: 2, channels: ['email', 'sms'] },
    },
  });
  expect((await schedule('launch-reminder'))?.ActionAfterCompletion).toBe('DELETE');
  const clock = createClock(FROM);
  const { dispatch } = localDispatcher({ ddb, scheduler, sns, sqs }, jobs, { clock });
  const fires = await fireScheduleGroup(scheduler, jobs.groupName, {
    from: FROM,
    until: minutes(30),
    clock,
    target: (event) => dispatch(event),
  });
  expect(fires.filter((f) => f.schedule === 'launch-reminder').map((f) => f.scheduledTime)).toEqual([
    '2030-01-01T00:07:00Z',
  ]);
  expect(await schedule('launch-reminder')).toBeUndefined();
  const v = await view('launch-reminder');
  expect(v.runs).toMatchObject({ count: 1, last: { status: 'succeeded' }, finished: { reason: 'once' } });
  expect(v.schedule.state).toBe('FINISHED');
  const [message] = await drain<{ Message: string; Subject: string; MessageAttributes: Record<string, unknown> }>(
    sqs,
    q,
  );
  expect(JSON.parse(message.Message)).toEqual({ title: 'Launch today' });
  expect(message.Subject).toBe('Launch reminder');
  expect(message.MessageAttributes).toEqual({
    type: { Type: 'String', Value: 'reminder' },
    priority: { Type: 'Number', Value: '2' },
    channels: { Type: 'String.Array', Value: '["email","sms"]' },
  });
  // A second window finds nothing left to fire.
  const again = await fireScheduleGroup(scheduler, jobs.groupName, {
    from: minutes(30),
    until: minutes(60),
    target: (event) => dispatch(event),
  });
  expect(again.filter((f) => f.schedule === 'launch-reminder')).toEqual([]);
});

test('a target outside AllowedTargetArns never runs at dispatch, even when the table says so', async () => {
  // Written around the validator (by hand, or before the patterns were narrowed): the dispatcher checks again.
  const definition = canonicalJson({
    version: 1,
    id: 'payroll',
    schedule: { expression: 'cron(0 1 * * ? *)' },
    target: { type: 'lambda', arn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:payroll-export` },
  });
  await documentClient(ddb).send(
    new PutCommand({
      TableName: jobs.tableName,
      Item: {
        pk: jobPk('payroll'),
        sk: DEF_SK,
        kind: 'job',
        v: 1,
        id: 'payroll',
        definition,
        hash: hashOf(definition),
        version: 1,
        source: 'cli',
        paused: false,
        createdAt: FROM.toISOString(),
        updatedAt: FROM.toISOString(),
        lpk: listShard('payroll'),
        lsk: 'payroll',
      },
    }),
  );
  const invoked: string[] = [];
  const clock = createClock(new Date('2030-01-01T01:00:00Z'));
  const { dispatch, logs } = localDispatcher({ ddb, scheduler, sns, sqs }, jobs, {
    clock,
    targets: {
      async invokeAsync(arn) {
        invoked.push(arn);
        return { requestId: 'x' };
      },
    },
  });
  const out = await dispatch({ v: 1, job: 'payroll', scheduledTime: '2030-01-01T01:00:00Z', executionId: 'p-1' });
  expect(out).toMatchObject({ outcome: 'failed' });
  expect(invoked).toEqual([]);
  const [run] = await store.listRuns('payroll', 1);
  expect(run).toMatchObject({ status: 'failed', errorType: 'TargetNotAllowed' });
  expect(run.errorMessage).toMatch(/payroll-export is not allowed by this Jobs app's AllowedTargetArns/);
  expect(logs.filter((l) => l.level === 'error').map((l) => l.message)).toEqual([
    'refused to run a target outside AllowedTargetArns',
  ]);
});

test('wired to the Runs ledger, each slot is recorded once as jobs/<id>, however often it was delivered', async () => {
  const ledgerTable = await createRunsTable(ddb, 'runs-ledger');
  await apply({
    version: 1,
    id: 'ledgered',
    schedule: { expression: 'cron(30 * * * ? *)' },
    target: { type: 'lambda', arn: REPORTS },
  });
  const clock = createClock(FROM);
  const { dispatch } = localDispatcher({ ddb, scheduler, sns, sqs }, jobs, {
    clock,
    env: { RUNS_TABLE_NAME: ledgerTable },
    targets: { invokeAsync: async () => ({ requestId: 'r' }) },
  });
  const fires = await fireScheduleGroup(scheduler, jobs.groupName, {
    from: FROM,
    until: new Date(FROM.getTime() + 2 * 3600_000),
    clock,
    deliveries: () => 2,
    target: (event) => dispatch(event),
  });
  expect(fires.filter((f) => f.schedule === 'ledgered')).toHaveLength(4);
  const entries = await createLedgerStore(ddb, ledgerTable).recentEntries('jobs/ledgered', 10);
  expect(
    entries.map((e) => [e.kind, (e as { scheduledTime?: string }).scheduledTime, (e as { status?: string }).status]),
  ).toEqual([
    ['run', '2030-01-01T01:30:00.000Z', 'dispatched'],
    ['run', '2030-01-01T00:30:00.000Z', 'dispatched'],
  ]);
});

test('an unreadable fire goes to the dead-letter queue with its reason', async () => {
  const clock = createClock(FROM);
  const { dispatch } = localDispatcher({ ddb, scheduler, sns, sqs }, jobs, { clock });
  const out = await dispatch({ v: 1, job: 'three-times', executionId: 'x' });
  expect(out).toMatchObject({ outcome: 'unreadable' });
  const [letter] = await drain<{ reason: string; event: unknown }>(sqs, jobs.dispatchDeadLetterQueueUrl);
  expect(letter.reason).toMatch(/"scheduledTime" undefined is not an ISO 8601 UTC instant/);
  expect(letter.event).toEqual({ v: 1, job: 'three-times', executionId: 'x' });
});
