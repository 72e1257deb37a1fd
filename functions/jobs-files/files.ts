/**
 * Job files: JSON job definitions under a prefix of an S3 bucket. Adding, changing or deleting a file adds, changes
 * or deletes its job. S3 notifies an SQS queue (ObjectCreated and ObjectRemoved, prefix and `.json` suffix); this
 * reads each notification and makes the table match the file as it is now:
 *
 * - The object is read when the notification is handled, not taken from the notification: a late or repeated
 *   notification converges on the file's current content. S3's `sequencer` (ordered per key) guards the file record,
 *   so an older notification handled after a newer one changes nothing.
 * - A valid file writes its job (source `s3://bucket/key`: the file owns the job) and an `accepted` file record, in
 *   one transaction; an unchanged file writes nothing. A file whose id changed deletes the job it used to define.
 * - An invalid file (the same validator as the API and the CLI) writes only a `refused` file record with every
 *   problem, logs them and puts a `Cloud Cron Job File Refused` event on the default bus: the previous version of
 *   the job, if any, keeps running. The status object beside the file (status.ts) shows both.
 * - A deleted file deletes its job and its file record.
 * - Keys arrive URL-encoded (`+` for spaces); anything not a `.json` file under the prefix (a status object, a
 *   folder marker) is ignored.
 */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { LIMITS } from '../common/jobs/definition';
import { JobConflictError, type JobsStore, type TransactItem } from '../common/jobs/store';
import {
  DEF_SK,
  FILE_SK,
  type FileItem,
  filePk,
  fileSource,
  jobPk,
  STATE_SK,
  STATUS_SUFFIX,
  statusKeyOf,
} from '../common/jobs/table';
import type { TargetPatterns } from '../common/jobs/targets';
import { type JobProblem, validateJobText } from '../common/jobs/validate';

export type StoredObject = { text: string; etag: string } | { tooLarge: number } | undefined;

export type FileDeps = {
  store: Pick<JobsStore, 'putJob' | 'deleteJob' | 'getFile' | 'putFile' | 'transact' | 'table'>;
  /** The object as it is now; undefined when it does not exist. */
  read(bucket: string, key: string): Promise<StoredObject>;
  announce(refusal: { bucket: string; key: string; jobId?: string; errors: JobProblem[] }): Promise<void>;
  /** Where a message that is not an S3 notification goes, with the reason (FilesDeadLetterQueue). */
  deadLetter: { send(body: string): Promise<void> };
  bucket: string;
  prefix: string;
  allowed: TargetPatterns;
  now: () => Date;
  log: { info(m: string, e?: Record<string, unknown>): void; warn(m: string, e?: Record<string, unknown>): void };
};

export type FileOutcome = {
  key: string;
  outcome: 'created' | 'updated' | 'unchanged' | 'refused' | 'deleted' | 'ignored' | 'stale';
  job?: string;
  errors?: string[];
};

type S3Record = {
  eventName?: string;
  s3?: { bucket?: { name?: string }; object?: { key?: string; sequencer?: string; eTag?: string } };
};

/** An S3 notification's key as the object's real key: notifications URL-encode it, with "+" for a space. */
export function decodeKey(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, '%20'));
}

/** S3 sequencers are hex strings of varying length: compare them as numbers (pad, then compare). */
export function sequencerAfter(a: string, b: string): boolean {
  const n = Math.max(a.length, b.length);
  return a.padEnd(n, '0') > b.padEnd(n, '0');
}

export function isJobFile(key: string, prefix: string): boolean {
  return (
    key.startsWith(prefix) && key.endsWith('.json') && !key.endsWith(STATUS_SUFFIX) && key.length > prefix.length + 5
  );
}

export function createFileSync(deps: FileDeps) {
  const { store, log } = deps;
  const TableName = store.table;

  async function sync(bucket: string, key: string, sequencer: string | undefined): Promise<FileOutcome> {
    const now = deps.now();
    const previous = await store.getFile(bucket, key);
    const prevSeq = previous?.sequencer;
    if (sequencer && prevSeq && !sequencerAfter(sequencer, prevSeq) && sequencer !== prevSeq) {
      return { key, outcome: 'stale', ...(previous?.jobId ? { job: previous.jobId } : {}) };
    }
    const source = fileSource(bucket, key);
    const statusKey = statusKeyOf(key);
    const object = await deps.read(bucket, key);
    const base = {
      pk: filePk(bucket, key),
      sk: FILE_SK as typeof FILE_SK,
      kind: 'file' as const,
      bucket,
      key,
      at: now.toISOString(),
      statusKey,
      ...(sequencer ? { sequencer } : {}),
    };

    if (object === undefined) {
      // Deleted: its job goes too (only if this file still owns it).
      const jobId = previous?.jobId;
      const dropFile: TransactItem = { Delete: { TableName, Key: { pk: base.pk, sk: FILE_SK } } };
      if (jobId) {
        try {
          await store.deleteJob(jobId, { source, also: [dropFile] });
        } catch (e) {
          // The job is no longer this file's (another writer took the id after this file gave it up).
          if (!(e instanceof JobConflictError) || e.code !== 'owner') throw e;
          await store.transact([dropFile]);
        }
      } else if (previous) {
        await store.transact([dropFile]);
      }
      log.info('job file deleted', { key, job: jobId });
      return { key, outcome: 'deleted', ...(jobId ? { job: jobId } : {}) };
    }

    const refuse = async (errors: JobProblem[], jobId = previous?.jobId): Promise<FileOutcome> => {
      const item: FileItem = {
        ...base,
        status: 'refused',
        errors: errors.map(({ path, code, message }) => ({ path, code, message })),
        ...('etag' in object ? { etag: object.etag } : {}),
        ...(jobId ? { jobId } : {}),
      };
      await store.putFile(item);
      log.warn('job file refused: the previous version of its job, if any, keeps running', {
        key,
        job: jobId,
        problems: errors.map((e) => e.message),
      });
      await deps.announce({ bucket, key, ...(jobId ? { jobId } : {}), errors });
      return { key, outcome: 'refused', ...(jobId ? { job: jobId } : {}), errors: errors.map((e) => e.message) };
    };

    if ('tooLarge' in object) {
      return refuse([
        {
          path: '',
          pointer: '',
          code: 'document.size',
          message: `the file is ${object.tooLarge} bytes, more than ${LIMITS.definitionMaxBytes}: keep large data in S3 and pass its key`,
        },
      ]);
    }
    const result = validateJobText(object.text, { allowedTargetArns: deps.allowed, now });
    if (!result.ok) return refuse(result.errors);
    const job = result.job;
    const accepted: FileItem = { ...base, status: 'accepted', jobId: job.id, etag: object.etag };
    const also: TransactItem[] = [{ Put: { TableName, Item: accepted } }];
    if (previous?.jobId && previous.jobId !== job.id) {
      // The file now defines another id: the job it defined before goes (if it still owns it).
      also.push(
        {
          Delete: {
            TableName,
            Key: { pk: jobPk(previous.jobId), sk: DEF_SK },
            ConditionExpression: 'attribute_not_exists(pk) OR #s = :src',
            ExpressionAttributeNames: { '#s': 'source' },
            ExpressionAttributeValues: { ':src': source },
          },
        },
        { Delete: { TableName, Key: { pk: jobPk(previous.jobId), sk: STATE_SK } } },
      );
    }
    const fileChanged = previous?.status !== 'accepted' || previous.jobId !== job.id || previous.etag !== object.etag;
    try {
      const out = await store.putJob(job, {
        source,
        by: source,
        now,
        status: { bucket, key: statusKey },
        ...(fileChanged ? { also } : {}),
      });
      if (result.warnings.length)
        log.warn('job file accepted with warnings', {
          key,
          job: job.id,
          warnings: result.warnings.map((w) => w.message),
        });
      log.info('job file applied', { key, job: job.id, outcome: out.outcome, version: out.item.version });
      return { key, outcome: out.outcome, job: job.id };
    } catch (e) {
      if (e instanceof JobConflictError && (e.code === 'owner' || e.code === 'exists')) {
        return refuse([{ path: 'id', pointer: '/id', code: 'id.owned', message: `id: ${e.message}` }]);
      }
      throw e;
    }
  }

  /** One SQS batch of S3 notifications. A file that could not be handled (an outage) is retried by SQS. */
  return async function handle(event: SQSEvent): Promise<SQSBatchResponse & { outcomes: FileOutcome[] }> {
    const outcomes: FileOutcome[] = [];
    const failures: { itemIdentifier: string }[] = [];
    for (const message of event.Records ?? []) {
      let records: S3Record[] | undefined;
      try {
        const body = JSON.parse(message.body) as { Records?: S3Record[]; Event?: string };
        if (body?.Event === 's3:TestEvent') continue;
        records = Array.isArray(body?.Records) ? body.Records : undefined;
      } catch {
        records = undefined;
      }
      if (!records) {
        // Never retried (it would fail the same way): kept with the reason, so nothing is lost silently.
        const reason = 'not an S3 event notification (no "Records" list): the file sync cannot apply it';
        try {
          await deps.deadLetter.send(
            JSON.stringify({
              reason,
              messageId: message.messageId,
              receivedAt: deps.now().toISOString(),
              body: message.body,
            }),
          );
          log.warn('not an S3 notification: sent to the dead-letter queue', { messageId: message.messageId });
        } catch (e) {
          log.warn('could not dead-letter a message: SQS will deliver it again', { error: (e as Error).message });
          failures.push({ itemIdentifier: message.messageId });
        }
        continue;
      }
      try {
        for (const r of records) {
          const bucket = r.s3?.bucket?.name ?? '';
          const key = decodeKey(r.s3?.object?.key ?? '');
          if (bucket !== deps.bucket || !isJobFile(key, deps.prefix)) {
            outcomes.push({ key, outcome: 'ignored' });
            continue;
          }
          outcomes.push(await sync(bucket, key, r.s3?.object?.sequencer));
        }
      } catch (e) {
        log.warn('could not apply a job file: SQS will deliver it again', {
          messageId: message.messageId,
          error: (e as Error).message,
        });
        failures.push({ itemIdentifier: message.messageId });
      }
    }
    return { batchItemFailures: failures, outcomes };
  };
}
