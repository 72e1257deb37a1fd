/**
 * Reads and writes of the jobs table (table.ts) over DynamoDB, shared by every front door (the HTTP API, the file
 * sync, `cloud-cron jobs`), so a job is written the same way wherever it comes from:
 *
 * - a definition is written only after the validator accepted it; a definition equal to the stored one (same
 *   canonical text) is not written at all (`unchanged`), so applying the same files twice writes nothing;
 * - every write is conditional on the version it read (or on the job not existing), so two writers never silently
 *   overwrite each other: the API turns a mismatch into 412, the CLI and the file sync read again;
 * - a job that comes from a file is owned by that file: the API and the CLI may pause, resume and run it, not
 *   change or delete it; a file cannot take over a job the API or the CLI made;
 * - the definition and what the dispatcher needs from it (maxRuns, the status object's key) change in one
 *   transaction; so do a file's job and its file record.
 */
import { createHash } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { CloudCronError } from '../errors';
import { canonicalJson, type JobDefinition } from './definition';
import {
  CONFIG_KEY,
  type ConfigItem,
  DEF_SK,
  etagOf,
  FILE_SK,
  type FileItem,
  filePk,
  isFileSource,
  type JobItem,
  jobPk,
  LIST_INDEX,
  LIST_SHARDS,
  listShard,
  RUN_PREFIX,
  type RunItem,
  SCHEDULE_SK,
  type ScheduleItem,
  type Source,
  STATE_SK,
  type StateItem,
  TABLE_VERSION,
} from './table';

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** A write refused because of what is stored: the message says what to do. */
export class JobConflictError extends CloudCronError {
  override name = 'JobConflictError';
  constructor(
    readonly code: 'exists' | 'not-found' | 'precondition' | 'owner' | 'busy',
    message: string,
    readonly current?: JobItem,
  ) {
    super(message);
  }
}

export type PutOptions = {
  source: Source;
  now: Date;
  /** HTTP If-Match: the write happens only if the job's ETag is this one. */
  ifMatch?: string;
  /** HTTP If-None-Match: * (POST /jobs): the write happens only if the job does not exist. */
  createOnly?: boolean;
  /** The stored job as the caller already read it (bulk apply), to save a read; undefined: read it here. */
  current?: JobItem | null;
  /** The status object of a job from a file. */
  status?: { bucket: string; key: string };
  /** Who asked (the caller's IAM ARN, the file's URL): kept on the job as updatedBy. */
  by?: string;
  /** Writes that must happen in the same transaction (the file record, the job a renamed file defined). */
  also?: TransactItem[];
};

export type PutOutcome = { outcome: 'created' | 'updated' | 'unchanged'; item: JobItem };

export type JobRecord = { job: JobItem; state?: StateItem; schedule?: ScheduleItem };

export type JobsStore = {
  table: string;
  getJobItem(id: string): Promise<JobItem | undefined>;
  /** The job, its state and its schedule record. */
  getJob(id: string): Promise<JobRecord | undefined>;
  /** Every job (each list partition read in parallel), sorted by id. */
  listJobItems(): Promise<JobItem[]>;
  /** Jobs in id order, `limit` at a time; `cursor` is the previous page's `next`. */
  listPage(limit: number, cursor?: string): Promise<{ jobs: JobItem[]; next?: string }>;
  /** State and schedule records of many jobs. */
  statesOf(ids: string[]): Promise<Map<string, { state?: StateItem; schedule?: ScheduleItem }>>;
  putJob(job: JobDefinition, options: PutOptions): Promise<PutOutcome>;
  deleteJob(
    id: string,
    options: { source: Source; ifMatch?: string; also?: TransactItem[] },
  ): Promise<{ deleted: boolean; item?: JobItem }>;
  setPaused(id: string, paused: boolean, now: Date): Promise<JobItem>;
  listRuns(id: string, limit: number): Promise<RunItem[]>;
  getConfig(): Promise<ConfigItem | undefined>;
  getFile(bucket: string, key: string): Promise<FileItem | undefined>;
  putFile(item: FileItem): Promise<void>;
  /** Writes that must happen together (TransactWriteItems). */
  transact(items: TransactItem[]): Promise<void>;
  /** Items by key (BatchGetItem, unprocessed keys retried). */
  getItems(keys: { pk: string; sk: string }[]): Promise<Record<string, unknown>[]>;
  /** Puts and deletes without conditions (BatchWriteItem, 25 at a time, unprocessed items retried). */
  writeItems(puts: Record<string, unknown>[], deletes?: { pk: string; sk: string }[]): Promise<void>;
};

export const hashOf = (text: string) => createHash('sha256').update(text).digest('hex');

const isConditionFailure = (e: unknown) => {
  const name = (e as { name?: string })?.name;
  return name === 'ConditionalCheckFailedException' || name === 'TransactionCanceledException';
};

export function documentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}

function describeSource(source: Source): string {
  if (source === 'api') return 'the HTTP API';
  if (source === 'cli') return '`cloud-cron jobs`';
  return source;
}

/** Whether a writer from `source` may change or delete a job owned by `owner`. */
export function mayWrite(source: Source, owner: Source): boolean {
  if (isFileSource(owner) || isFileSource(source)) return source === owner;
  return true;
}

export function ownerRefusal(id: string, source: Source, owner: Source): string {
  if (isFileSource(owner)) {
    return `job ${id} is defined by the file ${owner}: change or delete that file instead (pause, resume and run work on any job)`;
  }
  return `job ${id} already exists and was made with ${describeSource(owner)}: choose another id in ${describeSource(source)}, or delete that job first`;
}

export function createJobsStore(client: DynamoDBClient, table: string): JobsStore {
  const doc = documentClient(client);
  const TableName = table;

  async function getJobItem(id: string): Promise<JobItem | undefined> {
    const r = await doc.send(new GetCommand({ TableName, Key: { pk: jobPk(id), sk: DEF_SK }, ConsistentRead: true }));
    return r.Item as JobItem | undefined;
  }

  async function batchGet(keys: { pk: string; sk: string }[]): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    for (let i = 0; i < keys.length; i += 100) {
      let pending: { Keys: { pk: string; sk: string }[] } | undefined = { Keys: keys.slice(i, i + 100) };
      for (let attempt = 0; pending && pending.Keys.length > 0; attempt++) {
        const r = await doc.send(new BatchGetCommand({ RequestItems: { [TableName]: pending } }));
        out.push(...((r.Responses?.[TableName] ?? []) as Record<string, unknown>[]));
        pending = r.UnprocessedKeys?.[TableName] as typeof pending;
        if (pending && attempt > 8) throw new CloudCronError(`DynamoDB left ${pending.Keys.length} reads unprocessed`);
        if (pending) await new Promise((res) => setTimeout(res, 20 * 2 ** attempt));
      }
    }
    return out;
  }

  async function queryAll(input: QueryCommandInput): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await doc.send(new QueryCommand({ ...input, ExclusiveStartKey }));
      out.push(...((page.Items ?? []) as Record<string, unknown>[]));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return out;
  }

  const shardQuery = (shard: number): QueryCommandInput => ({
    TableName,
    IndexName: LIST_INDEX,
    KeyConditionExpression: 'lpk = :p',
    ExpressionAttributeValues: { ':p': `JOBS#${shard}` },
  });

  async function statesOf(ids: string[]) {
    const keys = ids.flatMap((id) => [
      { pk: jobPk(id), sk: STATE_SK },
      { pk: jobPk(id), sk: SCHEDULE_SK },
    ]);
    const out = new Map<string, { state?: StateItem; schedule?: ScheduleItem }>();
    for (const item of await batchGet(keys)) {
      const id = String(item.pk).slice(4);
      const entry = out.get(id) ?? {};
      if (item.sk === STATE_SK) entry.state = item as unknown as StateItem;
      else entry.schedule = item as unknown as ScheduleItem;
      out.set(id, entry);
    }
    return out;
  }

  function stateUpdate(id: string, job: JobDefinition, status: PutOptions['status']): TransactItem {
    const set: string[] = [];
    const remove: string[] = ['finished'];
    const values: Record<string, unknown> = {};
    if (job.maxRuns !== undefined) {
      set.push('maxRuns = :max');
      values[':max'] = job.maxRuns;
    } else remove.push('maxRuns');
    if (job.overlap === 'skip') {
      set.push('skipOverlap = :skip');
      values[':skip'] = true;
    } else remove.push('skipOverlap');
    if (status) {
      set.push('statusKey = :sk', 'statusBucket = :sb');
      values[':sk'] = status.key;
      values[':sb'] = status.bucket;
    } else remove.push('statusKey', 'statusBucket');
    return {
      Update: {
        TableName,
        Key: { pk: jobPk(id), sk: STATE_SK },
        UpdateExpression: `${set.length ? `SET ${set.join(', ')} ` : ''}REMOVE ${remove.join(', ')}`,
        ...(set.length ? { ExpressionAttributeValues: values } : {}),
      },
    };
  }

  async function putJob(job: JobDefinition, options: PutOptions): Promise<PutOutcome> {
    const text = canonicalJson(job);
    const hash = hashOf(text);
    for (let attempt = 0; ; attempt++) {
      const current =
        attempt === 0 && options.current !== undefined ? (options.current ?? undefined) : await getJobItem(job.id);
      if (current) {
        if (options.createOnly) {
          throw new JobConflictError(
            'exists',
            `job ${job.id} already exists: change it with PUT /jobs/${job.id}`,
            current,
          );
        }
        if (options.ifMatch !== undefined && options.ifMatch !== etagOf(current)) {
          throw new JobConflictError(
            'precondition',
            `job ${job.id} changed since you read it (its ETag is now ${etagOf(current)}, you sent ${options.ifMatch}): read it again and redo your change`,
            current,
          );
        }
        if (!mayWrite(options.source, current.source)) {
          throw new JobConflictError('owner', ownerRefusal(job.id, options.source, current.source), current);
        }
        if (current.hash === hash && (options.also ?? []).length === 0) return { outcome: 'unchanged', item: current };
      } else if (options.ifMatch !== undefined) {
        throw new JobConflictError('not-found', `job ${job.id} does not exist (any more): create it with POST /jobs`);
      }
      const now = options.now.toISOString();
      const version = (current?.version ?? 0) + 1;
      const item: JobItem = {
        pk: jobPk(job.id),
        sk: DEF_SK,
        kind: 'job',
        v: TABLE_VERSION,
        id: job.id,
        definition: text,
        hash,
        version,
        source: options.source,
        paused: current?.paused ?? false,
        createdAt: current?.createdAt ?? now,
        updatedAt: now,
        lpk: listShard(job.id),
        lsk: job.id,
        updatedBy: options.by ?? options.source,
      };
      if (current && current.hash === hash) {
        // Same definition: only the other writes of the transaction (the file record) are needed.
        await doc.send(new TransactWriteCommand({ TransactItems: options.also }));
        return { outcome: 'unchanged', item: current };
      }
      const write: TransactItem = {
        Update: {
          TableName,
          Key: { pk: item.pk, sk: DEF_SK },
          UpdateExpression:
            'SET #kind = :kind, #v = :tv, #id = :id, #d = :d, #h = :h, #version = :next, #s = :s, updatedAt = :now, ' +
            'lpk = :lpk, lsk = :lsk, createdAt = if_not_exists(createdAt, :now), #paused = if_not_exists(#paused, :false), ' +
            'updatedBy = :by',
          ConditionExpression: current ? '#version = :v' : 'attribute_not_exists(pk)',
          // Every name escaped: several (definition, source, hash...) are DynamoDB reserved words.
          ExpressionAttributeNames: {
            '#kind': 'kind',
            '#v': 'v',
            '#id': 'id',
            '#d': 'definition',
            '#h': 'hash',
            '#version': 'version',
            '#s': 'source',
            '#paused': 'paused',
          },
          ExpressionAttributeValues: {
            ':kind': 'job',
            ':tv': TABLE_VERSION,
            ':id': job.id,
            ':d': text,
            ':h': hash,
            ':next': version,
            ':s': options.source,
            ':now': now,
            ':lpk': item.lpk,
            ':lsk': item.lsk,
            ':false': false,
            ':by': options.by ?? options.source,
            ...(current ? { ':v': current.version } : {}),
          },
        },
      };
      try {
        await doc.send(
          new TransactWriteCommand({
            TransactItems: [write, stateUpdate(job.id, job, options.status), ...(options.also ?? [])],
          }),
        );
        return { outcome: current ? 'updated' : 'created', item };
      } catch (e) {
        if (!isConditionFailure(e)) throw e;
        // Someone else wrote the job between our read and our write.
        if (options.ifMatch !== undefined || options.createOnly || attempt >= 3) {
          const now2 = await getJobItem(job.id);
          if (options.createOnly && now2) {
            throw new JobConflictError(
              'exists',
              `job ${job.id} already exists: change it with PUT /jobs/${job.id}`,
              now2,
            );
          }
          throw new JobConflictError(
            options.ifMatch !== undefined ? 'precondition' : 'busy',
            `job ${job.id} was changed by another writer at the same time: read it again and redo your change`,
            now2,
          );
        }
      }
    }
  }

  async function deleteJob(id: string, options: { source: Source; ifMatch?: string; also?: TransactItem[] }) {
    const current = await getJobItem(id);
    if (!current) {
      if (options.ifMatch !== undefined) throw new JobConflictError('not-found', `job ${id} does not exist`);
      if (options.also?.length) await doc.send(new TransactWriteCommand({ TransactItems: options.also }));
      return { deleted: false };
    }
    if (options.ifMatch !== undefined && options.ifMatch !== etagOf(current)) {
      throw new JobConflictError(
        'precondition',
        `job ${id} changed since you read it (its ETag is now ${etagOf(current)}): read it again before deleting it`,
        current,
      );
    }
    if (!mayWrite(options.source, current.source)) {
      throw new JobConflictError('owner', ownerRefusal(id, options.source, current.source), current);
    }
    try {
      await doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Delete: {
                TableName,
                Key: { pk: jobPk(id), sk: DEF_SK },
                ConditionExpression: '#version = :v',
                ExpressionAttributeNames: { '#version': 'version' },
                ExpressionAttributeValues: { ':v': current.version },
              },
            },
            { Delete: { TableName, Key: { pk: jobPk(id), sk: STATE_SK } } },
            ...(options.also ?? []),
          ],
        }),
      );
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
      throw new JobConflictError('busy', `job ${id} was changed by another writer at the same time: try again`);
    }
    return { deleted: true, item: current };
  }

  async function writeItems(puts: Record<string, unknown>[], deletes: { pk: string; sk: string }[] = []) {
    const requests = [
      ...puts.map((Item) => ({ PutRequest: { Item } })),
      ...deletes.map((Key) => ({ DeleteRequest: { Key } })),
    ];
    for (let i = 0; i < requests.length; i += 25) {
      let pending = requests.slice(i, i + 25) as unknown[];
      for (let attempt = 0; pending.length > 0; attempt++) {
        const r = await doc.send(new BatchWriteCommand({ RequestItems: { [TableName]: pending as never } }));
        pending = (r.UnprocessedItems?.[TableName] ?? []) as unknown[];
        if (pending.length && attempt > 8)
          throw new CloudCronError(`DynamoDB left ${pending.length} writes unprocessed`);
        if (pending.length) await new Promise((res) => setTimeout(res, 20 * 2 ** attempt));
      }
    }
  }

  return {
    table,
    getItems: batchGet,
    async transact(items) {
      await doc.send(new TransactWriteCommand({ TransactItems: items }));
    },
    writeItems,
    getJobItem,
    async getJob(id) {
      const items = await batchGet([DEF_SK, STATE_SK, SCHEDULE_SK].map((sk) => ({ pk: jobPk(id), sk })));
      const job = items.find((i) => i.sk === DEF_SK) as JobItem | undefined;
      if (!job) return undefined;
      return {
        job,
        state: items.find((i) => i.sk === STATE_SK) as StateItem | undefined,
        schedule: items.find((i) => i.sk === SCHEDULE_SK) as ScheduleItem | undefined,
      };
    },
    async listJobItems() {
      const shards = await Promise.all(Array.from({ length: LIST_SHARDS }, (_, s) => queryAll(shardQuery(s))));
      return (shards.flat() as JobItem[]).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    },
    async listPage(limit, cursor) {
      // Pages walk the shards in order; the cursor is the shard and the last id read in it.
      let shard = 0;
      let after: string | undefined;
      if (cursor) {
        const m = /^(\d+):(.*)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
        if (!m || Number(m[1]) >= LIST_SHARDS)
          throw new JobConflictError('not-found', 'the page cursor is not one this API gave');
        shard = Number(m[1]);
        after = m[2] || undefined;
      }
      const jobs: JobItem[] = [];
      while (shard < LIST_SHARDS && jobs.length < limit) {
        const r = await doc.send(
          new QueryCommand({
            ...shardQuery(shard),
            Limit: limit - jobs.length,
            ...(after ? { ExclusiveStartKey: { lpk: `JOBS#${shard}`, lsk: after, pk: jobPk(after), sk: DEF_SK } } : {}),
          }),
        );
        jobs.push(...((r.Items ?? []) as JobItem[]));
        if (r.LastEvaluatedKey) {
          after = String(r.LastEvaluatedKey.lsk);
          if (jobs.length >= limit) break;
        } else {
          shard += 1;
          after = undefined;
        }
      }
      const more = shard < LIST_SHARDS;
      const next = more ? Buffer.from(`${shard}:${after ?? ''}`).toString('base64url') : undefined;
      return { jobs, ...(next && jobs.length > 0 ? { next } : {}) };
    },
    statesOf,
    putJob,
    deleteJob,
    async setPaused(id, paused, now) {
      try {
        const r = await doc.send(
          new UpdateCommand({
            TableName,
            Key: { pk: jobPk(id), sk: DEF_SK },
            UpdateExpression: 'SET paused = :p, updatedAt = :now',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':p': paused, ':now': now.toISOString() },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return r.Attributes as JobItem;
      } catch (e) {
        if (isConditionFailure(e)) throw new JobConflictError('not-found', `job ${id} does not exist`);
        throw e;
      }
    },
    async listRuns(id, limit) {
      const r = await doc.send(
        new QueryCommand({
          TableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :run)',
          ExpressionAttributeValues: { ':pk': jobPk(id), ':run': RUN_PREFIX },
          ScanIndexForward: false,
          Limit: limit,
        }),
      );
      return (r.Items ?? []) as RunItem[];
    },
    async getConfig() {
      const r = await doc.send(new GetCommand({ TableName, Key: { ...CONFIG_KEY } }));
      return r.Item as ConfigItem | undefined;
    },
    async getFile(bucket, key) {
      const r = await doc.send(
        new GetCommand({ TableName, Key: { pk: filePk(bucket, key), sk: FILE_SK }, ConsistentRead: true }),
      );
      return r.Item as FileItem | undefined;
    },
    async putFile(item) {
      await doc.send(new PutCommand({ TableName, Item: item }));
    },
  };
}
