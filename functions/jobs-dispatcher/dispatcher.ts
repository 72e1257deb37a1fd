/**
 * The dispatcher: every schedule of the Jobs app targets it with a small Input naming the job and the slot
 * (dispatch-input.ts). For each fire it
 *
 * 1. claims the slot and, in parallel, reads the job (claims.ts): a slot is counted once, however often the
 *    scheduler delivers it; a paused job, a job at maxRuns, a slot whose lease another run holds (overlap skip) is
 *    not run; a fire for a job that no longer exists deletes its orphan schedule;
 * 2. checks the target against AllowedTargetArns again (the table may have been written by hand, or the patterns
 *    narrowed since): a target outside them fails the run, never reaches the target;
 * 3. runs the target: a Lambda function asynchronously (overlap allow: the function's own retries and destinations
 *    apply) or synchronously (overlap skip: the lease lasts as long as the run, and the outcome is known), or an
 *    SNS publish with the message and its attributes;
 * 4. records the outcome on the run item and the job's state, and in the Runs ledger when the app is wired to it;
 *    deletes the schedule when maxRuns is reached, and marks a one-time job finished.
 *
 * A delivery of a slot already run changes nothing but its delivery count. A target error worth retrying (a throttle,
 * an outage) marks the run `retrying` and fails the invocation, so Lambda retries the dispatcher, which takes the run
 * over; a run whose dispatcher died (past its deadline) is taken over by the next delivery. Runs are at least once
 * in those cases, exactly once otherwise.
 */
import { resolveJob } from '../common/jobs/definition';
import { type DispatchInput, readDispatchInput, UnreadableInputError } from '../common/jobs/dispatch-input';
import { definitionOf, type JobItem, type LastRun, type RunItem, type RunStatus } from '../common/jobs/table';
import { notAllowedMessage, type TargetPatterns, targetAllowed } from '../common/jobs/targets';
import {
  LEDGER_VERSION,
  type RunItem as LedgerRunItem,
  expiresAt as ledgerExpiry,
  jobPk as ledgerPk,
  runSk as ledgerSk,
  runTime,
} from '../common/runs/ledger';
import { cleanErrorType, scrubMessage } from '../common/runs/scrub';
import type { Claim, ClaimRequest, Claims } from './claims';

export type SnsAttribute = { DataType: 'String' | 'Number' | 'String.Array'; StringValue: string };

export type InvokeResult = { requestId: string; functionError?: string; payload?: string };

export type Targets = {
  invokeAsync(arn: string, payload: string): Promise<{ requestId: string }>;
  /** Resolves `timedOut` when the call outlives `timeoutMs` (the function may still be running). */
  invokeSync(arn: string, payload: string, timeoutMs: number): Promise<InvokeResult | { timedOut: true }>;
  publish(
    arn: string,
    message: string,
    subject: string | undefined,
    attributes: Record<string, SnsAttribute>,
  ): Promise<{ messageId: string }>;
};

export type DispatcherDeps = {
  claims: Pick<Claims, 'claim' | 'getJob' | 'redelivered' | 'takeOver' | 'skipped' | 'finish' | 'finished'>;
  targets: Targets;
  schedules: { delete(name: string): Promise<boolean> };
  /** The Runs app's ledger, when the app is wired to it. */
  ledger?: { putRun(item: LedgerRunItem): Promise<unknown>; retentionDays: number };
  allowed: TargetPatterns;
  settings: { leaseMs: number; runRetentionDays: number };
  deadLetter: { send(body: string): Promise<void> };
  now: () => Date;
  log: {
    info(m: string, e?: Record<string, unknown>): void;
    warn(m: string, e?: Record<string, unknown>): void;
    error(m: string, e?: Record<string, unknown>): void;
  };
};

export type DispatchOutcome =
  | { outcome: 'unreadable'; reason: string }
  | { outcome: 'orphan' | 'duplicate' | 'finished'; job: string; reason: string }
  | { outcome: 'skipped'; job: string; reason: string }
  | { outcome: RunStatus; job: string; requestId?: string; runCount?: number; reason?: string };

/** Target errors worth trying again: throttles, outages, the network. Anything else fails the run. */
export function retryable(e: unknown): boolean {
  const name = (e as { name?: string })?.name ?? '';
  const status = (e as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  if (
    /Throttl|TooManyRequests|ServiceException|ServiceUnavailable|InternalError|Timeout|EC2Unexpected|ENILimit|ResourceNotReady|ResourceConflict|KMSThrottling/i.test(
      name,
    )
  )
    return true;
  if (status !== undefined) return status >= 500 || status === 429;
  return !name || /^(Error|TypeError)$/.test(name) || /ECONN|EPIPE|socket|network/i.test(String((e as Error)?.message));
}

function attributesOf(attributes: Record<string, string | number | (string | number)[]> | undefined) {
  const out: Record<string, SnsAttribute> = {};
  for (const [name, v] of Object.entries(attributes ?? {})) {
    if (Array.isArray(v)) out[name] = { DataType: 'String.Array', StringValue: JSON.stringify(v) };
    else if (typeof v === 'number') out[name] = { DataType: 'Number', StringValue: String(v) };
    else out[name] = { DataType: 'String', StringValue: v };
  }
  return out;
}

function errorOf(payload: string | undefined): { errorType?: string; errorMessage?: string } {
  try {
    const p = JSON.parse(payload ?? 'null') as { errorType?: unknown; errorMessage?: unknown };
    return {
      errorType: cleanErrorType(p?.errorType),
      errorMessage: typeof p?.errorMessage === 'string' ? scrubMessage(p.errorMessage) : undefined,
    };
  } catch {
    return {};
  }
}

const strip = <T extends Record<string, unknown>>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

export function createDispatcher(deps: DispatcherDeps) {
  const { claims, targets, log } = deps;

  function ledgerItem(
    job: JobItem,
    req: ClaimRequest,
    run: Partial<RunItem> & { status: RunStatus },
    deliveries: number,
  ): LedgerRunItem {
    const name = `jobs/${job.id}`;
    const endedAt = run.endedAt ?? req.now.toISOString();
    // One ledger item per run: a slot's redeliveries are the same item (a conditional put writes it once).
    const requestId = req.trigger === 'schedule' ? `slot-${req.scheduledTime}` : req.executionId;
    const condition =
      { succeeded: 'Success', dispatched: 'Dispatched', skipped: 'Skipped' }[run.status as string] ?? 'Failure';
    const target = definitionOf(job).target.arn;
    return strip({
      pk: ledgerPk(name),
      sk: ledgerSk(requestId, condition),
      t: runTime(endedAt, requestId),
      kind: 'run',
      v: LEDGER_VERSION,
      job: name,
      functionArn: target,
      status: run.status as LedgerRunItem['status'],
      condition,
      requestId,
      endedAt,
      attempts: deliveries,
      scheduledTime: req.scheduledTime,
      executionId: req.executionId,
      trigger: req.trigger,
      startedAt: run.startedAt,
      durationMs: run.durationMs,
      errorType: run.errorType,
      errorMessage: run.errorMessage ?? run.reason,
      recordedAt: req.now.toISOString(),
      expiresAt: ledgerExpiry(endedAt, deps.ledger?.retentionDays ?? 90),
    }) as LedgerRunItem;
  }

  async function toLedger(
    job: JobItem | undefined,
    req: ClaimRequest,
    run: Partial<RunItem> & { status: RunStatus },
    deliveries = 1,
  ) {
    if (!deps.ledger || !job) return;
    try {
      await deps.ledger.putRun(ledgerItem(job, req, run, deliveries));
    } catch (e) {
      // The run happened: its record in the jobs table stands. The ledger is a copy for the Runs app's views.
      log.warn('could not record the run in the Runs ledger', { job: job.id, error: (e as Error).message });
    }
  }

  /** Runs the target of a claimed run and records the outcome. */
  async function run(
    job: JobItem,
    req: ClaimRequest,
    claim: { runSk: string; holder: string },
    deliveries: number,
    remainingMs: number,
  ) {
    const definition = resolveJob(definitionOf(job));
    const target = definition.target;
    const started = deps.now();
    const outcome: Partial<RunItem> & { status: RunStatus } = {
      status: 'failed',
      version: job.version,
      startedAt: started.toISOString(),
    };
    const sync = target.type === 'lambda' && definition.overlap === 'skip';
    if (!targetAllowed(target.arn, deps.allowed)) {
      outcome.errorType = 'TargetNotAllowed';
      outcome.errorMessage = notAllowedMessage(target.arn, deps.allowed);
      log.error('refused to run a target outside AllowedTargetArns', { job: job.id, target: target.arn });
    } else {
      try {
        if (target.type === 'sns') {
          const message = typeof target.message === 'string' ? target.message : JSON.stringify(target.message);
          const r = await targets.publish(target.arn, message, target.subject, attributesOf(target.attributes));
          Object.assign(outcome, { status: 'succeeded', requestId: r.messageId });
        } else if (!sync) {
          const r = await targets.invokeAsync(target.arn, JSON.stringify(target.payload ?? {}));
          Object.assign(outcome, { status: 'dispatched', requestId: r.requestId });
        } else {
          const r = await targets.invokeSync(
            target.arn,
            JSON.stringify(target.payload ?? {}),
            Math.max(1000, remainingMs - 10_000),
          );
          if ('timedOut' in r) {
            Object.assign(outcome, {
              status: 'timed_out',
              errorType: 'DispatcherTimeout',
              errorMessage:
                'the dispatcher stopped waiting before the function answered; it may still be running (its lease is kept until it expires)',
            });
          } else if (r.functionError) {
            Object.assign(outcome, { status: 'failed', requestId: r.requestId, ...errorOf(r.payload) });
            outcome.errorType ??= r.functionError;
          } else {
            Object.assign(outcome, { status: 'succeeded', requestId: r.requestId });
          }
        }
      } catch (e) {
        const error = e as Error & { name?: string };
        if (retryable(e)) {
          // Ask for the invocation to be retried: the next attempt takes this run over.
          await claims.finish({
            id: job.id,
            runSk: claim.runSk,
            holder: claim.holder,
            // The retry continues as the lease's holder (the holder is the run, not the attempt).
            releaseLease: false,
            run: {
              status: 'retrying',
              errorType: cleanErrorType(error.name) ?? 'Error',
              errorMessage: scrubMessage(error.message ?? ''),
            },
            lastRun: strip({
              trigger: req.trigger,
              status: 'retrying' as const,
              at: started.toISOString(),
              scheduledTime: req.scheduledTime,
              errorType: error.name,
            }),
          });
          log.warn('the target could not be reached; the invocation will be retried', {
            job: job.id,
            error: error.message,
          });
          throw e;
        }
        Object.assign(outcome, {
          status: 'failed',
          errorType: cleanErrorType(error.name) ?? 'Error',
          errorMessage: scrubMessage(error.message ?? ''),
        });
      }
    }
    const ended = deps.now();
    outcome.endedAt = ended.toISOString();
    outcome.durationMs = Math.max(0, ended.getTime() - started.getTime());
    const lastRun: LastRun = strip({
      trigger: req.trigger,
      status: outcome.status,
      at: ended.toISOString(),
      scheduledTime: req.scheduledTime,
      requestId: outcome.requestId,
      errorType: outcome.errorType,
      errorMessage: outcome.errorMessage,
      durationMs: outcome.durationMs,
    });
    const [state] = await Promise.all([
      // Every claim takes the lease (the claim cannot know the job's overlap before reading it): every run gives it back.
      claims.finish({
        id: job.id,
        runSk: claim.runSk,
        holder: claim.holder,
        releaseLease: true,
        run: outcome,
        lastRun,
      }),
      toLedger(job, req, outcome, deliveries),
    ]);
    const runCount = state?.runCount ?? 0;
    if (req.trigger === 'schedule') {
      if (definition.maxRuns !== undefined && runCount >= definition.maxRuns) {
        await deps.schedules.delete(job.id);
        await claims.finished(
          job,
          'maxRuns',
          ended,
          `maxRuns reached (${runCount} of ${definition.maxRuns} runs): the schedule was deleted`,
        );
        log.info('maxRuns reached: the schedule was deleted', { job: job.id, runCount });
      } else if (definition.oneTime) {
        await claims.finished(
          job,
          'once',
          ended,
          'the one-time schedule ran and deleted itself (ActionAfterCompletion DELETE)',
        );
      }
    }
    log.info('dispatched', {
      job: job.id,
      trigger: req.trigger,
      slot: req.scheduledTime,
      status: outcome.status,
      target: target.arn,
      runCount,
    });
    return {
      outcome: outcome.status,
      job: job.id,
      ...(outcome.requestId ? { requestId: outcome.requestId } : {}),
      runCount,
    } as DispatchOutcome;
  }

  async function refused(
    claim: Exclude<Claim, { claimed: true }>,
    req: ClaimRequest,
    job: JobItem | undefined,
    remainingMs: number,
  ): Promise<DispatchOutcome> {
    const id = req.id;
    switch (claim.refused) {
      case 'orphan': {
        const deleted = req.trigger === 'schedule' ? await deps.schedules.delete(id) : false;
        log.warn('no such job: its schedule was an orphan', { job: id, deleted });
        return {
          outcome: 'orphan',
          job: id,
          reason: deleted ? 'no such job: its schedule was deleted' : 'no such job',
        };
      }
      case 'paused':
        await claims.skipped(req, 'paused');
        await toLedger(job, req, { status: 'skipped', reason: 'the job is paused', startedAt: req.now.toISOString() });
        return { outcome: 'skipped', job: id, reason: 'paused' };
      case 'maxRuns': {
        await deps.schedules.delete(id);
        const max = claim.state?.maxRuns ?? 0;
        if (job)
          await claims.finished(
            job,
            'maxRuns',
            req.now,
            `maxRuns reached (${claim.state?.runCount ?? max} of ${max} runs): the schedule was deleted`,
          );
        return { outcome: 'finished', job: id, reason: `maxRuns reached (${max})` };
      }
      case 'overlap': {
        const reason = `overlap skip: ${claim.state?.leaseHolder ?? 'an earlier run'} still holds the lease (until ${claim.state?.leaseUntil ?? '?'})`;
        await claims.skipped(req, reason);
        await toLedger(job, req, { status: 'skipped', reason, startedAt: req.now.toISOString() });
        log.info('skipped a run: an earlier run still holds the lease', {
          job: id,
          slot: req.scheduledTime,
          holder: claim.state?.leaseHolder,
        });
        return { outcome: 'skipped', job: id, reason };
      }
      case 'duplicate': {
        const seen = await claims.redelivered(id, claimRunSk(req));
        const deadline = (seen as (RunItem & { deadline?: string }) | undefined)?.deadline;
        const stale =
          seen &&
          ((seen.status === 'dispatching' && (!deadline || Date.parse(deadline) < req.now.getTime())) ||
            seen.status === 'retrying');
        if (seen && stale && job && (await claims.takeOver(id, claimRunSk(req), seen, req.deadline, req.now))) {
          log.warn('taking over a run an earlier attempt did not finish', {
            job: id,
            slot: req.scheduledTime,
            was: seen.status,
          });
          return run(
            job,
            req,
            { runSk: claimRunSk(req), holder: claimRunSk(req) },
            (seen.deliveries ?? 1) + 1,
            remainingMs,
          );
        }
        return {
          outcome: 'duplicate',
          job: id,
          reason: `this slot was already ${seen?.status ?? 'claimed'} (a redelivery: not run again)`,
        };
      }
    }
  }

  const claimRunSk = (req: ClaimRequest) =>
    req.trigger === 'schedule' ? `RUN#${req.scheduledTime}#slot` : `RUN#${req.requestedAt}#manual#${req.executionId}`;

  return async function dispatch(
    event: unknown,
    context: { getRemainingTimeInMillis(): number },
  ): Promise<DispatchOutcome> {
    let input: DispatchInput;
    try {
      input = readDispatchInput(event);
    } catch (e) {
      if (!(e instanceof UnreadableInputError)) throw e;
      await deps.deadLetter.send(JSON.stringify({ reason: e.message, receivedAt: deps.now().toISOString(), event }));
      log.error('unreadable dispatch input: sent to the dead-letter queue', { reason: e.message });
      return { outcome: 'unreadable', reason: e.message };
    }
    const now = deps.now();
    const remainingMs = context.getRemainingTimeInMillis();
    const req: ClaimRequest = {
      id: input.job,
      trigger: input.trigger,
      scheduledTime: input.scheduledTime,
      requestedAt: input.requestedAt,
      executionId: input.executionId,
      now,
      deadline: new Date(now.getTime() + remainingMs),
      leaseMs: deps.settings.leaseMs,
      expiresAt: Math.floor(now.getTime() / 1000) + deps.settings.runRetentionDays * 86_400,
    };
    const [claim, job] = await Promise.all([claims.claim(req), claims.getJob(input.job)]);
    if (!('claimed' in claim)) return refused(claim, req, job, remainingMs);
    if (!job) {
      // Deleted between the claim and the read: nothing to run.
      await claims.finish({
        id: req.id,
        runSk: claim.runSk,
        holder: claim.holder,
        releaseLease: true,
        run: { status: 'skipped', reason: 'the job was deleted', endedAt: now.toISOString() },
        lastRun: { trigger: req.trigger, status: 'skipped', at: now.toISOString(), reason: 'the job was deleted' },
      });
      return { outcome: 'orphan', job: req.id, reason: 'the job was deleted as it fired' };
    }
    return run(job, req, claim, 1, remainingMs);
  };
}
