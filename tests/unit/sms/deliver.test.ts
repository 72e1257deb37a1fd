/**
 * deliverToAll: partial failure, per-recipient idempotency and retries, with a scripted sender and an in-memory
 * idempotency store that follows Powertools' rules (a result is recorded when the work returns; nothing when it
 * throws; a recorded key returns its result without running the work).
 */
import RestException from 'twilio/lib/base/RestException';
import type { Once } from '../../../functions/common/idempotency';
import {
  backoffDelay,
  type DeliveryLogger,
  type DeliveryOptions,
  deliverToAll,
  maskNumber,
} from '../../../functions/sms/deliver';
import { TwilioTransportError } from '../../../functions/sms/transport';
import type { SendSms } from '../../../functions/sms/twilio';
import { TWILIO_ERRORS } from '../../../tooling/twilio-standin';

const A = '+15551230001';
const B = '+15551230002';
const C = '+15551230003';

function twilioError(status: number, body: unknown): Error {
  return new RestException({ statusCode: status, body: JSON.stringify(body) } as never) as unknown as Error;
}

type Script = Record<string, (Error | 'ok')[]>;

/** A sender that answers per number from a script (then succeeds), and records every call. */
function scriptedSender(script: Script = {}): SendSms & { calls: string[] } {
  const calls: string[] = [];
  let n = 0;
  const send: SendSms = async (to) => {
    calls.push(to);
    const next = script[to]?.shift();
    if (next instanceof Error) throw next;
    n += 1;
    return { sid: `SM${String(n).padStart(32, '0')}`, status: 'queued', numSegments: 2 };
  };
  return Object.assign(send, { calls });
}

function memoryStore(): { once: Once; records: Map<string, Record<string, unknown>> } {
  const records = new Map<string, Record<string, unknown>>();
  const once = (async <T extends Record<string, unknown>>(key: string, work: () => Promise<T>) => {
    if (records.has(key)) return records.get(key) as T;
    const result = await work();
    records.set(key, result);
    return result;
  }) as Once;
  return { once, records };
}

type Entry = { level: string; message: string; extra: Record<string, unknown> };
function memoryLogger(): DeliveryLogger & { entries: Entry[] } {
  const entries: Entry[] = [];
  const log = (level: string) => (message: string, extra: Record<string, unknown>) =>
    entries.push({ level, message, extra });
  return { entries, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

function options(send: SendSms, once: Once, overrides: Partial<DeliveryOptions> = {}) {
  const sleeps: number[] = [];
  const logger = memoryLogger();
  const opts: DeliveryOptions = {
    send,
    once,
    logger,
    maxAttempts: 3,
    timeoutMs: 5000,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    ...overrides,
  };
  return { opts, sleeps, logger };
}

test('permanent errors for some recipients do not stop the others and are recorded, with their code', async () => {
  const send = scriptedSender({
    [A]: [twilioError(400, TWILIO_ERRORS.invalidNumber(A))],
    [C]: [twilioError(400, TWILIO_ERRORS.optedOut())],
  });
  const store = memoryStore();
  const { opts, logger, sleeps } = options(send, store.once);
  const summary = await deliverToAll('m1', 'hello', [A, B, C], opts);

  expect(summary).toMatchObject({ sent: 1, refused: 2, duplicates: 0, unsent: [] });
  expect(send.calls).toEqual([A, B, C]); // permanent errors are not retried
  expect(sleeps).toEqual([]);
  expect(summary.results.map((r) => [r.recipient, r.outcome.status])).toEqual([
    [A, 'refused'],
    [B, 'sent'],
    [C, 'refused'],
  ]);
  expect([...store.records.keys()]).toEqual([`m1:${A}`, `m1:${B}`, `m1:${C}`]);
  const errors = logger.entries.filter((e) => e.level === 'error');
  expect(errors.map((e) => [e.extra.code, e.extra.recipient, e.extra.moreInfo])).toEqual([
    [21211, '+15*******01', 'https://www.twilio.com/docs/errors/21211'],
    [21610, '+15*******03', 'https://www.twilio.com/docs/errors/21610'],
  ]);
  const sent = logger.entries.find((e) => e.message === 'SMS sent');
  expect(sent?.extra).toMatchObject({ numSegments: 2, twilioStatus: 'queued', recipient: '+15*******02' });
});

test('the same SNS message again texts nobody twice', async () => {
  const store = memoryStore();
  const first = scriptedSender();
  await deliverToAll('m1', 'hello', [A, B], options(first, store.once).opts);
  const second = scriptedSender();
  const { opts, logger } = options(second, store.once);
  const summary = await deliverToAll('m1', 'hello', [A, B], opts);

  expect(second.calls).toEqual([]);
  expect(summary).toMatchObject({ sent: 0, refused: 0, duplicates: 2 });
  expect(logger.entries.filter((e) => e.message.startsWith('Recipient already handled'))).toHaveLength(2);
  // A different message to the same numbers is a different key.
  const third = scriptedSender();
  await deliverToAll('m2', 'hello', [A, B], options(third, store.once).opts);
  expect(third.calls).toEqual([A, B]);
});

test('retryable errors are retried with growing backoff, then succeed', async () => {
  const send = scriptedSender({
    [A]: [twilioError(429, TWILIO_ERRORS.rateLimited()), new TwilioTransportError('ETIMEDOUT', 'timeout')],
  });
  const { opts, sleeps, logger } = options(send, memoryStore().once);
  const summary = await deliverToAll('m1', 'hello', [A], opts);

  expect(summary.sent).toBe(1);
  expect(send.calls).toEqual([A, A, A]);
  expect(sleeps).toEqual([375, 750]); // half of 500/1000 ms plus half of the jitter range at random() = 0.5
  expect(logger.entries.filter((e) => e.level === 'warn').map((e) => e.extra.code)).toEqual([20429, 'ETIMEDOUT']);
});

test('a retryable error that persists leaves that recipient unrecorded and unsent; the retry texts only it', async () => {
  const rateLimited = () => twilioError(429, TWILIO_ERRORS.rateLimited());
  const send = scriptedSender({ [B]: [rateLimited(), rateLimited(), rateLimited()] });
  const store = memoryStore();
  const summary = await deliverToAll('m1', 'hello', [A, B, C], options(send, store.once).opts);

  expect(summary.sent).toBe(2);
  expect(summary.unsent).toEqual([
    { recipient: B, failure: expect.objectContaining({ kind: 'retryable', status: 429, code: 20429 }) },
  ]);
  expect(send.calls).toEqual([A, B, B, B, C]);
  expect(store.records.has(`m1:${B}`)).toBe(false);

  const retry = scriptedSender();
  const again = await deliverToAll('m1', 'hello', [A, B, C], options(retry, store.once).opts);
  expect(retry.calls).toEqual([B]);
  expect(again).toMatchObject({ sent: 1, duplicates: 2, unsent: [] });
});

test('a refused request (bad credentials) is not retried within the invocation but stays unsent', async () => {
  const send = scriptedSender({ [A]: [twilioError(401, TWILIO_ERRORS.authenticate())] });
  const { opts, sleeps } = options(send, memoryStore().once);
  const summary = await deliverToAll('m1', 'hello', [A, B], opts);

  expect(send.calls).toEqual([A, B]);
  expect(sleeps).toEqual([]);
  expect(summary.unsent.map((u) => [u.recipient, u.failure.kind, u.failure.code])).toEqual([[A, 'paused', 20003]]);
});

test('no retry is started when the invocation has no time left for it', async () => {
  const send = scriptedSender({ [A]: [twilioError(503, TWILIO_ERRORS.internal())] });
  const { opts, sleeps, logger } = options(send, memoryStore().once, { remainingMs: () => 6200 });
  const summary = await deliverToAll('m1', 'hello', [A], opts);

  expect(send.calls).toEqual([A]);
  expect(sleeps).toEqual([]);
  expect(summary.unsent).toHaveLength(1);
  expect(logger.entries.some((e) => e.message.startsWith('No time left to retry'))).toBe(true);
});

test('an idempotency store failure or a concurrent run is not a reason to risk a duplicate: unsent, retried later', async () => {
  const send = scriptedSender();
  const failingOnce = (async (key: string, work: () => Promise<Record<string, unknown>>) => {
    if (key.endsWith(A)) {
      const e = new Error('There is already an execution in progress');
      e.name = 'IdempotencyAlreadyInProgressError';
      throw e;
    }
    return work();
  }) as Once;
  const { opts } = options(send, failingOnce);
  const summary = await deliverToAll('m1', 'hello', [A, B], opts);

  expect(send.calls).toEqual([B]);
  expect(summary.unsent).toEqual([
    {
      recipient: A,
      failure: expect.objectContaining({ kind: 'retryable', code: 'IdempotencyAlreadyInProgressError' }),
    },
  ]);
});

test('maskNumber keeps the country prefix and the last two digits', () => {
  expect(maskNumber('+447700900123')).toBe('+44********23');
  expect(maskNumber('+15551230001')).toBe('+15*******01');
  expect(maskNumber('+123')).toBe('****');
});

test('backoffDelay grows exponentially up to the cap, with equal jitter', () => {
  expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, 500, 4000, () => 0))).toEqual([250, 500, 1000, 2000, 2000]);
  expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, 500, 4000, () => 1))).toEqual([500, 1000, 2000, 4000, 4000]);
});
