import { DescribeTasksCommand, ECSClient, ListTasksCommand, StopTaskCommand } from '@aws-sdk/client-ecs';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Once } from '../../../functions/common/idempotency';
import { createBus } from '../../../functions/common/runs/bus';
import { UnsupportedEventError } from '../../../functions/task-monitor/errors';
import { createMonitor, type MonitorDeps } from '../../../functions/task-monitor/monitor';
import type { SnsMessage } from '../../../functions/task-monitor/notice';
import { type TaskRun, taskRun } from '../../../functions/task-monitor/outcome';
import { busRecorder } from '../../../functions/task-monitor/runs';
import { EVENTS } from '../../../tooling/paths';
import { CONFIG, sample } from './helpers';

const ecsMock = mockClient(ECSClient);
let published: { topic: string; message: SnsMessage; dedupId: string }[];
let recorded: TaskRun[];
let onceKeys: Set<string>;

function monitor(overrides: Partial<MonitorDeps> = {}) {
  const once: Once = async (key, work) => {
    if (onceKeys.has(key)) return {} as never;
    const r = await work();
    onceKeys.add(key);
    return r;
  };
  return createMonitor({
    config: CONFIG,
    ecs: new ECSClient({ region: 'us-east-1' }),
    publish: async (topic, message, dedupId) => {
      published.push({ topic, message, dedupId });
    },
    once,
    recorder: { record: async (run) => void recorded.push(run) },
    now: () => new Date('2030-01-31T04:00:00Z'),
    log: { info: jest.fn(), warn: jest.fn() },
    ...overrides,
  });
}

beforeEach(() => {
  ecsMock.reset();
  published = [];
  recorded = [];
  onceKeys = new Set();
});

test('a failed run is recorded and notified once, with the reason and the log link, however often it arrives', async () => {
  const handle = monitor();
  const event = sample('stopped-exit-code');
  await expect(handle(event)).resolves.toEqual({
    outcome: 'finished',
    taskArn: event.detail.taskArn,
    status: 'failed',
    notified: true,
  });
  await handle(event);
  expect(published).toHaveLength(1);
  const [{ topic, message, dedupId }] = published;
  expect(topic).toBe(CONFIG.failureTopicArn);
  expect(dedupId).toBe('5a2f3d7c9e1b4a6f8d0c2e4a6b8d0f12-failed');
  expect(message.Subject).toBe('Cloud Cron: cloud-cron-nightly-export failed');
  expect(message.MessageAttributes).toEqual({
    type: { DataType: 'String', StringValue: 'alert' },
    severity: { DataType: 'String', StringValue: 'critical' },
    job: { DataType: 'String', StringValue: 'cloud-cron-nightly-export' },
    status: { DataType: 'String', StringValue: 'failed' },
  });
  const body = JSON.parse(message.Message);
  expect(body).toMatchObject({
    version: '1',
    kind: 'failed',
    status: 'failed',
    title: 'Cloud Cron: cloud-cron-nightly-export failed',
    reason: 'container job failed with exit code 3',
    exitCode: 3,
    scheduledTime: '2030-01-31T02:00:00Z',
    logUrl: expect.stringContaining('log-events/task$252Fjob$252F5a2f3d7c9e1b4a6f8d0c2e4a6b8d0f12'),
  });
  expect(body.summary).toBe(
    `The run of cloud-cron-nightly-export scheduled for 2030-01-31T02:00:00Z (task 5a2f3d7c9e1b4a6f8d0c2e4a6b8d0f12) failed after 40 min: container job failed with exit code 3. Logs: ${body.logUrl}`,
  );
  expect(message.Message).not.toContain('orders'); // the payload never leaves the task
  expect(recorded.map((r) => r.status)).toEqual(['failed', 'failed']); // the ledger de-duplicates by task
});

test.each([
  ['stopped-timed-out', 'timed_out', true],
  ['stopped-failed-to-start', 'failed', true],
  ['stopped-spot-interruption', 'failed', true],
  ['stopped-succeeded', 'succeeded', false],
  ['stopped-skipped', 'skipped', false],
])('%s: recorded as %s, notified: %s', async (name, status, notified) => {
  const out = await monitor()(sample(name));
  expect(out).toMatchObject({ outcome: 'finished', status, notified });
  expect(published).toHaveLength(notified ? 1 : 0);
  expect(recorded).toEqual([expect.objectContaining({ status })]);
});

test('a timed-out run says so in its subject and summary', async () => {
  await monitor()(sample('stopped-timed-out'));
  expect(published[0].message.Subject).toBe('Cloud Cron: cloud-cron-nightly-export timed out');
  expect(JSON.parse(published[0].message.Message).summary).toMatch(
    /^The run of cloud-cron-nightly-export scheduled for 2030-01-31T02:00:00Z \(task 0a1b2c3d4e5f46a7b8c9d0e1f2a3b4c5\) timed out after 91 min: Cloud Cron: timed out after TaskTimeoutMinutes=90/,
  );
});

test('without FailureTopicArn a failure is recorded, not published', async () => {
  const out = await monitor({ config: { ...CONFIG, failureTopicArn: undefined } })(sample('stopped-exit-code'));
  expect(out).toMatchObject({ status: 'failed', notified: false });
  expect(published).toEqual([]);
  expect(recorded).toHaveLength(1);
});

test('a notice that cannot be published fails the invocation (retried), and is published by the retry', async () => {
  const event = sample('stopped-exit-code');
  let fail = true;
  const handle = monitor({
    publish: async (topic, message, dedupId) => {
      if (fail) throw new Error('SNS unavailable');
      published.push({ topic, message, dedupId });
    },
  });
  await expect(handle(event)).rejects.toThrow('SNS unavailable');
  fail = false;
  await handle(event);
  expect(published).toHaveLength(1);
});

test('PROVISIONING with PreventOverlap checks for a running task; without it, nothing is done', async () => {
  ecsMock.on(ListTasksCommand).resolves({ taskArns: [] });
  ecsMock.on(DescribeTasksCommand).resolves({ tasks: [] });
  const event = sample('provisioning');
  await expect(monitor()(event)).resolves.toEqual({ outcome: 'started', taskArn: event.detail.taskArn });
  await expect(monitor({ config: { ...CONFIG, preventOverlap: false } })(event)).resolves.toMatchObject({
    outcome: 'ignored',
  });
  expect(ecsMock.commandCalls(ListTasksCommand)).toHaveLength(1);
  expect(ecsMock).not.toHaveReceivedCommand(StopTaskCommand);
});

test('events of another family or cluster are ignored', async () => {
  const event = sample('stopped-exit-code');
  const other = {
    ...event,
    detail: { ...event.detail, taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/other:1' },
  };
  await expect(monitor()(other)).resolves.toMatchObject({
    outcome: 'ignored',
    reason: 'another cluster or task family',
  });
  const elsewhere = {
    ...event,
    detail: { ...event.detail, clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/x' },
  };
  await expect(monitor()(elsewhere)).resolves.toMatchObject({ outcome: 'ignored' });
  expect(published).toEqual([]);
  expect(recorded).toEqual([]);
});

test('the reaper tick runs the reaper', async () => {
  ecsMock.on(ListTasksCommand).resolves({ taskArns: [] });
  const tick = JSON.parse(readFileSync(join(EVENTS, 'task-reaper-tick.json'), 'utf8'));
  await expect(monitor()(tick)).resolves.toEqual({ outcome: 'reaped', running: 0, stopped: [] });
});

test('any other event is refused with a named error', async () => {
  await expect(monitor()({ hello: 'world' })).rejects.toBeInstanceOf(UnsupportedEventError);
});

describe('with RunsEventBusArn: every run is put on the Runs bus (busRecorder)', () => {
  const BUS = 'arn:aws:events:us-east-1:123456789012:event-bus/cloud-cron-runs';
  const events = mockClient(EventBridgeClient);
  beforeEach(() => events.reset());
  const wired = () =>
    monitor({ recorder: busRecorder(createBus(new EventBridgeClient({ region: 'us-east-1' })), BUS) });

  test.each([
    ['stopped-succeeded', 'succeeded'],
    ['stopped-exit-code', 'failed'],
    ['stopped-timed-out', 'timed_out'],
    ['stopped-skipped', 'skipped'],
  ])('%s: one Cloud Cron Task Run event, about the task, with the run as its detail', async (name, status) => {
    events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
    const event = sample(name);
    await expect(wired()(event)).resolves.toMatchObject({ outcome: 'finished', status });
    expect(events).toHaveReceivedCommandTimes(PutEventsCommand, 1);
    const [entry] = events.commandCalls(PutEventsCommand)[0].args[0].input.Entries!;
    expect(entry).toMatchObject({
      Source: 'cloud-cron.tasks',
      DetailType: 'Cloud Cron Task Run',
      EventBusName: BUS,
      Resources: [event.detail.taskArn],
    });
    expect(JSON.parse(entry.Detail!)).toEqual(taskRun(event.detail, CONFIG));
    expect(entry.Detail).not.toContain('yesterday');
  });

  test('a refused entry fails the event (Lambda retries it), after the failure notice went out once', async () => {
    events.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'AccessDeniedException', ErrorMessage: 'not authorized' }],
    });
    const handle = wired();
    await expect(handle(sample('stopped-exit-code'))).rejects.toThrow(
      /EventBridge refused 1 of 1 event\(s\) on .*cloud-cron-runs: AccessDeniedException not authorized/,
    );
    events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '2' }] });
    await expect(handle(sample('stopped-exit-code'))).resolves.toMatchObject({ status: 'failed' });
    expect(published).toHaveLength(1);
    expect(events).toHaveReceivedCommandTimes(PutEventsCommand, 2);
  });
});
