/**
 * Runs recorder: Lambda destination records from the Runs bus -> one runs-ledger item each. Wiring only; the work
 * is in recorder.ts. See docs/runs.md.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createBus } from '../common/runs/bus';
import { createLedgerStore } from '../common/runs/store';
import { loadConfig } from './config';
import { createRecorder } from './recorder';

const config = loadConfig();
const logger = new Logger({ serviceName: 'cloud-cron-runs-recorder' });
const timeouts = { requestHandler: { connectionTimeout: 3000, requestTimeout: 5000 }, maxAttempts: 4 };
const sqs = new SQSClient(timeouts);

const record = createRecorder({
  store: createLedgerStore(new DynamoDBClient(timeouts), config.tableName),
  bus: createBus(new EventBridgeClient(timeouts)),
  busName: config.busName,
  deadLetter: {
    async send(body) {
      await sqs.send(new SendMessageCommand({ QueueUrl: config.deadLetterQueueUrl, MessageBody: body }));
    },
  },
  settings: config,
  now: () => new Date(),
  log: { info: (m, e) => logger.info(m, e ?? {}), warn: (m, e) => logger.warn(m, e ?? {}) },
});

export const handler = async (event: unknown) => record(event);
