/** The recorder: one ledger item per destination record, one alert per final failure, unreadable -> DLQ. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BusEntry } from '../../../functions/common/runs/events';
import { createRecorder, deadLetterBody } from '../../../functions/runs-recorder/recorder';
import { EVENTS } from '../../../tooling/paths';
import { createMemoryStore } from '../../../tooling/simulator/memory-store';

const sample = (name: string) => JSON.parse(readFileSync(join(EVENTS, `${name}.json`), 'utf8')) as unknown;

function setup(options: { failPutOnce?: boolean } = {}) {
  const store = createMemoryStore();
  const entries: BusEntry[] = [];
  const dead: string[] = [];
  const logs: unknown[] = [];
  let failPut = options.failPutOnce ?? false;
  const record = createRecorder({
    store,
    bus: {
      async put(e) {
        if (failPut) {
          failPut = false;
          throw new Error('EventBridge unavailable');
        }
        entries.push(...e);
      },
    },
    busName: 'cloud-cron-runs',
    deadLetter: { send: async (body) => void dead.push(body) },
    settings: { retentionDays: 30, errorMessages: 'scrubbed' },
    now: () => new Date('2030-01-07T08:00:00Z'),
    log: { info: (...a) => logs.push(a), warn: (...a) => logs.push(a) },
  });
  return { store, entries, dead, logs, record };
}

test('a record delivered twice is recorded once', async () => {
  const { store, record, entries } = setup();
  expect(await record(sample('runs-destination-success'))).toMatchObject({ outcome: 'recorded', status: 'succeeded' });
  expect(await record(sample('runs-destination-success'))).toMatchObject({ outcome: 'duplicate', status: 'succeeded' });
  expect(store.entries('nightly-report')).toHaveLength(1);
  expect(entries).toEqual([]);
});

test('a final failure is recorded and announced once on the bus, for the job stack to forward', async () => {
  const { record, entries } = setup();
  await record(sample('runs-destination-failure'));
  await record(sample('runs-destination-failure'));
  expect(entries).toHaveLength(1);
  expect(entries[0]).toMatchObject({
    Source: 'cloud-cron.runs',
    DetailType: 'Cloud Cron Run Failed',
    EventBusName: 'cloud-cron-runs',
    Resources: ['arn:aws:lambda:us-east-1:123456789012:function:nightly-report'],
  });
  const detail = JSON.parse(entries[0].Detail);
  expect(detail).toMatchObject({ kind: 'failed', job: 'nightly-report', status: 'failed', attempts: 3 });
  expect(entries[0].Detail).not.toMatch(/jane|abc123/);
});

test('when the alert could not be put, the redelivered record puts it (outbox), and only then', async () => {
  const { store, record, entries } = setup({ failPutOnce: true });
  await expect(record(sample('runs-destination-timeout'))).rejects.toThrow('EventBridge unavailable');
  expect(store.entries('nightly-report')[0]).toMatchObject({ status: 'timed_out', notified: false });
  expect(await record(sample('runs-destination-timeout'))).toMatchObject({ outcome: 'duplicate', notified: true });
  expect(entries.map((e) => e.DetailType)).toEqual(['Cloud Cron Run Failed']);
  expect(store.entries('nightly-report')[0].notified).toBe(true);
  await record(sample('runs-destination-timeout'));
  expect(entries).toHaveLength(1);
});

test('an unreadable event goes to the dead-letter queue with the reason and is not retried', async () => {
  const { store, record, dead, logs } = setup();
  const outcome = await record(sample('runs-destination-malformed'));
  expect(outcome).toEqual({ outcome: 'dead-lettered', reason: expect.stringMatching(/requestContext is missing/) });
  expect(dead).toHaveLength(1);
  const body = JSON.parse(dead[0]);
  expect(body.reason).toMatch(/requestContext is missing/);
  expect(body.event).toEqual(sample('runs-destination-malformed'));
  expect(store.entries('nightly-report')).toEqual([]);
  // The log says why, never what the event carried.
  expect(JSON.stringify(logs)).not.toMatch(/daily/);
});

test('an oversized unreadable event is kept in part, with its size', () => {
  const body = JSON.parse(deadLetterBody('too big', { blob: 'x'.repeat(300_000) }, new Date(0)));
  expect(body.eventChars).toBeGreaterThan(300_000);
  expect(body.eventStart).toHaveLength(200_000);
});

test('two deliveries of one failure at the same time announce it once; the other fails so Lambda checks again', async () => {
  const { record, entries } = setup();
  const results = await Promise.allSettled([
    record(sample('runs-destination-failure')),
    record(sample('runs-destination-failure')),
  ]);
  expect(entries).toHaveLength(1);
  const rejected = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
  expect(rejected.map((r) => (r.reason as Error).name)).toEqual(['NotificationPendingError']);
  // Lambda's retry of the losing delivery finds the failure announced.
  expect(await record(sample('runs-destination-failure'))).toMatchObject({ outcome: 'duplicate', notified: true });
  expect(entries).toHaveLength(1);
});

describe('task runs (the task monitor reports them on the bus)', () => {
  test('a task run delivered twice is recorded once under its task id, and never announced', async () => {
    const { store, record, entries } = setup();
    const first = await record(sample('runs-task-run'));
    expect(first).toEqual({
      outcome: 'recorded',
      job: 'cloud-cron-nightly-export',
      requestId: '9d8c7b6a5f4e4d3c2b1a0f9e8d7c6b5a',
      status: 'failed',
      notified: true,
    });
    expect(await record(sample('runs-task-run'))).toMatchObject({ outcome: 'duplicate', status: 'failed' });
    expect(store.entries('cloud-cron-nightly-export')).toEqual([
      expect.objectContaining({ runner: 'ecs', status: 'failed', errorType: 'NonZeroExit', attempts: 1 }),
    ]);
    // The task monitor notifies FailureTopicArn itself: no "Cloud Cron Run Failed" for a task.
    expect(entries).toEqual([]);
  });

  test('an unreadable task run goes to the dead-letter queue with the field that is wrong', async () => {
    const { store, record, dead } = setup();
    const bad = sample('runs-task-run') as { detail: Record<string, unknown> };
    bad.detail.status = 'finished';
    expect(await record(bad)).toEqual({
      outcome: 'dead-lettered',
      reason: expect.stringMatching(/^not a Cloud Cron task run: detail\.status "finished"/),
    });
    expect(JSON.parse(dead[0]).event.detail.status).toBe('finished');
    expect(store.entries('cloud-cron-nightly-export')).toEqual([]);
  });

  test('an event of any other source is refused naming the two it reads', async () => {
    const { record } = setup();
    expect(await record({ ...(sample('runs-task-run') as object), source: 'aws.ecs' })).toEqual({
      outcome: 'dead-lettered',
      reason:
        'source is "aws.ecs": expected "lambda" (a Lambda destination record) or "cloud-cron.tasks" (a Cloud Cron task run)',
    });
  });
});
