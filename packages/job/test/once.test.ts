/** One run per scheduled time: the key, and runOnce over a store (in memory here; DynamoDB in moto.test.ts). */
import {
  InvalidEventError,
  idempotencyKey,
  type JobContext,
  memoryStore,
  RunInProgressError,
  runOnce,
} from '../src/index';

const slot = (over: Partial<JobContext> = {}): JobContext => ({
  scheduledTime: '2030-01-07T07:00:00.000Z',
  executionId: 'e-1',
  attempt: '1',
  scheduleArn: 'arn:aws:scheduler:us-east-1:123456789012:schedule/default/nightly',
  trigger: 'schedule',
  ...over,
});

test('the key is <job>#<scheduledTime>; a manual run is keyed on its execution id', () => {
  expect(idempotencyKey('nightly', slot())).toBe('nightly#2030-01-07T07:00:00.000Z');
  // Retries keep the slot's time: a different attempt or execution id of the same slot is the same run.
  expect(idempotencyKey('nightly', slot({ attempt: '2', executionId: 'e-2' }))).toBe(
    'nightly#2030-01-07T07:00:00.000Z',
  );
  expect(idempotencyKey('nightly', slot({ trigger: 'manual', executionId: 'manual-42' }))).toBe(
    'nightly#manual#manual-42',
  );
  expect(() => idempotencyKey('nightly', slot({ trigger: 'manual', executionId: '' }))).toThrow(InvalidEventError);
});

test('the first delivery runs; a redelivery of the slot gets the first result without running', async () => {
  const store = memoryStore();
  let runs = 0;
  const work = async () => ({ sent: ++runs });
  const first = await runOnce(slot(), { job: 'nightly', store }, work);
  const again = await runOnce(slot({ attempt: '2' }), { job: 'nightly', store }, work);
  expect(first).toEqual({ ran: true, key: 'nightly#2030-01-07T07:00:00.000Z', result: { sent: 1 } });
  expect(again).toEqual({ ran: false, key: 'nightly#2030-01-07T07:00:00.000Z', result: { sent: 1 } });
  expect(runs).toBe(1);
  // The next slot is another run.
  expect(
    (await runOnce(slot({ scheduledTime: '2030-01-08T07:00:00.000Z' }), { job: 'nightly', store }, work)).ran,
  ).toBe(true);
});

test('a failed run releases its claim, so the retry runs it again', async () => {
  const store = memoryStore();
  const boom = new Error('upstream down');
  await expect(runOnce(slot(), { job: 'nightly', store }, async () => Promise.reject(boom))).rejects.toBe(boom);
  expect(store.records.size).toBe(0);
  expect((await runOnce(slot(), { job: 'nightly', store }, async () => 'ok')).ran).toBe(true);
});

test('a delivery while the slot is running is refused (Lambda retries it); a stale claim is taken over', async () => {
  const store = memoryStore();
  let now = Date.parse('2030-01-07T07:00:05Z');
  const options = { job: 'nightly', store, inProgressSeconds: 300, now: () => now };
  let release: () => void = () => {};
  const running = runOnce(slot(), options, () => new Promise<string>((r) => (release = () => r('first'))));
  await Promise.resolve();
  const error = await runOnce(slot(), options, async () => 'second').catch((e: Error) => e);
  expect(error).toBeInstanceOf(RunInProgressError);
  expect((error as Error).message).toBe(
    'nightly#2030-01-07T07:00:00.000Z is already running (claimed until 2030-01-07T07:05:05.000Z): this delivery is retried later',
  );
  release();
  expect(await running).toMatchObject({ ran: true, result: 'first' });

  // A run that died (timeout) leaves IN_PROGRESS; once it expires, a retry takes over.
  const dead = memoryStore();
  await dead.claim(
    'nightly#2030-01-07T07:00:00.000Z',
    { status: 'IN_PROGRESS', expiresAt: now / 1000 + 300 },
    now / 1000,
  );
  await expect(runOnce(slot(), { ...options, store: dead }, async () => 'retry')).rejects.toBeInstanceOf(
    RunInProgressError,
  );
  now += 301_000;
  expect(await runOnce(slot(), { ...options, store: dead }, async () => 'retry')).toMatchObject({
    ran: true,
    result: 'retry',
  });
});

test('no job context: refused with what to deploy', async () => {
  await expect(runOnce(undefined, { job: 'nightly', store: memoryStore() }, async () => 1)).rejects.toThrow(
    /the event has no job context \(cloudCron\.scheduledTime\): deploy the scheduled job with ScheduleContext=true/,
  );
});
