/**
 * The Jobs app (template-jobs.yaml) on a local emulator (moto), the way its template declares it: the jobs table
 * with the template's keys, index and stream; the schedule group and the configuration record, made by the app's
 * own setup (functions/jobs-setup/setup.ts); the dispatch dead-letter queue; and the reconciler fed from the
 * table's real stream (DynamoDB Streams on moto) through the event source mapping's own filter, as Lambda would.
 * moto runs no Lambda, so `reconcile()` is the event source mapping: it reads the stream from where it stopped and
 * hands the reconciler the records the template's filter lets through, in the Lambda event shape.
 *
 * Used by `npm start -- --jobs`, the integration tests and the benchmarks, so they never drift from the template.
 */
import { join } from 'node:path';
import {
  type AttributeDefinition,
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
} from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import {
  CreateScheduleGroupCommand,
  GetScheduleGroupCommand,
  ListTagsForResourceCommand,
  type SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { createScheduleCalls } from '../functions/common/jobs/scheduler';
import { createJobsStore, type JobsStore } from '../functions/common/jobs/store';
import {
  type ConfigItem,
  jobPk,
  SCHEDULE_SK,
  type ScheduleItem,
  STATE_SK,
  type StateItem,
} from '../functions/common/jobs/table';
import { createReconciler, type Outcome } from '../functions/jobs-reconciler/reconciler';
import type { ScheduleRequest } from '../functions/jobs-reconciler/schedules';
import { createSetup } from '../functions/jobs-setup/setup';
import { loadTemplate, type Template } from './cfn-yaml';
import { ROOT } from './paths';

export const jobsTemplate = (): Template => loadTemplate(join(ROOT, 'template-jobs.yaml'));

export type JobsClients = {
  ddb: DynamoDBClient;
  streams: DynamoDBStreamsClient;
  scheduler: SchedulerClient;
  sqs: SQSClient;
};

export type LocalJobsOptions = {
  prefix: string;
  /** The app's AllowedTargetArns parameter. */
  allowedTargetArns: string[];
  region?: string;
  account?: string;
  /** The clock the reconciler reads (default: the machine's). */
  now?: () => Date;
};

export type LocalJobs = {
  tableName: string;
  groupName: string;
  dispatcherArn: string;
  schedulerRoleArn: string;
  deadLetterQueueUrl: string;
  deadLetterArn: string;
  config: ConfigItem;
  store: JobsStore;
  /**
   * The reconciler's event source mapping: every stream record written since the last call, filtered by the
   * template's FilterCriteria, handed to the reconciler in batches. Returns what it did per job.
   */
  reconcile(): Promise<Outcome[]>;
  /** The hourly sweep, now. */
  sweep(): ReturnType<ReturnType<typeof createReconciler>['sweep']>;
};

type TableProperties = {
  KeySchema: KeySchemaElement[];
  AttributeDefinitions: AttributeDefinition[];
  GlobalSecondaryIndexes: GlobalSecondaryIndex[];
  StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' };
};

/** Creates the jobs table as template-jobs.yaml declares JobsTable (keys, index, stream); returns its stream ARN. */
export async function createJobsTable(ddb: DynamoDBClient, tableName: string): Promise<string> {
  const props = jobsTemplate().Resources.JobsTable.Properties as unknown as TableProperties;
  await ddb.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: props.KeySchema,
      AttributeDefinitions: props.AttributeDefinitions,
      GlobalSecondaryIndexes: props.GlobalSecondaryIndexes,
      StreamSpecification: { StreamEnabled: true, StreamViewType: props.StreamSpecification.StreamViewType },
    }),
  );
  const d = await ddb.send(new DescribeTableCommand({ TableName: tableName }));
  const arn = d.Table?.LatestStreamArn;
  if (!arn) throw new Error(`the emulator made table ${tableName} without a stream`);
  return arn;
}

/** The reconciler's FilterCriteria in template-jobs.yaml: the sort keys whose records it is sent. */
export function reconcilerFilterKeys(template: Template = jobsTemplate()): string[] {
  const fn = template.Resources.ReconcilerFunction.Properties as {
    Events: Record<string, { Type: string; Properties: { FilterCriteria?: { Filters: { Pattern: string }[] } } }>;
  };
  const stream = Object.values(fn.Events).find((e) => e.Type === 'DynamoDB');
  const filters = stream?.Properties.FilterCriteria?.Filters ?? [];
  const keys = filters.flatMap((f) => {
    const p = JSON.parse(f.Pattern) as { dynamodb?: { Keys?: { sk?: { S?: string[] } } } };
    const sk = p.dynamodb?.Keys?.sk?.S;
    if (!sk || Object.keys(p).length !== 1 || Object.keys(p.dynamodb ?? {}).length !== 1) {
      throw new Error(`the reconciler's filter ${f.Pattern} is not the shape tooling/jobs-local.ts applies: update it`);
    }
    return sk;
  });
  if (keys.length === 0) throw new Error("template-jobs.yaml's reconciler has no stream filter");
  return keys;
}

async function queue(sqs: SQSClient, name: string): Promise<{ url: string; arn: string }> {
  const url = (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl!;
  const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] })))
    .Attributes!.QueueArn!;
  return { url, arn };
}

/** A stream record as Lambda's event source mapping delivers it (aws-lambda's DynamoDBRecord). */
function lambdaRecord(r: StreamRecord, streamArn: string, region: string): DynamoDBRecord {
  const d = r.dynamodb ?? {};
  return {
    eventID: r.eventID,
    eventName: r.eventName as DynamoDBRecord['eventName'],
    eventVersion: r.eventVersion,
    eventSource: 'aws:dynamodb',
    awsRegion: region,
    eventSourceARN: streamArn,
    dynamodb: {
      ApproximateCreationDateTime: d.ApproximateCreationDateTime
        ? Math.floor(new Date(d.ApproximateCreationDateTime).getTime() / 1000)
        : undefined,
      Keys: d.Keys as never,
      NewImage: d.NewImage as never,
      OldImage: d.OldImage as never,
      SequenceNumber: d.SequenceNumber,
      SizeBytes: d.SizeBytes,
      StreamViewType: d.StreamViewType,
    },
  };
}

/** Reads a stream from where the last read stopped (per shard), every record once. */
export function streamReader(streams: DynamoDBStreamsClient, streamArn: string) {
  const after = new Map<string, string>();
  return async function read(): Promise<StreamRecord[]> {
    const out: StreamRecord[] = [];
    const d = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
    for (const shard of d.StreamDescription?.Shards ?? []) {
      const ShardId = shard.ShardId!;
      const last = after.get(ShardId);
      let iterator = (
        await streams.send(
          new GetShardIteratorCommand({
            StreamArn: streamArn,
            ShardId,
            ...(last
              ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: last }
              : { ShardIteratorType: 'TRIM_HORIZON' }),
          }),
        )
      ).ShardIterator;
      while (iterator) {
        const r = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
        const records = r.Records ?? [];
        out.push(...records);
        if (records.length === 0) break;
        after.set(ShardId, records[records.length - 1].dynamodb!.SequenceNumber!);
        iterator = r.NextShardIterator;
      }
    }
    return out;
  };
}

export async function deployJobsLocally(clients: JobsClients, options: LocalJobsOptions): Promise<LocalJobs> {
  const region = options.region ?? 'us-east-1';
  const account = options.account ?? '123456789012';
  const now = options.now ?? (() => new Date());
  const tableName = `${options.prefix}-jobs`;
  const streamArn = await createJobsTable(clients.ddb, tableName);
  const store = createJobsStore(clients.ddb, tableName);
  const dlq = await queue(clients.sqs, `${options.prefix}-jobs-dispatch-dlq`);
  const groupName = `${options.prefix}-jobs`;
  const dispatcherArn = `arn:aws:lambda:${region}:${account}:function:${options.prefix}-jobs-dispatcher`;
  const schedulerRoleArn = `arn:aws:iam::${account}:role/${options.prefix}-jobs-scheduler`;
  const stackId = `arn:aws:cloudformation:${region}:${account}:stack/${options.prefix}-jobs/local`;

  // The app's own setup makes the group and the configuration record, as its custom resource does.
  const setup = createSetup(
    {
      async create(name, tags) {
        const r = await clients.scheduler.send(
          new CreateScheduleGroupCommand({
            Name: name,
            Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
          }),
        );
        return r.ScheduleGroupArn ?? '';
      },
      async describe(name) {
        try {
          const g = await clients.scheduler.send(new GetScheduleGroupCommand({ Name: name }));
          const t = await clients.scheduler.send(new ListTagsForResourceCommand({ ResourceArn: g.Arn }));
          return {
            arn: g.Arn ?? '',
            tags: Object.fromEntries((t.Tags ?? []).map((x) => [x.Key ?? '', x.Value ?? ''])),
          };
        } catch (e) {
          if ((e as { name?: string }).name === 'ResourceNotFoundException') return undefined;
          throw e;
        }
      },
      async delete() {},
    },
    { put: (item) => store.writeItems([item]), delete: async () => {} },
    now,
  );
  await setup({
    RequestType: 'Create',
    StackId: stackId,
    RequestId: 'local',
    LogicalResourceId: 'JobsSetup',
    ResourceType: 'AWS::CloudFormation::CustomResource',
    ResponseURL: 'http://localhost/unused',
    ServiceToken: 'local',
    ResourceProperties: {
      ServiceToken: 'local',
      GroupName: groupName,
      DispatcherArn: dispatcherArn,
      AllowedTargetArns: options.allowedTargetArns,
      Bucket: `${options.prefix}-jobs-files`,
      Prefix: 'jobs/',
    },
  });
  const config = await store.getConfig();
  if (!config) throw new Error('the setup wrote no configuration record');

  const reconciler = createReconciler({
    schedules: createScheduleCalls<ScheduleRequest>(clients.scheduler, groupName),
    store: {
      async runCounts(ids) {
        const items = (await store.getItems(ids.map((id) => ({ pk: jobPk(id), sk: STATE_SK })))) as StateItem[];
        return new Map(items.map((s) => [s.pk.slice(4), s.runCount ?? 0]));
      },
      putScheduleRecords: (items) => store.writeItems(items),
      deleteScheduleRecords: (ids) =>
        store.writeItems(
          [],
          ids.map((id) => ({ pk: jobPk(id), sk: SCHEDULE_SK })),
        ),
      listJobItems: () => store.listJobItems(),
      getJobItem: (id) => store.getJobItem(id),
      async scheduleRecords(ids) {
        const items = (await store.getItems(ids.map((id) => ({ pk: jobPk(id), sk: SCHEDULE_SK })))) as ScheduleItem[];
        return new Map(items.map((s) => [s.id, s]));
      },
    },
    settings: { groupName, dispatcherArn, roleArn: schedulerRoleArn, deadLetterArn: dlq.arn },
    now,
    log: { info() {}, warn() {} },
  });
  const read = streamReader(clients.streams, streamArn);
  const keys = new Set(reconcilerFilterKeys());
  const batchSize = 100;

  return {
    tableName,
    groupName,
    dispatcherArn,
    schedulerRoleArn,
    deadLetterQueueUrl: dlq.url,
    deadLetterArn: dlq.arn,
    config,
    store,
    async reconcile() {
      const records = (await read())
        .filter((r) => keys.has(String((r.dynamodb?.Keys as { sk?: { S?: string } })?.sk?.S)))
        .map((r) => lambdaRecord(r, streamArn, region));
      const outcomes: Outcome[] = [];
      for (let i = 0; i < records.length; i += batchSize) {
        let batch = records.slice(i, i + batchSize);
        // As the event source mapping does with a partial batch failure: retry from the record reported.
        for (let attempt = 0; batch.length > 0; attempt++) {
          const event: DynamoDBStreamEvent = { Records: batch };
          const r = await reconciler.onStream(event);
          outcomes.push(...r.outcomes.filter((o) => o.action !== 'skipped' || !r.batchItemFailures.length));
          const failed = r.batchItemFailures[0]?.itemIdentifier;
          if (!failed) break;
          if (attempt >= 3) throw new Error(`the reconciler keeps failing from stream record ${failed}`);
          batch = batch.slice(batch.findIndex((x) => x.dynamodb?.SequenceNumber === failed));
        }
      }
      return outcomes;
    },
    sweep: () => reconciler.sweep(),
  };
}
