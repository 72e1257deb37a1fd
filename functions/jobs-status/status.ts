/**
 * The status object beside each job file (`jobs/nightly.json` -> `jobs/nightly.json.status`): whether the file's
 * current content was accepted or refused (with every problem), and the job it runs: its version, schedule in words,
 * next run, run count and last run (the job view of view.ts). The user's file is never rewritten.
 *
 * Written from the jobs table's stream (file records, and the state and schedule records of jobs that come from a
 * file: they carry statusKey), always from what the table holds now, so a late or repeated record writes the same
 * object. A file record removed (the file was deleted) removes the status object.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import type { JobRecord, JobsStore } from '../common/jobs/store';
import { FILE_SK, type FileItem, fileSource, SCHEDULE_SK, STATE_SK, STATUS_SUFFIX } from '../common/jobs/table';
import { type JobView, jobView } from '../common/jobs/view';

export const STATUS_VERSION = 1;

export type StatusDocument = {
  version: typeof STATUS_VERSION;
  file: string;
  /** The file's current content: accepted (it is the job's definition) or refused (the job, if any, runs on). */
  status: 'accepted' | 'refused';
  checkedAt: string;
  errors?: FileItem['errors'];
  /** The job this file runs: when the file was refused, the version accepted before. */
  job: JobView | null;
  updatedAt: string;
};

export type StatusDeps = {
  store: Pick<JobsStore, 'getFile' | 'getJob'>;
  objects: {
    put(bucket: string, key: string, body: string): Promise<void>;
    delete(bucket: string, key: string): Promise<void>;
  };
  now: () => Date;
  log: { info(m: string, e?: Record<string, unknown>): void; warn(m: string, e?: Record<string, unknown>): void };
};

export function statusDocument(file: FileItem, record: JobRecord | undefined, now: Date): StatusDocument {
  const mine = record && record.job.source === fileSource(file.bucket, file.key) ? record : undefined;
  return {
    version: STATUS_VERSION,
    file: fileSource(file.bucket, file.key),
    status: file.status,
    checkedAt: file.at,
    ...(file.status === 'refused' ? { errors: file.errors ?? [] } : {}),
    job: mine ? jobView(mine, now) : null,
    updatedAt: now.toISOString(),
  };
}

type Place = { bucket: string; key: string; sequence: string };

/** The job files a stream batch touches, each once. */
export function filesOf(event: DynamoDBStreamEvent): Place[] {
  const out = new Map<string, Place>();
  for (const r of event.Records ?? []) {
    const keys = r.dynamodb?.Keys as Record<string, { S?: string }> | undefined;
    const sk = keys?.sk?.S;
    const seq = r.dynamodb?.SequenceNumber ?? '';
    let place: Omit<Place, 'sequence'> | undefined;
    if (sk === FILE_SK && keys?.pk?.S?.startsWith('FILE#')) {
      const rest = keys.pk.S.slice(5);
      const slash = rest.indexOf('/');
      place = { bucket: rest.slice(0, slash), key: rest.slice(slash + 1) };
    } else if (sk === STATE_SK || sk === SCHEDULE_SK) {
      const img = r.dynamodb?.NewImage ?? r.dynamodb?.OldImage;
      const item = img
        ? (unmarshall(img as Record<string, AttributeValue>) as { statusKey?: string; statusBucket?: string })
        : {};
      if (item.statusKey?.endsWith(STATUS_SUFFIX) && item.statusBucket) {
        place = { bucket: item.statusBucket, key: item.statusKey.slice(0, -STATUS_SUFFIX.length) };
      }
    }
    if (!place) continue;
    const id = `${place.bucket}/${place.key}`;
    if (!out.has(id)) out.set(id, { ...place, sequence: seq });
  }
  return [...out.values()];
}

export function createStatusWriter(deps: StatusDeps) {
  async function render(bucket: string, key: string): Promise<'written' | 'deleted'> {
    const statusKey = `${key}${STATUS_SUFFIX}`;
    const file = await deps.store.getFile(bucket, key);
    if (!file) {
      await deps.objects.delete(bucket, statusKey);
      return 'deleted';
    }
    const record = file.jobId ? await deps.store.getJob(file.jobId) : undefined;
    const doc = statusDocument(file, record, deps.now());
    await deps.objects.put(bucket, statusKey, `${JSON.stringify(doc, null, 2)}\n`);
    return 'written';
  }

  return async function onStream(
    event: DynamoDBStreamEvent,
  ): Promise<DynamoDBBatchResponse & { written: string[]; deleted: string[] }> {
    const written: string[] = [];
    const deleted: string[] = [];
    for (const place of filesOf(event)) {
      try {
        const done = await render(place.bucket, place.key);
        (done === 'written' ? written : deleted).push(place.key);
      } catch (e) {
        deps.log.warn('could not write a status object: the stream will retry', {
          key: place.key,
          error: (e as Error).message,
        });
        return { batchItemFailures: [{ itemIdentifier: place.sequence }], written, deleted };
      }
    }
    deps.log.info('status objects refreshed', { written: written.length, deleted: deleted.length });
    return { batchItemFailures: [], written, deleted };
  };
}
