/**
 * The reconciler: the jobs table is the source of truth, and this makes EventBridge Scheduler match it.
 *
 * - On the table's stream (job items only: the event source mapping filters on sk = DEF), each changed job gets
 *   its schedule created, replaced (UpdateSchedule replaces every field) or deleted in the app's schedule group,
 *   as planSchedule says. Records of one job in a batch collapse to the last one (a stream keeps each item's
 *   changes in order). A job's image is read from the record: no read of the table on the way.
 * - It never loops on its own writes: it writes only schedule records (sk SCHEDULE), which the stream's filter does
 *   not send it, and it acts only when what a schedule is made from changed (definition, version, paused).
 * - What it did is kept per job (schedule record: active, disabled, none with the reason, or error with Scheduler's
 *   refusal), written for the whole batch at once. A refusal never blocks the stream; a throttle or an outage does
 *   (partial batch failure: the stream retries from the first record not done).
 * - The sweep (hourly, and on demand) compares the group with the table: a schedule left without a job is deleted
 *   (the job is read again first, so a job created meanwhile keeps its schedule), a job whose schedule is missing
 *   or older than its definition gets it again.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import {
  DEF_SK,
  isFileSource,
  type JobItem,
  jobPk,
  SCHEDULE_SK,
  type ScheduleItem,
  statusKeyOf,
} from '../common/jobs/table';
import { type Plan, planSchedule, type ScheduleRequest, type ScheduleSettings } from './schedules';

export type Schedules = {
  /** Creates the schedule; returns its ARN, or undefined when one of that name exists. */
  create(request: ScheduleRequest): Promise<string | undefined>;
  /** Replaces the schedule; returns its ARN, or undefined when there is none of that name. */
  update(request: ScheduleRequest): Promise<string | undefined>;
  /** Deletes the schedule; false when there was none. */
  delete(name: string): Promise<boolean>;
  /** Every schedule name in the group. */
  names(): Promise<string[]>;
};

export type ReconcilerStore = {
  /** Scheduled runs counted so far, for jobs with maxRuns. */
  runCounts(ids: string[]): Promise<Map<string, number>>;
  putScheduleRecords(items: ScheduleItem[]): Promise<void>;
  deleteScheduleRecords(ids: string[]): Promise<void>;
  listJobItems(): Promise<JobItem[]>;
  getJobItem(id: string): Promise<JobItem | undefined>;
  scheduleRecords(ids: string[]): Promise<Map<string, ScheduleItem>>;
};

export type ReconcilerDeps = {
  schedules: Schedules;
  store: ReconcilerStore;
  settings: ScheduleSettings;
  now: () => Date;
  log: { info(m: string, e?: Record<string, unknown>): void; warn(m: string, e?: Record<string, unknown>): void };
  /** Schedule calls in flight at once (EventBridge Scheduler's API rate). */
  concurrency?: number;
};

/** A refusal by EventBridge Scheduler: recorded on the job, never retried. Anything else is retried. */
const REFUSED = new Set(['ValidationException', 'ServiceQuotaExceededException', 'AccessDeniedException']);

export type Change = { id: string; job?: JobItem; old?: JobItem; sequenceNumber?: string };

export type Outcome = {
  id: string;
  action: 'created' | 'updated' | 'replaced' | 'deleted' | 'none' | 'refused' | 'skipped';
  status?: ScheduleItem['status'];
  reason?: string;
};

const image = (img: unknown) => (img ? (unmarshall(img as Record<string, AttributeValue>) as JobItem) : undefined);

/** The job changes in a stream batch, one per job (its last record), in stream order. */
export function changesOf(records: DynamoDBRecord[]): Change[] {
  const byId = new Map<string, Change>();
  for (const r of records) {
    const keys = r.dynamodb?.Keys as Record<string, { S?: string }> | undefined;
    if (keys?.sk?.S !== DEF_SK || !keys.pk?.S?.startsWith('JOB#')) continue;
    const id = keys.pk.S.slice(4);
    const job = r.eventName === 'REMOVE' ? undefined : image(r.dynamodb?.NewImage);
    const first = byId.get(id);
    byId.delete(id);
    byId.set(id, {
      id,
      job,
      // The image before the first change of this batch: what the schedule was last made from.
      old: first ? first.old : image(r.dynamodb?.OldImage),
      sequenceNumber: first?.sequenceNumber ?? r.dynamodb?.SequenceNumber,
    });
  }
  return [...byId.values()];
}

/** Whether a change can alter the schedule (the reconciler acts only then). */
export function scheduleRelevant(c: Change): boolean {
  if (!c.job || !c.old) return true;
  return c.job.hash !== c.old.hash || c.job.version !== c.old.version || c.job.paused !== c.old.paused;
}

const oneTime = (item: JobItem) =>
  (JSON.parse(item.definition) as { schedule?: { expression?: string } }).schedule?.expression?.startsWith('at(') ??
  false;

function statusPlace(item: JobItem): Pick<ScheduleItem, 'statusKey' | 'statusBucket'> {
  if (!isFileSource(item.source)) return {};
  const rest = item.source.slice('s3://'.length);
  const slash = rest.indexOf('/');
  return { statusBucket: rest.slice(0, slash), statusKey: statusKeyOf(rest.slice(slash + 1)) };
}

async function pool<T, R>(items: T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(size, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await work(items[i]);
      }
    }),
  );
  return out;
}

export function createReconciler(deps: ReconcilerDeps) {
  const { schedules, store, settings, log } = deps;
  const concurrency = deps.concurrency ?? 8;

  /** Carries out a plan; returns what was done and the ARN. Throws when Scheduler should be asked again later. */
  async function apply(
    plan: Plan,
    job: JobItem,
    old: JobItem | undefined,
  ): Promise<{ action: Outcome['action']; arn?: string; reason?: string }> {
    if (plan.kind === 'delete') {
      const existed = await schedules.delete(job.id);
      return { action: existed ? 'deleted' : 'none', reason: plan.reason };
    }
    try {
      // One-time and recurring schedules differ in ActionAfterCompletion; some emulators keep the old one on
      // update, so a change between the two is a delete and a create.
      if (old && oneTime(old) !== oneTime(job)) {
        await schedules.delete(job.id);
        const arn = await schedules.create(plan.request);
        return { action: 'replaced', arn };
      }
      if (old) {
        const arn = await schedules.update(plan.request);
        if (arn !== undefined) return { action: 'updated', arn };
        return {
          action: 'created',
          arn: (await schedules.create(plan.request)) ?? (await schedules.update(plan.request)),
        };
      }
      const arn = await schedules.create(plan.request);
      if (arn !== undefined) return { action: 'created', arn };
      return { action: 'updated', arn: await schedules.update(plan.request) };
    } catch (e) {
      const name = (e as { name?: string })?.name ?? '';
      if (REFUSED.has(name)) return { action: 'refused', reason: `${name}: ${(e as Error).message}` };
      throw e;
    }
  }

  function record(
    job: JobItem,
    plan: Plan,
    done: { action: Outcome['action']; arn?: string; reason?: string },
    now: Date,
  ): ScheduleItem {
    const base = {
      pk: jobPk(job.id),
      sk: SCHEDULE_SK,
      id: job.id,
      version: job.version,
      hash: job.hash,
      at: now.toISOString(),
      ...statusPlace(job),
    } as const;
    if (done.action === 'refused') return { ...base, status: 'error', reason: done.reason };
    if (plan.kind === 'delete') return { ...base, status: 'none', reason: plan.reason };
    return {
      ...base,
      status: plan.status,
      ...(done.arn ? { scheduleArn: done.arn } : {}),
      changedAt: now.toISOString(),
    };
  }

  /** Reconciles changes; returns the outcome per job and the changes that must be retried. */
  async function reconcile(changes: Change[]): Promise<{ outcomes: Outcome[]; failed: Change[] }> {
    const now = deps.now();
    const relevant = changes.filter(scheduleRelevant);
    const counted = relevant
      .filter((c) => c.job && JSON.parse(c.job.definition).maxRuns !== undefined)
      .map((c) => c.id);
    const counts = counted.length ? await store.runCounts(counted) : new Map<string, number>();
    const records: ScheduleItem[] = [];
    const removed: string[] = [];
    const failed: Change[] = [];
    const outcomes = await pool(relevant, concurrency, async (c): Promise<Outcome> => {
      try {
        if (!c.job) {
          const existed = await schedules.delete(c.id);
          removed.push(c.id);
          return { id: c.id, action: existed ? 'deleted' : 'none', reason: 'the job was deleted' };
        }
        const plan = planSchedule(c.job, counts.get(c.id) ?? 0, now, settings);
        const done = await apply(plan, c.job, c.old);
        const item = record(c.job, plan, done, now);
        records.push(item);
        if (done.action === 'refused')
          log.warn('EventBridge Scheduler refused the schedule', { job: c.id, reason: done.reason });
        return { id: c.id, action: done.action, status: item.status, ...(item.reason ? { reason: item.reason } : {}) };
      } catch (e) {
        log.warn('could not reconcile the job: the stream will retry', { job: c.id, error: (e as Error).message });
        failed.push(c);
        return { id: c.id, action: 'skipped', reason: (e as Error).message };
      }
    });
    if (records.length) await store.putScheduleRecords(records);
    if (removed.length) await store.deleteScheduleRecords(removed);
    for (const c of changes)
      if (!scheduleRelevant(c))
        outcomes.push({ id: c.id, action: 'skipped', reason: 'nothing the schedule is made from changed' });
    return { outcomes, failed };
  }

  async function onStream(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse & { outcomes: Outcome[] }> {
    const changes = changesOf(event.Records ?? []);
    const { outcomes, failed } = await reconcile(changes);
    // The stream retries from the earliest record not done (and, with it, every later one: all are idempotent).
    const first = failed
      .map((c) => c.sequenceNumber)
      .filter((s): s is string => !!s)
      .sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0))[0];
    log.info('reconciled', {
      records: event.Records?.length ?? 0,
      jobs: changes.length,
      actions: outcomes.reduce<Record<string, number>>((m, o) => ({ ...m, [o.action]: (m[o.action] ?? 0) + 1 }), {}),
    });
    return { batchItemFailures: first ? [{ itemIdentifier: first }] : [], outcomes };
  }

  /** Compares the schedule group with the table and repairs what differs. */
  async function sweep(): Promise<{ jobs: number; schedules: number; orphansDeleted: string[]; repaired: string[] }> {
    const [jobs, names] = await Promise.all([store.listJobItems(), schedules.names()]);
    const byId = new Map(jobs.map((j) => [j.id, j]));
    const orphansDeleted: string[] = [];
    for (const name of names) {
      if (byId.has(name)) continue;
      // Read again: a job created after the list keeps its schedule.
      if (await store.getJobItem(name)) continue;
      if (await schedules.delete(name)) orphansDeleted.push(name);
    }
    const have = new Set(names);
    const recordsById = await store.scheduleRecords(jobs.map((j) => j.id));
    const stale = jobs.filter((j) => {
      const r = recordsById.get(j.id);
      return (
        !r ||
        r.hash !== j.hash ||
        r.version !== j.version ||
        (r.status !== 'none' && r.status !== 'error' && !have.has(j.id))
      );
    });
    const repaired: string[] = [];
    if (stale.length) {
      const { outcomes } = await reconcile(stale.map((j) => ({ id: j.id, job: j, old: undefined })));
      for (const o of outcomes)
        if (o.action === 'created' || o.action === 'updated' || o.action === 'deleted') repaired.push(o.id);
    }
    log.info('swept the schedule group', { jobs: jobs.length, schedules: names.length, orphansDeleted, repaired });
    return { jobs: jobs.length, schedules: names.length, orphansDeleted, repaired };
  }

  return { onStream, reconcile, sweep };
}
