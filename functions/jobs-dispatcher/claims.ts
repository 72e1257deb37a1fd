/**
 * The dispatcher's writes to the jobs table, each one conditional so that a slot runs once however often the
 * scheduler delivers it:
 *
 * claim  one transaction: the job exists and is not paused (a condition check on its definition, no read), the
 *        state item counts the slot (runCount + 1, only while runCount < maxRuns) and, for overlap skip, takes
 *        the lease (only when it is free or expired), and the run item of the slot is created (only once).
 *        Its definition is read at the same time, in parallel: the claim does not wait for it.
 * finish the run's outcome on the run item and as the state's lastRun; the lease given back.
 *
 * A claim refused says why, from the items' old images (ReturnValuesOnConditionCheckFailure): no job, paused,
 * slot already claimed (a retry), maxRuns reached, or the lease held by another run.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import {
  DEF_SK,
  type JobItem,
  jobPk,
  type LastRun,
  manualRunSk,
  type RunItem,
  type RunStatus,
  SCHEDULE_SK,
  type ScheduleItem,
  STATE_SK,
  type StateItem,
  slotRunSk,
} from '../common/jobs/table';

export type ClaimRequest = {
  id: string;
  trigger: 'schedule' | 'manual';
  scheduledTime?: string;
  requestedAt?: string;
  executionId: string;
  now: Date;
  /** When this attempt of the dispatcher can be running no more (its own timeout). */
  deadline: Date;
  /** How long a lease holds if its holder dies (longer than any run can be). */
  leaseMs: number;
  expiresAt: number;
};

export type Refusal =
  | { refused: 'orphan' }
  | { refused: 'paused' }
  | { refused: 'duplicate'; run?: RunItem }
  | { refused: 'maxRuns'; state?: StateItem }
  | { refused: 'overlap'; state?: StateItem };

export type Claim = { claimed: true; runSk: string; holder: string } | Refusal;

export type Finish = {
  id: string;
  runSk: string;
  holder: string;
  releaseLease: boolean;
  run: Partial<RunItem> & { status: RunStatus };
  lastRun: LastRun;
};

const image = (item: unknown) => (item ? unmarshall(item as Record<string, AttributeValue>) : undefined);

export function runSkOf(req: Pick<ClaimRequest, 'trigger' | 'scheduledTime' | 'requestedAt' | 'executionId'>): string {
  return req.trigger === 'schedule'
    ? slotRunSk(req.scheduledTime as string)
    : manualRunSk(req.requestedAt as string, req.executionId);
}

export function createClaims(doc: DynamoDBDocumentClient, TableName: string) {
  async function claim(req: ClaimRequest): Promise<Claim> {
    const pk = jobPk(req.id);
    const runSk = runSkOf(req);
    const holder = runSk;
    const now = req.now.toISOString();
    const run: RunItem = {
      pk,
      sk: runSk,
      kind: 'run',
      id: req.id,
      trigger: req.trigger,
      status: 'dispatching',
      executionId: req.executionId,
      deliveries: 1,
      startedAt: now,
      expiresAt: req.expiresAt,
      ...(req.scheduledTime ? { scheduledTime: req.scheduledTime } : {}),
      ...(req.requestedAt ? { requestedAt: req.requestedAt } : {}),
    };
    const counted = req.trigger === 'schedule';
    try {
      await doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              ConditionCheck: {
                TableName,
                Key: { pk, sk: DEF_SK },
                ConditionExpression: counted ? 'attribute_exists(pk) AND paused = :false' : 'attribute_exists(pk)',
                ...(counted ? { ExpressionAttributeValues: { ':false': false } } : {}),
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
            {
              Update: {
                TableName,
                Key: { pk, sk: STATE_SK },
                UpdateExpression: `${counted ? 'ADD runCount :one ' : ''}SET leaseUntil = :until, leaseHolder = :me`,
                ConditionExpression:
                  (counted
                    ? '(attribute_not_exists(maxRuns) OR attribute_not_exists(runCount) OR runCount < maxRuns) AND '
                    : '') +
                  '(attribute_not_exists(skipOverlap) OR attribute_not_exists(leaseUntil) OR leaseUntil < :now OR leaseHolder = :me)',
                ExpressionAttributeValues: {
                  ...(counted ? { ':one': 1 } : {}),
                  ':until': new Date(req.now.getTime() + req.leaseMs).toISOString(),
                  ':me': holder,
                  ':now': now,
                },
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
            {
              Put: {
                TableName,
                Item: { ...run, deadline: req.deadline.toISOString() },
                ConditionExpression: 'attribute_not_exists(pk)',
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
          ],
        }),
      );
      return { claimed: true, runSk, holder };
    } catch (e) {
      const reasons = (e as { CancellationReasons?: { Code?: string; Item?: unknown }[] }).CancellationReasons;
      if ((e as { name?: string }).name !== 'TransactionCanceledException' || !reasons) throw e;
      const failed = (i: number) => reasons[i]?.Code === 'ConditionalCheckFailed';
      if (failed(0) && !reasons[0].Item) return { refused: 'orphan' };
      if (failed(2)) return { refused: 'duplicate', run: image(reasons[2].Item) as RunItem | undefined };
      if (failed(0)) return { refused: 'paused' };
      if (failed(1)) {
        const state = image(reasons[1].Item) as StateItem | undefined;
        const atMax = counted && state?.maxRuns !== undefined && (state.runCount ?? 0) >= state.maxRuns;
        return atMax ? { refused: 'maxRuns', state } : { refused: 'overlap', state };
      }
      throw e;
    }
  }

  return {
    claim,
    async getJob(id: string): Promise<JobItem | undefined> {
      const r = await doc.send(new GetCommand({ TableName, Key: { pk: jobPk(id), sk: DEF_SK }, ConsistentRead: true }));
      return r.Item as JobItem | undefined;
    },

    /** A delivery of a slot already claimed: counted as a delivery; the run as it stands is returned. */
    async redelivered(id: string, runSk: string): Promise<RunItem | undefined> {
      const r = await doc
        .send(
          new UpdateCommand({
            TableName,
            Key: { pk: jobPk(id), sk: runSk },
            UpdateExpression: 'ADD deliveries :one',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':one': 1 },
            ReturnValues: 'ALL_OLD',
          }),
        )
        .catch((e) => {
          if ((e as { name?: string }).name === 'ConditionalCheckFailedException') return { Attributes: undefined };
          throw e;
        });
      return r.Attributes as RunItem | undefined;
    },

    /** Takes a stale run over (its dispatcher died, or a retryable error asked for a retry): only once. */
    async takeOver(id: string, runSk: string, seen: RunItem, deadline: Date, now: Date): Promise<boolean> {
      try {
        await doc.send(
          new UpdateCommand({
            TableName,
            Key: { pk: jobPk(id), sk: runSk },
            UpdateExpression: 'SET #st = :dispatching, deadline = :deadline, retriedAt = :now',
            ConditionExpression: '#st = :seen AND deadline = :seenDeadline',
            ExpressionAttributeNames: { '#st': 'status' },
            ExpressionAttributeValues: {
              ':dispatching': 'dispatching',
              ':deadline': deadline.toISOString(),
              ':now': now.toISOString(),
              ':seen': seen.status,
              ':seenDeadline': (seen as RunItem & { deadline?: string }).deadline ?? '',
            },
          }),
        );
        return true;
      } catch (e) {
        if ((e as { name?: string }).name === 'ConditionalCheckFailedException') return false;
        throw e;
      }
    },

    /** A run that did not start (overlap, paused): its run item (once) and the state's lastRun. */
    async skipped(req: ClaimRequest, reason: string): Promise<void> {
      const pk = jobPk(req.id);
      const sk = runSkOf(req);
      const now = req.now.toISOString();
      const item: RunItem = {
        pk,
        sk,
        kind: 'run',
        id: req.id,
        trigger: req.trigger,
        status: 'skipped',
        reason,
        executionId: req.executionId,
        deliveries: 1,
        startedAt: now,
        endedAt: now,
        expiresAt: req.expiresAt,
        ...(req.scheduledTime ? { scheduledTime: req.scheduledTime } : {}),
        ...(req.requestedAt ? { requestedAt: req.requestedAt } : {}),
      };
      const last: LastRun = {
        trigger: req.trigger,
        status: 'skipped',
        at: now,
        reason,
        ...(req.scheduledTime ? { scheduledTime: req.scheduledTime } : {}),
      };
      await Promise.all([
        doc
          .send(new PutCommand({ TableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }))
          .catch((e) => {
            if ((e as { name?: string }).name !== 'ConditionalCheckFailedException') throw e;
          }),
        doc.send(
          new UpdateCommand({
            TableName,
            Key: { pk, sk: STATE_SK },
            UpdateExpression: 'SET lastRun = :r',
            ExpressionAttributeValues: { ':r': last },
          }),
        ),
      ]);
    },

    /** The outcome: run item and lastRun; the lease given back if this run holds it. Returns the state after. */
    async finish(f: Finish): Promise<StateItem> {
      const pk = jobPk(f.id);
      const { status, ...rest } = f.run;
      const names: Record<string, string> = { '#st': 'status' };
      const values: Record<string, unknown> = { ':st': status };
      const sets = ['#st = :st'];
      for (const [k, v] of Object.entries(rest)) {
        if (v === undefined) continue;
        names[`#${k}`] = k;
        values[`:${k}`] = v;
        sets.push(`#${k} = :${k}`);
      }
      const runWrite = doc.send(
        new UpdateCommand({
          TableName,
          Key: { pk, sk: f.runSk },
          UpdateExpression: `SET ${sets.join(', ')}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      const stateWrite = async (): Promise<StateItem> => {
        if (f.releaseLease) {
          try {
            const r = await doc.send(
              new UpdateCommand({
                TableName,
                Key: { pk, sk: STATE_SK },
                UpdateExpression: 'SET lastRun = :r REMOVE leaseUntil, leaseHolder',
                ConditionExpression: 'leaseHolder = :me',
                ExpressionAttributeValues: { ':r': f.lastRun, ':me': f.holder },
                ReturnValues: 'ALL_NEW',
              }),
            );
            return r.Attributes as StateItem;
          } catch (e) {
            // The lease expired and another run took it: leave it to that run.
            if ((e as { name?: string }).name !== 'ConditionalCheckFailedException') throw e;
          }
        }
        const r = await doc.send(
          new UpdateCommand({
            TableName,
            Key: { pk, sk: STATE_SK },
            UpdateExpression: 'SET lastRun = :r',
            ExpressionAttributeValues: { ':r': f.lastRun },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return r.Attributes as StateItem;
      };
      const [, state] = await Promise.all([runWrite, stateWrite()]);
      return state;
    },

    /** The job has no run left: say so on its state and schedule record. */
    async finished(job: JobItem, reason: 'maxRuns' | 'once', now: Date, detail: string): Promise<void> {
      const at = now.toISOString();
      const record: ScheduleItem = {
        pk: jobPk(job.id),
        sk: SCHEDULE_SK,
        id: job.id,
        status: 'none',
        reason: detail,
        version: job.version,
        hash: job.hash,
        at,
      };
      await Promise.all([
        doc.send(
          new UpdateCommand({
            TableName,
            Key: { pk: jobPk(job.id), sk: STATE_SK },
            UpdateExpression: 'SET finished = :f',
            ExpressionAttributeValues: { ':f': { reason, at } },
          }),
        ),
        doc.send(
          new UpdateCommand({
            TableName,
            Key: { pk: record.pk, sk: SCHEDULE_SK },
            UpdateExpression: 'SET #id = :id, #st = :st, #reason = :reason, #version = :v, #h = :h, #at = :at',
            ExpressionAttributeNames: {
              '#id': 'id',
              '#st': 'status',
              '#reason': 'reason',
              '#version': 'version',
              '#h': 'hash',
              '#at': 'at',
            },
            ExpressionAttributeValues: {
              ':id': record.id,
              ':st': record.status,
              ':reason': record.reason,
              ':v': record.version,
              ':h': record.hash,
              ':at': at,
            },
          }),
        ),
      ]);
    },
  };
}

export type Claims = ReturnType<typeof createClaims>;
