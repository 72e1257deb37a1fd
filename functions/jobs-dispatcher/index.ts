/**
 * Jobs dispatcher: what every schedule of the Jobs app invokes (and the API and the CLI, for a run now). Wiring
 * only; the work is in dispatcher.ts and claims.ts. See docs/jobs.md.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { createScheduleCalls } from '../common/jobs/scheduler';
import { documentClient } from '../common/jobs/store';
import { arnRegion } from '../common/jobs/targets';
import { createLedgerStore } from '../common/runs/store';
import { createClaims } from './claims';
import { loadConfig } from './config';
import { createDispatcher, type Targets } from './dispatcher';

const config = loadConfig();
const logger = new Logger({ serviceName: 'cloud-cron-jobs-dispatcher' });
const quick = { requestHandler: { connectionTimeout: 3000, requestTimeout: 5000 }, maxAttempts: 3 };
const ddb = new DynamoDBClient(quick);
const sqs = new SQSClient(quick);
const region = process.env.AWS_REGION ?? 'us-east-1';

// One client per region a target lives in. A synchronous invoke (overlap skip) lasts as long as the run: its own
// client has no request timeout (the call is bounded by an abort signal) and never retries (a retry is a second run).
const lambdas = new Map<string, LambdaClient>();
const syncLambdas = new Map<string, LambdaClient>();
const topics = new Map<string, SNSClient>();
const clientFor = <C>(cache: Map<string, C>, arn: string, make: (region: string) => C): C => {
  const r = arnRegion(arn) || region;
  const found = cache.get(r);
  if (found) return found;
  const made = make(r);
  cache.set(r, made);
  return made;
};

const targets: Targets = {
  async invokeAsync(arn, payload) {
    const lambda = clientFor(lambdas, arn, (r) => new LambdaClient({ ...quick, region: r }));
    const out = await lambda.send(
      new InvokeCommand({ FunctionName: arn, InvocationType: 'Event', Payload: Buffer.from(payload) }),
    );
    return { requestId: out.$metadata.requestId ?? '' };
  },
  async invokeSync(arn, payload, timeoutMs) {
    const lambda = clientFor(
      syncLambdas,
      arn,
      (r) => new LambdaClient({ region: r, maxAttempts: 1, requestHandler: { connectionTimeout: 3000 } }),
    );
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), timeoutMs);
    try {
      const out = await lambda.send(
        new InvokeCommand({ FunctionName: arn, InvocationType: 'RequestResponse', Payload: Buffer.from(payload) }),
        {
          abortSignal: abort.signal,
        },
      );
      return {
        requestId: out.$metadata.requestId ?? '',
        ...(out.FunctionError ? { functionError: out.FunctionError } : {}),
        payload: out.Payload ? Buffer.from(out.Payload).toString('utf8') : undefined,
      };
    } catch (e) {
      if (abort.signal.aborted) return { timedOut: true };
      throw e;
    } finally {
      clearTimeout(timer);
    }
  },
  async publish(arn, message, subject, attributes) {
    const sns = clientFor(topics, arn, (r) => new SNSClient({ ...quick, region: r }));
    const out = await sns.send(
      new PublishCommand({ TopicArn: arn, Message: message, Subject: subject, MessageAttributes: attributes }),
    );
    return { messageId: out.MessageId ?? '' };
  },
};

const dispatch = createDispatcher({
  claims: createClaims(documentClient(ddb), config.tableName),
  targets,
  schedules: createScheduleCalls(new SchedulerClient(quick), config.groupName),
  ...(config.runsTableName
    ? {
        ledger: {
          putRun: createLedgerStore(ddb, config.runsTableName).putRun,
          retentionDays: config.runsRetentionDays,
        },
      }
    : {}),
  allowed: config.allowed,
  settings: { leaseMs: 16 * 60_000, runRetentionDays: config.runRetentionDays },
  deadLetter: {
    async send(body) {
      await sqs.send(new SendMessageCommand({ QueueUrl: config.deadLetterQueueUrl, MessageBody: body }));
    },
  },
  now: () => new Date(),
  log: {
    info: (m, e) => logger.info(m, e ?? {}),
    warn: (m, e) => logger.warn(m, e ?? {}),
    error: (m, e) => logger.error(m, e ?? {}),
  },
});

export const handler = async (event: unknown, context: Context) => dispatch(event, context);
