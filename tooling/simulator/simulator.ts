/**
 * A clock you can move: for a window of simulated time, fires every schedule at its expected times, runs each
 * target as Lambda runs an asynchronous invocation, and runs the watchdog on its own schedule; returns what
 * happened. moto stores schedules but never fires them and has no clock: this is the missing piece, built from
 * what AWS documents.
 *
 * - The scheduler fires each slot of `expectedFireTimes` (the same engine the watchdog uses), late by a
 *   deterministic amount within the flexible window; with ScheduleContext the Input is the job-context envelope
 *   with the Scheduler's placeholders filled in. `skip` drops fires (an outage, a deleted target).
 * - Lambda runs attempt 1, and on an error or a timeout retries after 1 and then 2 minutes, up to
 *   MaximumRetryAttempts; each attempt takes `durationMs` of simulated time (a timeout past Timeout). The final
 *   outcome becomes a destination record, wrapped as the EventBridge event Lambda puts on the bus, handed to
 *   `deliver` at the simulated time it is produced.
 * - The watchdog gets an EventBridge "Scheduled Event" every `rateMinutes` from the window's start.
 * Simulated time only moves between events, in order; `clock.now()` is what every component under test reads.
 * The run time is linear in the number of runs (a heap of pending events; bench/simulator.ts measures it).
 */
import { expectedFireTimes, type ScheduleSpec } from '../../functions/common/runs/expected';
import { scheduleInput, substituteSchedulerContext } from '../../functions/common/runs/job-context';
import type { DestinationEvent } from '../../functions/common/runs/records';
import { TimeQueue } from './heap';

export type Clock = { now(): Date; ms(): number; set(t: number): void };

export function createClock(start: Date | number): Clock {
  let t = typeof start === 'number' ? start : start.getTime();
  return {
    now: () => new Date(t),
    ms: () => t,
    set(next) {
      if (next < t) throw new RangeError(`the simulated clock cannot go back from ${new Date(t).toISOString()}`);
      t = next;
    },
  };
}

export type AttemptInfo = { job: string; requestId: string; attempt: number; slot?: number; fireIndex?: number };

export type SimLambdaContext = {
  awsRequestId: string;
  functionName: string;
  invokedFunctionArn: string;
  getRemainingTimeInMillis(): number;
  attempt: number;
};

export type SimulatedJob = {
  /** The function's name (the ledger's job). */
  name: string;
  functionArn?: string;
  scheduleArn?: string;
  schedule: ScheduleSpec;
  /** SchedulePayload, as JSON text (default "{}"). */
  payload?: string;
  scheduleContext?: boolean;
  timeoutSeconds?: number;
  maximumRetryAttempts?: number;
  handler: (event: unknown, context: SimLambdaContext, info: AttemptInfo) => unknown;
  /** Simulated time one attempt takes, in ms (default 1000). More than the timeout is a timeout. */
  durationMs?: (info: AttemptInfo) => number;
};

export type Fire = { job: string; slot: number; index: number };

export type SimulationOptions = {
  from: Date;
  until: Date;
  jobs: SimulatedJob[];
  /** Receives each destination record at the simulated time Lambda produces it. */
  deliver: (event: DestinationEvent) => Promise<void> | void;
  /** The watchdog's schedule: every `rateMinutes` from the window's start until `until` (default: the window's end). */
  watchdog?: { rateMinutes: number; until?: Date; run: (event: ScheduledEvent) => Promise<unknown> | unknown };
  /** true: the scheduler never delivers this fire. `index` counts each job's fires from 1. */
  skip?: (fire: Fire) => boolean;
  clock?: Clock;
  account?: string;
  region?: string;
  busArn?: string;
  /** Keep every destination record in the result (default true). */
  keepRecords?: boolean;
};

export type ScheduledEvent = {
  version: '0';
  id: string;
  'detail-type': 'Scheduled Event';
  source: 'aws.events';
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, never>;
};

export type InvocationOutcome = {
  job: string;
  requestId: string;
  trigger: 'schedule' | 'manual';
  slot?: string;
  fireIndex?: number;
  attempts: number;
  outcome: 'succeeded' | 'failed' | 'timed_out';
  endedAt: string;
};

export type SimulationResult = {
  fires: { job: string; slot: string; index: number; skipped: boolean }[];
  invocations: InvocationOutcome[];
  records: DestinationEvent[];
  ticks: { at: string; result: unknown }[];
};

type Invocation = {
  job: Required<Pick<SimulatedJob, 'name' | 'functionArn' | 'timeoutSeconds' | 'maximumRetryAttempts'>> & SimulatedJob;
  requestId: string;
  event: unknown;
  trigger: 'schedule' | 'manual';
  slot?: number;
  fireIndex?: number;
};

type Pending =
  | { kind: 'fire'; job: Invocation['job']; slot: number; index: number }
  | { kind: 'attempt'; inv: Invocation; attempt: number }
  | { kind: 'finish'; inv: Invocation; attempt: number; result: AttemptResult }
  | { kind: 'tick' };

type AttemptResult =
  | { ok: true; value: unknown }
  | { ok: false; timedOut: boolean; error: { errorType: string; errorMessage: string; trace: string[] } };

const MINUTE = 60_000;
/** Lambda's waits before the 2nd and 3rd attempt of an asynchronous invocation. */
const BACKOFF = [MINUTE, 2 * MINUTE];

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0').slice(-width);
const schedulerTime = (t: number) => new Date(t).toISOString().replace('.000Z', 'Z');

/** A small deterministic hash (FNV-1a) for the flexible-window delay of a slot. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class Simulator {
  readonly clock: Clock;
  private readonly queue = new TimeQueue<Pending>();
  private readonly jobs = new Map<string, Invocation['job']>();
  private readonly result: SimulationResult = { fires: [], invocations: [], records: [], ticks: [] };
  private readonly account: string;
  private readonly region: string;
  private readonly busArn: string;
  private counter = 0;
  private readonly until: number;

  constructor(private readonly options: SimulationOptions) {
    this.account = options.account ?? '123456789012';
    this.region = options.region ?? 'us-east-1';
    this.busArn = options.busArn ?? `arn:aws:events:${this.region}:${this.account}:event-bus/cloud-cron-runs`;
    this.clock = options.clock ?? createClock(options.from);
    this.until = options.until.getTime();
    const from = options.from.getTime();
    for (const j of options.jobs) {
      const job = {
        ...j,
        functionArn: j.functionArn ?? `arn:aws:lambda:${this.region}:${this.account}:function:${j.name}`,
        timeoutSeconds: j.timeoutSeconds ?? 300,
        maximumRetryAttempts: j.maximumRetryAttempts ?? 2,
      };
      this.jobs.set(j.name, job);
      expectedFireTimes(j.schedule, from, this.until).forEach((slot, i) => {
        this.queue.push(slot, { kind: 'fire', job, slot, index: i + 1 });
      });
    }
    if (options.watchdog) {
      const step = options.watchdog.rateMinutes * MINUTE;
      const last = options.watchdog.until?.getTime() ?? this.until;
      for (let t = from + step; t < last; t += step) this.queue.push(t, { kind: 'tick' });
    }
  }

  private nextId(): string {
    this.counter += 1;
    const n = this.counter;
    return `${hex(hash(`r${n}`), 8)}-${hex(n >>> 16, 4)}-4${hex(n, 3)}-8${hex(hash(`s${n}`), 3)}-${hex(n, 12)}`;
  }

  /**
   * An asynchronous invocation outside the schedule (`cloud-cron run`, a test): queued now, run as Lambda runs it,
   * its record delivered like any other. Returns the request id Lambda would answer with.
   */
  invokeAsync(
    jobName: string,
    eventText: string,
    trigger: 'schedule' | 'manual' = 'manual',
    requestId = this.nextId(),
  ): string {
    const job = this.jobs.get(jobName);
    if (!job) throw new Error(`no simulated function named ${jobName}`);
    const inv: Invocation = { job, requestId, event: JSON.parse(eventText), trigger };
    this.queue.push(this.clock.ms(), { kind: 'attempt', inv, attempt: 1 });
    return requestId;
  }

  private fire(job: Invocation['job'], slot: number, index: number): void {
    const skipped = this.options.skip?.({ job: job.name, slot, index }) ?? false;
    const fired = { job: job.name, slot: new Date(slot).toISOString(), index, skipped };
    this.result.fires.push(fired);
    if (skipped) return;
    const payload = job.payload ?? '{}';
    let text = payload;
    const requestId = this.nextId();
    if (job.scheduleContext) {
      text = substituteSchedulerContext(scheduleInput(payload), {
        scheduledTime: schedulerTime(slot),
        executionId: `${hex(hash(`${job.name}@${slot}`), 8)}-exec-${hex(index, 8)}`,
        attempt: 1,
        scheduleArn: job.scheduleArn ?? `arn:aws:scheduler:${this.region}:${this.account}:schedule/default/${job.name}`,
      });
    }
    const inv: Invocation = { job, requestId, event: JSON.parse(text), trigger: 'schedule', slot, fireIndex: index };
    const windowMs = job.schedule.flexibleWindowMinutes * MINUTE;
    const delay = windowMs > 0 ? hash(`${job.name}@${slot}`) % windowMs : 0;
    this.queue.push(slot + delay, { kind: 'attempt', inv, attempt: 1 });
  }

  private async attempt(inv: Invocation, attempt: number): Promise<void> {
    const info: AttemptInfo = {
      job: inv.job.name,
      requestId: inv.requestId,
      attempt,
      slot: inv.slot,
      fireIndex: inv.fireIndex,
    };
    const start = this.clock.ms();
    const duration = Math.max(0, Math.round(inv.job.durationMs?.(info) ?? 1000));
    const timeoutMs = inv.job.timeoutSeconds * 1000;
    const context: SimLambdaContext = {
      awsRequestId: inv.requestId,
      functionName: inv.job.name,
      invokedFunctionArn: inv.job.functionArn,
      getRemainingTimeInMillis: () => Math.max(0, start + timeoutMs - this.clock.ms()),
      attempt,
    };
    let result: AttemptResult;
    try {
      const value = await inv.job.handler(structuredClone(inv.event), context, info);
      result = { ok: true, value };
    } catch (e) {
      const err = e as Error;
      result = {
        ok: false,
        timedOut: false,
        error: {
          errorType: err?.name ?? 'Error',
          errorMessage: err?.message ?? String(e),
          trace: String(err?.stack ?? '')
            .split('\n')
            .slice(0, 5),
        },
      };
    }
    if (duration > timeoutMs) {
      result = {
        ok: false,
        timedOut: true,
        error: {
          errorType: 'Sandbox.Timedout',
          errorMessage: `RequestId: ${inv.requestId} Error: Task timed out after ${inv.job.timeoutSeconds.toFixed(2)} seconds`,
          trace: [],
        },
      };
    }
    this.queue.push(start + Math.min(duration, timeoutMs), { kind: 'finish', inv, attempt, result });
  }

  private async finish(inv: Invocation, attempt: number, result: AttemptResult): Promise<void> {
    if (!result.ok && attempt <= inv.job.maximumRetryAttempts) {
      this.queue.push(this.clock.ms() + BACKOFF[attempt - 1], { kind: 'attempt', inv, attempt: attempt + 1 });
      return;
    }
    const endedAt = this.clock.now().toISOString();
    const record = this.record(inv, attempt, result, endedAt);
    this.result.invocations.push({
      job: inv.job.name,
      requestId: inv.requestId,
      trigger: inv.trigger,
      ...(inv.slot !== undefined ? { slot: new Date(inv.slot).toISOString(), fireIndex: inv.fireIndex } : {}),
      attempts: attempt,
      outcome: result.ok ? 'succeeded' : result.timedOut ? 'timed_out' : 'failed',
      endedAt,
    });
    if (this.options.keepRecords !== false) this.result.records.push(record);
    await this.options.deliver(record);
  }

  /** The destination record Lambda puts on the bus, as an EventBridge event (events/runs-destination-*.json). */
  private record(inv: Invocation, attempts: number, result: AttemptResult, endedAt: string): DestinationEvent {
    const ok = result.ok;
    return {
      version: '0',
      id: this.nextId(),
      'detail-type': `Lambda Function Invocation Result - ${ok ? 'Success' : 'Failure'}`,
      source: 'lambda',
      account: this.account,
      time: endedAt.replace(/\.\d{3}Z$/, 'Z'),
      region: this.region,
      resources: [this.busArn, `${inv.job.functionArn}:$LATEST`],
      detail: {
        version: '1.0',
        timestamp: endedAt,
        requestContext: {
          requestId: inv.requestId,
          functionArn: `${inv.job.functionArn}:$LATEST`,
          condition: ok ? 'Success' : 'RetriesExhausted',
          approximateInvokeCount: attempts,
        },
        requestPayload: inv.event,
        responseContext: ok
          ? { statusCode: 200, executedVersion: '$LATEST' }
          : { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
        responsePayload: ok ? (result.value ?? null) : result.error,
      },
    };
  }

  private async tick(): Promise<void> {
    const at = schedulerTime(this.clock.ms());
    const event: ScheduledEvent = {
      version: '0',
      id: this.nextId(),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: this.account,
      time: at,
      region: this.region,
      resources: [`arn:aws:events:${this.region}:${this.account}:rule/cloud-cron-runs-watchdog`],
      detail: {},
    };
    const result = await this.options.watchdog!.run(event);
    this.result.ticks.push({ at, result });
  }

  /** Processes every pending event up to `t` (default: the window's end, then what is still in flight). */
  async runUntil(t: number): Promise<void> {
    for (let next = this.queue.peekTime(); next !== undefined && next <= t; next = this.queue.peekTime()) {
      const { t: at, value } = this.queue.pop()!;
      this.clock.set(Math.max(at, this.clock.ms()));
      switch (value.kind) {
        case 'fire':
          this.fire(value.job, value.slot, value.index);
          break;
        case 'attempt':
          await this.attempt(value.inv, value.attempt);
          break;
        case 'finish':
          await this.finish(value.inv, value.attempt, value.result);
          break;
        case 'tick':
          await this.tick();
          break;
      }
    }
    if (t > this.clock.ms() && Number.isFinite(t)) this.clock.set(t);
  }

  /** Runs the whole window; invocations still retrying at its end are finished (their records delivered). */
  async run(): Promise<SimulationResult> {
    await this.runUntil(this.until);
    await this.runUntil(Number.POSITIVE_INFINITY);
    return this.result;
  }
}

export async function simulate(options: SimulationOptions): Promise<SimulationResult> {
  return new Simulator(options).run();
}
