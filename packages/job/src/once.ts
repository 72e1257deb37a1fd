/**
 * Making a run idempotent on its scheduled time. Lambda delivers an asynchronous event at least once: a retry after an
 * error, a timeout, or sometimes a plain duplicate. The slot's scheduled time is the same in every delivery, so the
 * key `<job>#<scheduledTime>` names "this job's run for this slot" and a store that can claim a key once turns
 * at-least-once into once.
 *
 * The store only needs a conditional write; the library has no database client of its own (its one dependency is the
 * SNS client): `dynamoDbStore` takes your DynamoDB client and commands, `memoryStore` is for tests, and any object
 * with the `RunStore` methods works (Redis SET NX, a SQL unique key...).
 */

import type { JobContext } from './context';
import { InvalidEventError, RunInProgressError } from './errors';

/** What a store holds for a key. */
export type RunRecord = {
  status: 'IN_PROGRESS' | 'COMPLETED';
  /**
   * Epoch seconds after which the record no longer counts: an IN_PROGRESS claim is stale (its run died) and may be
   * taken over; a COMPLETED record has been kept long enough (a DynamoDB TTL attribute).
   */
  expiresAt: number;
  /** JSON of the run's result, when COMPLETED. */
  result?: string;
};

export type RunStore = {
  /**
   * Writes an IN_PROGRESS record for `key` unless one exists that has not expired (`expiresAt` > `now`, epoch
   * seconds). Returns undefined when the claim was written, else the record that is there.
   */
  claim(key: string, record: RunRecord, now: number): Promise<RunRecord | undefined>;
  /** Marks the key COMPLETED with the run's result, kept until `expiresAt`. */
  complete(key: string, record: RunRecord): Promise<void>;
  /** Removes an IN_PROGRESS claim after a failed run, so a retry may run the slot again. */
  release(key: string): Promise<void>;
};

export type RunOnceOptions = {
  /** The job's name in the key (the same name for every deployment of the same job). */
  job: string;
  store: RunStore;
  /**
   * Seconds a claim stays IN_PROGRESS before a retry may take it over: at least the function's timeout. Default 900
   * (Lambda's longest).
   */
  inProgressSeconds?: number;
  /** Seconds a COMPLETED record is kept. Default 7 days (longer than any retry or replay of a slot). */
  keepSeconds?: number;
  /** Default Date.now. */
  now?: () => number;
};

export type RunOnceResult<T> =
  | { ran: true; key: string; result: T }
  | {
      ran: false;
      key: string;
      /** The result the first run returned, as JSON gives it back. */
      result: T | undefined;
    };

/**
 * The idempotency key of a run: `<job>#<scheduledTime>` for a scheduled run, `<job>#manual#<executionId>` for a run
 * started with `cloud-cron run` (a manual run never takes a slot's place, yet its own retries stay one run).
 */
export function idempotencyKey(job: string, context: JobContext): string {
  if (!job) throw new InvalidEventError('idempotencyKey needs the job name');
  if (context.trigger === 'manual') {
    if (!context.executionId) throw new InvalidEventError('a manual run without an executionId has no idempotency key');
    return `${job}#manual#${context.executionId}`;
  }
  return `${job}#${context.scheduledTime}`;
}

/**
 * Runs `work` once per slot: the first delivery claims the key and runs; a later delivery of the same slot returns
 * `{ ran: false }` with the first run's result. A run that throws releases its claim (so Lambda's retry runs it
 * again) and rethrows. A delivery that arrives while another is still running throws RunInProgressError, so Lambda
 * retries it later rather than running the slot twice at once.
 */
export async function runOnce<T>(
  context: JobContext | undefined,
  options: RunOnceOptions,
  work: () => Promise<T>,
): Promise<RunOnceResult<T>> {
  if (!context) {
    throw new InvalidEventError(
      'the event has no job context (cloudCron.scheduledTime): deploy the scheduled job with ScheduleContext=true ' +
        '(Terraform: schedule_context = true) to make runs idempotent on their scheduled time',
    );
  }
  const key = idempotencyKey(options.job, context);
  const now = () => Math.floor((options.now ?? Date.now)() / 1000);
  const inProgress = options.inProgressSeconds ?? 900;
  const keep = options.keepSeconds ?? 7 * 24 * 3600;
  const started = now();
  const existing = await options.store.claim(key, { status: 'IN_PROGRESS', expiresAt: started + inProgress }, started);
  if (existing) {
    if (existing.status === 'COMPLETED') {
      return {
        ran: false,
        key,
        result: existing.result === undefined ? undefined : (JSON.parse(existing.result) as T),
      };
    }
    throw new RunInProgressError(
      `${key} is already running (claimed until ${new Date(existing.expiresAt * 1000).toISOString()}): this delivery is retried later`,
    );
  }
  let result: T;
  try {
    result = await work();
  } catch (error) {
    await options.store.release(key).catch(() => undefined);
    throw error;
  }
  const text = result === undefined ? undefined : JSON.stringify(result);
  await options.store.complete(key, {
    status: 'COMPLETED',
    expiresAt: now() + keep,
    ...(text === undefined ? {} : { result: text }),
  });
  return { ran: true, key, result };
}

/** A store in memory, for tests and local runs (one process only). */
export function memoryStore(): RunStore & { records: Map<string, RunRecord> } {
  const records = new Map<string, RunRecord>();
  return {
    records,
    async claim(key, record, now) {
      const there = records.get(key);
      if (there && there.expiresAt > now) return { ...there };
      records.set(key, { ...record });
      return undefined;
    },
    async complete(key, record) {
      records.set(key, { ...record });
    },
    async release(key) {
      if (records.get(key)?.status === 'IN_PROGRESS') records.delete(key);
    },
  };
}
