/**
 * The Jobs app (template-jobs.yaml) set up on a local emulator (moto) the way its template declares it: the jobs
 * table (keys, list index, stream, TTL from JobsTable), the schedule group, the dead-letter queues, the job files
 * bucket with the template's S3 notification filters on the files queue, and each function's environment resolved
 * from the template. moto runs no Lambda and no event source mapping, so `stream.read` hands on the table's stream
 * records as Lambda's mapping would (the template's FilterCriteria applied), and `drain` the files queue's messages.
 * Used by the integration tests (and by `npm start -- --jobs`), so they never drift from the template.
 */
import { join } from 'node:path';
import {
  type AttributeDefinition,
  CreateTableCommand,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
  type StreamSpecification,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { CreateBucketCommand, PutBucketNotificationConfigurationCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateScheduleGroupCommand, type SchedulerClient } from '@aws-sdk/client-scheduler';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBRecord } from 'aws-lambda';
import { createScheduleCalls } from '../functions/common/jobs/scheduler';
import { documentClient } from '../functions/common/jobs/store';
import { createLedgerStore } from '../functions/common/runs/store';
import { createClaims } from '../functions/jobs-dispatcher/claims';
import { loadConfig as loadDispatcherConfig } from '../functions/jobs-dispatcher/config';
import { createDispatcher, type Targets } from '../functions/jobs-dispatcher/dispatcher';
import { loadTemplate, type Template } from './cfn-yaml';
import { ROOT } from './paths';
import { functionEnvironment, resolver } from './template-env';

export const jobsTemplate = (): Template => loadTemplate(join(ROOT, 'template-jobs.yaml'));

export type JobsClients = {
  ddb: DynamoDBClient;
  streams: DynamoDBStreamsClient;
  scheduler: SchedulerClient;
  s3: S3Client;
  sqs: SQSClient;
};

type TableProperties = {
  KeySchema: KeySchemaElement[];
  AttributeDefinitions: AttributeDefinition[];
  GlobalSecondaryIndexes?: GlobalSecondaryIndex[];
  StreamSpecification?: StreamSpecification;
  TimeToLiveSpecification?: { AttributeName: string; Enabled: boolean };
};

/** Creates the jobs table as template-jobs.yaml declares JobsTable; returns its stream's ARN. */
export async function createJobsTable(ddb: DynamoDBClient, tableName: string): Promise<string> {
  const props = jobsTemplate().Resources.JobsTable.Properties as unknown as TableProperties;
  const r = await ddb.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: props.KeySchema,
      AttributeDefinitions: props.AttributeDefinitions,
      GlobalSecondaryIndexes: props.GlobalSecondaryIndexes,
      StreamSpecification: props.StreamSpecification
        ? { StreamEnabled: true, StreamViewType: props.StreamSpecification.StreamViewType }
        : undefined,
    }),
  );
  if (props.TimeToLiveSpecification) {
    await ddb.send(
      new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: props.TimeToLiveSpecification }),
    );
  }
  const arn = r.TableDescription?.LatestStreamArn;
  if (!arn) throw new Error(`the emulator gave table ${tableName} no stream`);
  return arn;
}

async function queue(sqs: SQSClient, name: string): Promise<{ url: string; arn: string }> {
  const url = (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl!;
  const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] })))
    .Attributes!.QueueArn!;
  return { url, arn };
}

type Pattern = Record<string, unknown>;

/**
 * Whether a stream record matches one Lambda event filter pattern. Only what template-jobs.yaml uses is
 * understood (nested objects, lists of exact values, {"exists": true|false}); anything else throws, so a new
 * operator in the template cannot pass unnoticed.
 */
export function matchesFilter(pattern: Pattern, value: unknown): boolean {
  for (const [key, want] of Object.entries(pattern)) {
    const have = value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
    if (Array.isArray(want)) {
      const ok = want.some((w) => {
        if (w && typeof w === 'object') {
          const ops = Object.keys(w);
          if (ops.length !== 1 || ops[0] !== 'exists')
            throw new Error(`filter operator ${JSON.stringify(w)} is not understood here`);
          return (w as { exists: boolean }).exists === (have !== undefined);
        }
        return have === w;
      });
      if (!ok) return false;
    } else if (want && typeof want === 'object') {
      if (!matchesFilter(want as Pattern, have)) return false;
    } else throw new Error(`filter value ${JSON.stringify(want)} under ${key} must be a list or an object`);
  }
  return true;
}

/** The FilterCriteria patterns of one function's DynamoDB event in the template. */
export function streamFilters(logicalId: string): Pattern[] {
  const fn = jobsTemplate().Resources[logicalId].Properties as {
    Events: Record<string, { Type: string; Properties: { FilterCriteria?: { Filters: { Pattern: string }[] } } }>;
  };
  const event = Object.values(fn.Events).find((e) => e.Type === 'DynamoDB');
  if (!event) throw new Error(`${logicalId} has no DynamoDB event`);
  return (event.Properties.FilterCriteria?.Filters ?? []).map((f) => JSON.parse(f.Pattern) as Pattern);
}

export type StreamReader = {
  /** Every record written since the last read, in order (what an event source mapping would hand on). */
  read(): Promise<DynamoDBRecord[]>;
  /** The records of the last reads that `logicalId`'s FilterCriteria let through. */
  filter(records: DynamoDBRecord[], logicalId: string): DynamoDBRecord[];
};

export function streamReader(streams: DynamoDBStreamsClient, streamArn: string): StreamReader {
  // The last sequence number handed on, per shard: each read starts after it (a fresh iterator every time).
  const last = new Map<string, string>();
  return {
    async read() {
      const d = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
      const out: DynamoDBRecord[] = [];
      for (const shard of d.StreamDescription?.Shards ?? []) {
        const id = shard.ShardId!;
        const after = last.get(id);
        let it = (
          await streams.send(
            new GetShardIteratorCommand({
              StreamArn: streamArn,
              ShardId: id,
              ...(after
                ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after }
                : { ShardIteratorType: 'TRIM_HORIZON' }),
            }),
          )
        ).ShardIterator;
        while (it) {
          const r = await streams.send(new GetRecordsCommand({ ShardIterator: it, Limit: 1000 }));
          const records = (r.Records ?? []) as unknown as DynamoDBRecord[];
          for (const rec of records) {
            out.push({ ...rec, eventSource: 'aws:dynamodb', eventSourceARN: streamArn });
            if (rec.dynamodb?.SequenceNumber) last.set(id, rec.dynamodb.SequenceNumber);
          }
          if (records.length === 0) break;
          it = r.NextShardIterator;
        }
      }
      return out;
    },
    filter(records, logicalId) {
      const patterns = streamFilters(logicalId);
      if (patterns.length === 0) return records;
      return records.filter((r) => patterns.some((p) => matchesFilter(p, r)));
    },
  };
}

export type LocalJobs = {
  tableName: string;
  streamArn: string;
  groupName: string;
  bucket: string;
  prefix: string;
  filesQueueUrl: string;
  filesDeadLetterQueueUrl: string;
  dispatchDeadLetterQueueUrl: string;
  dispatchDeadLetterQueueArn: string;
  reconcilerDeadLetterQueueUrl: string;
  /** The dispatcher's ARN as the schedules name it (moto runs no function: tests hand fires to the dispatcher). */
  dispatcherArn: string;
  schedulerRoleArn: string;
  allowedTargetArns: string[];
  stream: StreamReader;
  /** The environment template-jobs.yaml gives a function (FilesFunction, ReconcilerFunction, ...). */
  env(logicalId: string, extra?: Record<string, string>): Record<string, string>;
};

export async function deployJobsLocally(
  clients: JobsClients,
  options: { prefix: string; allowedTargetArns: string[]; jobsPrefix?: string; region?: string; accountId?: string },
): Promise<LocalJobs> {
  const template = jobsTemplate();
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '123456789012';
  const tableName = `${options.prefix}-jobs`;
  const streamArn = await createJobsTable(clients.ddb, tableName);
  const groupName = `${options.prefix}-jobs`;
  await clients.scheduler.send(new CreateScheduleGroupCommand({ Name: groupName }));
  const files = await queue(clients.sqs, `${options.prefix}-jobs-files`);
  const dispatchDlq = await queue(clients.sqs, `${options.prefix}-jobs-dispatch-dlq`);
  const filesDlq = await queue(clients.sqs, `${options.prefix}-jobs-files-dlq`);
  const reconcilerDlq = await queue(clients.sqs, `${options.prefix}-jobs-reconciler-dlq`);
  const bucket = `${options.prefix}-jobs-files`.toLowerCase();
  await clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const jobsPrefix = options.jobsPrefix ?? String(template.Parameters!.JobsPrefix.Default);
  const parameters = {
    AllowedTargetArns: options.allowedTargetArns.join(','),
    ScheduleGroupName: groupName,
    JobsPrefix: jobsPrefix,
    JobsBucketName: bucket,
  };
  const dispatcherArn = `arn:aws:lambda:${region}:${accountId}:function:${options.prefix}-jobs-dispatcher`;
  const schedulerRoleArn = `arn:aws:iam::${accountId}:role/${options.prefix}-jobs-scheduler`;
  const ctx = {
    region,
    accountId,
    parameters,
    resources: {
      JobsTable: tableName,
      JobsBucket: bucket,
      DispatchDeadLetterQueue: dispatchDlq.url,
      FilesQueue: files.url,
      FilesDeadLetterQueue: filesDlq.url,
      ReconcilerDeadLetterQueue: reconcilerDlq.url,
    },
    attributes: {
      'DispatcherFunction.Arn': dispatcherArn,
      'SchedulerRole.Arn': schedulerRoleArn,
      'DispatchDeadLetterQueue.Arn': dispatchDlq.arn,
      'FilesQueue.Arn': files.arn,
      'JobsSetup.Name': groupName,
      'JobsTable.Arn': `arn:aws:dynamodb:${region}:${accountId}:table/${tableName}`,
    },
  };
  // The bucket's notifications exactly as JobsBucket declares them (prefix and suffix), on the files queue.
  const { value } = resolver(template, ctx);
  const declared = value(
    (template.Resources.JobsBucket.Properties as { NotificationConfiguration: unknown }).NotificationConfiguration,
  ) as {
    QueueConfigurations: {
      Event: string;
      Queue: string;
      Filter: { S3Key: { Rules: { Name: string; Value: string }[] } };
    }[];
  };
  await clients.s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: bucket,
      NotificationConfiguration: {
        QueueConfigurations: declared.QueueConfigurations.map((q) => ({
          Events: [q.Event as never],
          QueueArn: q.Queue,
          Filter: {
            Key: {
              FilterRules: q.Filter.S3Key.Rules.filter((r) => r.Value !== '').map((r) => ({
                Name: r.Name as never,
                Value: r.Value,
              })),
            },
          },
        })),
      },
    }),
  );
  return {
    tableName,
    streamArn,
    groupName,
    bucket,
    prefix: jobsPrefix,
    filesQueueUrl: files.url,
    filesDeadLetterQueueUrl: filesDlq.url,
    dispatchDeadLetterQueueUrl: dispatchDlq.url,
    dispatchDeadLetterQueueArn: dispatchDlq.arn,
    reconcilerDeadLetterQueueUrl: reconcilerDlq.url,
    dispatcherArn,
    schedulerRoleArn,
    allowedTargetArns: options.allowedTargetArns,
    stream: streamReader(clients.streams, streamArn),
    env(logicalId, extra = {}) {
      return { ...functionEnvironment(template, logicalId, ctx), ...extra };
    },
  };
}

export type DispatcherTargets = Partial<Targets>;

/**
 * The dispatcher of functions/jobs-dispatcher in this process, configured from the environment template-jobs.yaml
 * gives DispatcherFunction, on the emulator's DynamoDB, Scheduler, SNS and SQS. moto runs no Lambda function, so a
 * Lambda target is whatever `targets` says (a test's stand-in); an SNS target is a real publish unless replaced.
 */
export function localDispatcher(
  clients: { ddb: DynamoDBClient; scheduler: SchedulerClient; sns: SNSClient; sqs: SQSClient },
  jobs: LocalJobs,
  options: { clock: { now(): Date }; targets?: DispatcherTargets; env?: Record<string, string>; timeoutMs?: number },
) {
  const config = loadDispatcherConfig(jobs.env('DispatcherFunction', options.env ?? {}));
  const missing = (what: string) => () => {
    throw new Error(`no stand-in for ${what}: moto runs no Lambda function`);
  };
  const targets: Targets = {
    invokeAsync: options.targets?.invokeAsync ?? missing('an asynchronous invoke'),
    invokeSync: options.targets?.invokeSync ?? missing('a synchronous invoke'),
    publish:
      options.targets?.publish ??
      (async (arn, message, subject, attributes) => {
        const out = await clients.sns.send(
          new PublishCommand({ TopicArn: arn, Message: message, Subject: subject, MessageAttributes: attributes }),
        );
        return { messageId: out.MessageId ?? '' };
      }),
  };
  const logs: { level: string; message: string; extra?: Record<string, unknown> }[] = [];
  const dispatch = createDispatcher({
    claims: createClaims(documentClient(clients.ddb), config.tableName),
    targets,
    schedules: createScheduleCalls(clients.scheduler, config.groupName),
    ...(config.runsTableName
      ? {
          ledger: {
            putRun: createLedgerStore(clients.ddb, config.runsTableName).putRun,
            retentionDays: config.runsRetentionDays,
          },
        }
      : {}),
    allowed: config.allowed,
    settings: { leaseMs: 16 * 60_000, runRetentionDays: config.runRetentionDays },
    deadLetter: {
      async send(body) {
        await clients.sqs.send(new SendMessageCommand({ QueueUrl: config.deadLetterQueueUrl, MessageBody: body }));
      },
    },
    now: () => options.clock.now(),
    log: {
      info: (message, extra) => logs.push({ level: 'info', message, extra }),
      warn: (message, extra) => logs.push({ level: 'warn', message, extra }),
      error: (message, extra) => logs.push({ level: 'error', message, extra }),
    },
  });
  const timeoutMs = options.timeoutMs ?? 900_000;
  return {
    config,
    logs,
    dispatch: (event: unknown) => dispatch(event, { getRemainingTimeInMillis: () => timeoutMs }),
  };
}
