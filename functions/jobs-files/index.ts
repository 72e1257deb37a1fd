/**
 * Jobs file sync: S3 notifications (through SQS) of job files added, changed or deleted -> the jobs table. Wiring
 * only; the work is in files.ts. See docs/jobs.md.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { LIMITS } from '../common/jobs/definition';
import { FILE_REFUSED_DETAIL_TYPE, JOBS_SOURCE } from '../common/jobs/events';
import { createJobsStore } from '../common/jobs/store';
import { loadConfig } from './config';
import { createFileSync } from './files';

const config = loadConfig();
const logger = new Logger({ serviceName: 'cloud-cron-jobs-files' });
const timeouts = { requestHandler: { connectionTimeout: 3000, requestTimeout: 10000 }, maxAttempts: 4 };
const s3 = new S3Client(timeouts);
const events = new EventBridgeClient(timeouts);
const sqs = new SQSClient(timeouts);
const MAX_FILE = LIMITS.definitionMaxBytes + 65_536;

const handle = createFileSync({
  store: createJobsStore(new DynamoDBClient(timeouts), config.tableName),
  async read(bucket, key) {
    try {
      const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      if ((r.ContentLength ?? 0) > MAX_FILE) {
        r.Body?.transformToWebStream().cancel();
        return { tooLarge: r.ContentLength ?? 0 };
      }
      return { text: (await r.Body?.transformToString('utf-8')) ?? '', etag: r.ETag ?? '' };
    } catch (e) {
      if ((e as { name?: string }).name === 'NoSuchKey') return undefined;
      throw e;
    }
  },
  async announce(refusal) {
    const r = await events.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: JOBS_SOURCE,
            DetailType: FILE_REFUSED_DETAIL_TYPE,
            Resources: [`arn:${process.env.AWS_PARTITION ?? 'aws'}:s3:::${refusal.bucket}/${refusal.key}`],
            Detail: JSON.stringify({
              version: '1',
              bucket: refusal.bucket,
              key: refusal.key,
              ...(refusal.jobId ? { job: refusal.jobId } : {}),
              errors: refusal.errors.map(({ path, code, message }) => ({ path, code, message })),
            }),
          },
        ],
      }),
    );
    if (r.FailedEntryCount) logger.warn('EventBridge refused the file-refused event', { entries: r.Entries });
  },
  deadLetter: {
    async send(body) {
      await sqs.send(new SendMessageCommand({ QueueUrl: config.deadLetterQueueUrl, MessageBody: body }));
    },
  },
  bucket: config.bucket,
  prefix: config.prefix,
  allowed: config.allowed,
  now: () => new Date(),
  log: { info: (m, e) => logger.info(m, e ?? {}), warn: (m, e) => logger.warn(m, e ?? {}) },
});

export const handler = async (event: SQSEvent) => {
  const { batchItemFailures } = await handle(event);
  return { batchItemFailures };
};
