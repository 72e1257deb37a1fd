/**
 * The reconciler (functions/jobs-reconciler/reconciler.ts) over the real Scheduler calls (common/jobs/scheduler.ts)
 * with aws-sdk-client-mock: which schedule request each kind of job change makes, what it records, and how
 * Scheduler's refusals, throttles and conflicts are handled; the sweep's orphans and repairs.
 */
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ListSchedulesCommand,
  ResourceNotFoundException,
  SchedulerClient,
  ThrottlingException,
  UpdateScheduleCommand,
  ValidationException,
} from '@aws-sdk/client-scheduler';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { canonicalJson } from '../../../functions/common/jobs/definition';
import { createScheduleCalls } from '../../../functions/common/jobs/scheduler';
import type { JobItem, ScheduleItem } from '../../../functions/common/jobs/table';
import { createReconciler, type ReconcilerStore } from '../../../functions/jobs-reconciler/reconciler';
import type { ScheduleRequest } from '../../../functions/jobs-reconciler/schedules';

const scheduler = mockClient(SchedulerClient);
const SETTINGS = {
  groupName: 'cloud-cron-jobs',
  dispatcherArn: 'arn:aws:lambda:us-east-1:123456789012:function:jobs-dispatcher',
  roleArn: 'arn:aws:iam::123456789012:role/jobs-scheduler',
  deadLetterArn: 'arn:aws:sqs:us-east-1:123456789012:jobs-dispatch-dlq',
};
const NOW = new Date('2030-01-01T00:00:00Z');

function item(id: string, definition: Record<string, unknown>, extra: Partial<JobItem> = {}): JobItem {
  const text = canonicalJson({ version: 1, id, ...definition });
  return {
    pk: `JOB#${id}`,
    sk: 'DEF',
    kind: 'job',
    v: 1,
    id,
    definition: text,
    hash: `hash-${text.length}-${extra.version ?? 1}`,
    version: 1,
    source: 'api',
    paused: false,
    createdAt: NOW.toISOString(),
    updatedAt: NOW.toISOString(),
    lpk: 'JOBS#0',
    lsk: id,
    ...extra,
  };
}

const lambda = { type: 'lambda', arn: 'arn:aws:lambda:us-east-1:123456789012:function:reports-a' };

let seq = 100;
function record(eventName: 'INSERT' | 'MODIFY' | 'REMOVE', next?: JobItem, old?: JobItem): DynamoDBRecord {
  const id = (next ?? old)!.id;
  return {
    eventName,
    eventSource: 'aws:dynamodb',
    dynamodb: {
      Keys: { pk: { S: `JOB#${id}` }, sk: { S: 'DEF' } },
      ...(next ? { NewImage: marshall(next) as never } : {}),
      ...(old ? { OldImage: marshall(old) as never } : {}),
      SequenceNumber: String(seq++),
    },
  };
}

function setup(counts: Record<string, number> = {}, jobs: JobItem[] = []) {
  const written: ScheduleItem[] = [];
  const removed: string[] = [];
  const store: ReconcilerStore = {
    runCounts: async (ids) => new Map(ids.map((id) => [id, counts[id] ?? 0])),
    putScheduleRecords: async (items) => void written.push(...items),
    deleteScheduleRecords: async (ids) => void removed.push(...ids),
    listJobItems: async () => jobs,
    getJobItem: async (id) => jobs.find((j) => j.id === id),
    scheduleRecords: async () => new Map(),
  };
  const reconciler = createReconciler({
    schedules: createScheduleCalls<ScheduleRequest>(new SchedulerClient({ region: 'us-east-1' }), SETTINGS.groupName),
    store,
    settings: SETTINGS,
    now: () => NOW,
    log: { info: () => undefined, warn: () => undefined },
  });
  return { reconciler, written, removed };
}

beforeEach(() => {
  scheduler.reset();
  scheduler
    .on(CreateScheduleCommand)
    .resolves({ ScheduleArn: 'arn:aws:scheduler:us-east-1:123456789012:schedule/g/x' });
  scheduler
    .on(UpdateScheduleCommand)
    .resolves({ ScheduleArn: 'arn:aws:scheduler:us-east-1:123456789012:schedule/g/x' });
  scheduler.on(DeleteScheduleCommand).resolves({});
});

test('a new job gets its schedule: the dispatcher as target, the small input, its role and dead-letter queue', async () => {
  const { reconciler, written } = setup();
  const job = item('nightly', {
    description: 'Nightly',
    schedule: { expression: 'cron(0 2 * * ? *)', timezone: 'Europe/Paris', flexibleWindowMinutes: 15 },
    target: lambda,
  });
  const out = await reconciler.onStream({ Records: [record('INSERT', job)] });
  expect(out.batchItemFailures).toEqual([]);
  expect(scheduler).toHaveReceivedCommandTimes(CreateScheduleCommand, 1);
  const request = scheduler.commandCalls(CreateScheduleCommand)[0].args[0].input;
  expect(request).toMatchObject({
    Name: 'nightly',
    GroupName: 'cloud-cron-jobs',
    ScheduleExpression: 'cron(0 2 * * ? *)',
    ScheduleExpressionTimezone: 'Europe/Paris',
    State: 'ENABLED',
    Description: 'Nightly',
    ActionAfterCompletion: 'NONE',
    FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 15 },
    Target: {
      Arn: SETTINGS.dispatcherArn,
      RoleArn: SETTINGS.roleArn,
      DeadLetterConfig: { Arn: SETTINGS.deadLetterArn },
      RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 185 },
    },
  });
  expect(JSON.parse(request.Target!.Input!)).toMatchObject({ v: 1, job: 'nightly', version: 1 });
  expect(written).toEqual([expect.objectContaining({ id: 'nightly', status: 'active', version: 1 })]);
});

test('one-time at() jobs delete themselves; a change between one-time and recurring is a delete and a create', async () => {
  const { reconciler } = setup();
  const once = item('once', { schedule: { expression: 'at(2030-06-01T09:00:00)' }, target: lambda });
  await reconciler.onStream({ Records: [record('INSERT', once)] });
  expect(scheduler.commandCalls(CreateScheduleCommand)[0].args[0].input.ActionAfterCompletion).toBe('DELETE');
  const recurring = item('once', { schedule: { expression: 'rate(1 hour)' }, target: lambda }, { version: 2 });
  await reconciler.onStream({ Records: [record('MODIFY', recurring, once)] });
  expect(scheduler).toHaveReceivedCommandWith(DeleteScheduleCommand, { Name: 'once', GroupName: 'cloud-cron-jobs' });
  expect(scheduler.commandCalls(CreateScheduleCommand)[1].args[0].input.ActionAfterCompletion).toBe('NONE');
  expect(scheduler).toHaveReceivedCommandTimes(UpdateScheduleCommand, 0);
});

test('a change replaces the schedule; pausing disables it; a change nothing depends on is not sent', async () => {
  const { reconciler } = setup();
  const v1 = item('j', { schedule: { expression: 'rate(1 hour)' }, target: lambda });
  const v2 = item('j', { schedule: { expression: 'rate(2 hours)' }, target: lambda }, { version: 2 });
  await reconciler.onStream({ Records: [record('MODIFY', v2, v1)] });
  expect(scheduler.commandCalls(UpdateScheduleCommand)[0].args[0].input).toMatchObject({
    ScheduleExpression: 'rate(2 hours)',
    State: 'ENABLED',
  });
  const paused = { ...v2, paused: true };
  await reconciler.onStream({ Records: [record('MODIFY', paused, v2)] });
  expect(scheduler.commandCalls(UpdateScheduleCommand)[1].args[0].input.State).toBe('DISABLED');
  const touched = { ...paused, updatedBy: 'someone' };
  const out = await reconciler.onStream({ Records: [record('MODIFY', touched, paused)] });
  expect(out.outcomes).toEqual([expect.objectContaining({ action: 'skipped' })]);
  expect(scheduler).toHaveReceivedCommandTimes(UpdateScheduleCommand, 2);
});

test('an update of a schedule that is gone creates it', async () => {
  const { reconciler } = setup();
  const arn = { ScheduleArn: 'arn:aws:scheduler:us-east-1:123456789012:schedule/g/x' };
  scheduler
    .on(UpdateScheduleCommand)
    .rejectsOnce(new ResourceNotFoundException({ message: 'gone', Message: 'gone', $metadata: {} }))
    .resolves(arn);
  const v1 = item('j', { schedule: { expression: 'rate(1 hour)' }, target: lambda });
  const v2 = item('j', { schedule: { expression: 'rate(2 hours)' }, target: lambda }, { version: 2 });
  const out = await reconciler.onStream({ Records: [record('MODIFY', v2, v1)] });
  expect(out.outcomes[0].action).toBe('created');
});

test('a create of a schedule that exists updates it', async () => {
  const { reconciler } = setup();
  const arn = { ScheduleArn: 'arn:aws:scheduler:us-east-1:123456789012:schedule/g/x' };
  scheduler
    .on(CreateScheduleCommand)
    .rejectsOnce(new ConflictException({ message: 'exists', Message: 'exists', $metadata: {} }))
    .resolves(arn);
  const other = item('k', { schedule: { expression: 'rate(1 hour)' }, target: lambda });
  const again = await reconciler.onStream({ Records: [record('INSERT', other)] });
  expect(again.outcomes[0]).toMatchObject({ id: 'k', action: 'updated', status: 'active' });
});

test('a deleted job deletes its schedule; maxRuns reached or no run left means no schedule', async () => {
  const { reconciler, removed, written } = setup({ capped: 3 });
  const gone = item('gone', { schedule: { expression: 'rate(1 hour)' }, target: lambda });
  await reconciler.onStream({ Records: [record('REMOVE', undefined, gone)] });
  expect(scheduler).toHaveReceivedCommandWith(DeleteScheduleCommand, { Name: 'gone' });
  expect(removed).toEqual(['gone']);
  const capped = item('capped', { schedule: { expression: 'rate(1 hour)' }, target: lambda, maxRuns: 3 });
  const past = item('past', { schedule: { expression: 'at(2020-01-01T00:00:00)' }, target: lambda });
  await reconciler.onStream({ Records: [record('INSERT', capped), record('INSERT', past)] });
  expect(scheduler).toHaveReceivedCommandTimes(CreateScheduleCommand, 0);
  expect(written.map((w) => [w.id, w.status, w.reason])).toEqual([
    ['capped', 'none', 'maxRuns reached (3 of 3 runs)'],
    ['past', 'none', expect.stringMatching(/^no run left after 2030-01-01/)],
  ]);
});

test("Scheduler's refusal is recorded on the job and never retried; a throttle is retried from its record", async () => {
  const { reconciler, written } = setup();
  scheduler
    .on(CreateScheduleCommand)
    .rejectsOnce(
      new ValidationException({
        message: 'Invalid Schedule Expression',
        Message: 'Invalid Schedule Expression',
        $metadata: {},
      }),
    )
    .rejectsOnce(new ThrottlingException({ message: 'Rate exceeded', Message: 'Rate exceeded', $metadata: {} }));
  const a = item('a', { schedule: { expression: 'rate(1 hour)' }, target: lambda });
  const b = item('b', { schedule: { expression: 'rate(1 hour)' }, target: lambda });
  const first = record('INSERT', a);
  const second = record('INSERT', b);
  const out = await reconciler.onStream({ Records: [first, second] });
  expect(written).toEqual([
    expect.objectContaining({ id: 'a', status: 'error', reason: 'ValidationException: Invalid Schedule Expression' }),
  ]);
  expect(out.batchItemFailures).toEqual([{ itemIdentifier: second.dynamodb!.SequenceNumber }]);
});

test('the sweep deletes schedules without a job and makes missing ones again', async () => {
  const present = item('present', { schedule: { expression: 'rate(1 hour)' }, target: lambda });
  const missing = item('missing', { schedule: { expression: 'rate(1 hour)' }, target: lambda });
  const { reconciler } = setup({}, [present, missing]);
  scheduler.on(ListSchedulesCommand).resolves({ Schedules: [{ Name: 'present' }, { Name: 'orphan' }] as never });
  const out = await reconciler.sweep();
  expect(out.orphansDeleted).toEqual(['orphan']);
  expect(out.repaired.sort()).toEqual(['missing', 'present']);
  expect(scheduler).toHaveReceivedCommandWith(DeleteScheduleCommand, { Name: 'orphan' });
  expect(scheduler).toHaveReceivedCommandWith(CreateScheduleCommand, { Name: 'missing' });
});
