/**
 * Jobs status writer: the jobs table's stream -> the status object beside each job file. Wiring only; the work is
 * in status.ts. See docs/jobs.md.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { requiredEnv } from '../common/config';
import { createJobsStore } from '../common/jobs/store';
import { createStatusWriter } from './status';

const tableName = requiredEnv('JOBS_TABLE_NAME');
const logger = new Logger({ serviceName: 'cloud-cron-jobs-status' });
const timeouts = { requestHandler: { connectionTimeout: 3000, requestTimeout: 10000 }, maxAttempts: 4 };
const s3 = new S3Client(timeouts);

const onStream = createStatusWriter({
  store: createJobsStore(new DynamoDBClient(timeouts), tableName),
  objects: {
    async put(bucket, key, body) {
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentType: 'application/json',
          CacheControl: 'no-cache',
        }),
      );
    },
    async delete(bucket, key) {
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
  },
  now: () => new Date(),
  log: { info: (m, e) => logger.info(m, e ?? {}), warn: (m, e) => logger.warn(m, e ?? {}) },
});

export const handler = async (event: DynamoDBStreamEvent) => {
  const { batchItemFailures } = await onStream(event);
  return { batchItemFailures };
};
