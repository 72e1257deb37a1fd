/**
 * Destination records (the documented samples in events/) become ledger items that keep the run's facts and
 * nothing of its payload or result; anything else is refused with the field that is wrong.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type DestinationEvent,
  type RecorderSettings,
  readDestinationEvent,
  runItemFromRecord,
  UnreadableRecordError,
} from '../../../functions/common/runs/records';
import { EVENTS } from '../../../tooling/paths';

const sample = (name: string) => JSON.parse(readFileSync(join(EVENTS, `${name}.json`), 'utf8')) as DestinationEvent;
const NOW = new Date('2030-01-07T08:00:00.000Z');
const settings: RecorderSettings = { retentionDays: 90, errorMessages: 'scrubbed' };
const item = (name: string, s = settings) => runItemFromRecord(readDestinationEvent(sample(name)), s, NOW);

test('a success record: keys per request id and condition, time order by end, nothing of the payload', () => {
  const run = item('runs-destination-success');
  expect(run).toEqual({
    pk: 'JOB#nightly-report',
    sk: 'RUN#c2b7a9f0-51d4-4e0b-8f5e-0e2f3a6b1d77#Success',
    t: '2030-01-07T07:00:02.311Z#c2b7a9f0-51d4-4e0b-8f5e-0e2f3a6b1d77',
    kind: 'run',
    v: 1,
    job: 'nightly-report',
    functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:nightly-report',
    status: 'succeeded',
    condition: 'Success',
    requestId: 'c2b7a9f0-51d4-4e0b-8f5e-0e2f3a6b1d77',
    endedAt: '2030-01-07T07:00:02.311Z',
    attempts: 1,
    executedVersion: '$LATEST',
    recordedAt: NOW.toISOString(),
    expiresAt: Math.floor(Date.parse('2030-01-07T07:00:02.311Z') / 1000) + 90 * 86400,
  });
  expect(JSON.stringify(run)).not.toMatch(/jane|1204|daily/);
});

test('a failure after retries: failed, attempts, error type and a scrubbed message, awaiting its alert', () => {
  const run = item('runs-destination-failure');
  expect(run).toMatchObject({
    status: 'failed',
    condition: 'RetriesExhausted',
    attempts: 3,
    functionError: 'Unhandled',
    errorType: 'ReportError',
    errorMessage: 'could not email [email] via https://smtp.example.com/…: 550 mailbox unavailable',
    notified: false,
  });
  expect(JSON.stringify(run)).not.toMatch(/jane\.doe|token=|abc123|trace|var\/task/);
  expect(item('runs-destination-failure', { retentionDays: 90, errorMessages: 'none' }).errorMessage).toBeUndefined();
});

test('a timeout is timed_out, with the slot, execution id and delivery attempt of its job context', () => {
  expect(item('runs-destination-timeout')).toMatchObject({
    status: 'timed_out',
    errorType: 'Sandbox.Timedout',
    errorMessage: 'Task timed out after 300.00 seconds',
    scheduledTime: '2030-01-07T07:00:00.000Z',
    executionId: '1b7e0c5a-6d2f-4e8a-9c3b-5f1d2e3a4b6c',
    deliveryAttempt: 1,
    trigger: 'schedule',
  });
  const old = sample('runs-destination-timeout');
  (old.detail.responsePayload as Record<string, unknown>) = {
    errorMessage: '2030-01-07T07:18:05.120Z 5d7c1a2b-9e3f-4a6b-8c1d-2e3f4a5b6c7d Task timed out after 3.00 seconds',
  };
  expect(runItemFromRecord(readDestinationEvent(old), settings, NOW)).toMatchObject({
    status: 'timed_out',
    errorType: 'Sandbox.Timedout',
    errorMessage: 'Task timed out after 3.00 seconds',
  });
});

test("the job's own timing report on success gives start and duration", () => {
  expect(item('runs-destination-context')).toMatchObject({
    startedAt: '2030-01-08T07:00:58.101Z',
    durationMs: 13944,
    attempts: 2,
    scheduledTime: '2030-01-08T07:00:00.000Z',
  });
});

test('an event too old to run is a failure with a reason even without a response', () => {
  expect(item('runs-destination-event-age')).toMatchObject({
    status: 'failed',
    condition: 'EventAgeExceeded',
    errorType: 'EventAgeExceeded',
    attempts: 0,
    errorMessage: expect.stringMatching(/MaximumEventAgeInSeconds/),
  });
});

test('the en-dash variant of the failure detail-type (as some docs print it) is read too', () => {
  const e = sample('runs-destination-failure');
  e['detail-type'] = 'Lambda Function Invocation Result – Failure';
  expect(runItemFromRecord(readDestinationEvent(e), settings, NOW).status).toBe('failed');
});

const base = () => sample('runs-destination-success') as unknown as Record<string, unknown>;
const detail = (e: Record<string, unknown>) => e.detail as Record<string, unknown>;
const context = (e: Record<string, unknown>) => detail(e).requestContext as Record<string, unknown>;
/** Changes the event in place (as `change` says) and returns it. */
const edit =
  (change: (e: Record<string, unknown>) => void) =>
  (e: Record<string, unknown>): Record<string, unknown> => {
    change(e);
    return e;
  };
const BAD: [string, (e: Record<string, unknown>) => unknown, RegExp][] = [
  ['not an object', () => 'text', /not a JSON object/],
  ['another source', (e) => ({ ...e, source: 'aws.lambda' }), /source is "aws.lambda"/],
  ['another detail-type', (e) => ({ ...e, 'detail-type': 'Scheduled Event' }), /detail-type is "Scheduled Event"/],
  ['no detail', (e) => ({ ...e, detail: undefined }), /detail is not an object/],
  [
    'no timestamp',
    edit((e) => {
      delete detail(e).timestamp;
    }),
    /detail\.timestamp/,
  ],
  [
    'a bad timestamp',
    edit((e) => {
      Object.assign(detail(e), { timestamp: 'yesterday' });
    }),
    /detail\.timestamp "yesterday"/,
  ],
  [
    'no request context',
    edit((e) => {
      delete detail(e).requestContext;
    }),
    /detail\.requestContext is missing/,
  ],
  [
    'no request id',
    edit((e) => {
      delete context(e).requestId;
    }),
    /requestId undefined/,
  ],
  [
    'a request id with spaces',
    edit((e) => {
      Object.assign(context(e), { requestId: 'a b' });
    }),
    /requestId "a b"/,
  ],
  [
    'not a function ARN',
    edit((e) => {
      Object.assign(context(e), { functionArn: 'arn:aws:sns:us-east-1:1:t' });
    }),
    /functionArn/,
  ],
  [
    'no condition',
    edit((e) => {
      delete context(e).condition;
    }),
    /condition undefined/,
  ],
  [
    'a negative count',
    edit((e) => {
      Object.assign(context(e), { approximateInvokeCount: -1 });
    }),
    /approximateInvokeCount -1/,
  ],
  [
    'success type with a failure condition',
    edit((e) => {
      Object.assign(context(e), { condition: 'RetriesExhausted' });
    }),
    /does not agree/,
  ],
];

test.each(BAD)('refuses %s, naming the field', (_name, mutate, message) => {
  const event = mutate(base());
  expect(() => readDestinationEvent(event)).toThrow(UnreadableRecordError);
  expect(() => readDestinationEvent(event)).toThrow(message);
});

test('the malformed sample is refused', () => {
  expect(() => readDestinationEvent(sample('runs-destination-malformed'))).toThrow(/requestContext is missing/);
});

test('a wrong value is shown in the reason cut to 80 characters: the reason is logged and must not carry a payload', () => {
  const secret = `jane.doe@example.com ${'x'.repeat(500)}`;
  const e = base();
  Object.assign(context(e), { functionArn: secret });
  let reason = '';
  try {
    readDestinationEvent(e);
  } catch (err) {
    reason = (err as Error).message;
  }
  expect(reason).toMatch(
    /^not a Lambda destination record: detail\.requestContext\.functionArn "jane\.doe@example\.com x+\.\.\. is not/,
  );
  expect(reason.length).toBeLessThan(200);
  expect(() => readDestinationEvent({ ...base(), source: { nested: secret } })).toThrow(/source is \{"nested":"jane/);
});
