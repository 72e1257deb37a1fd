/**
 * Task monitor of a scheduled task (template-scheduled-task.yaml): reports how every run ended, skips overlapping
 * runs (PreventOverlap) and stops runs past TaskTimeoutMinutes. Wiring only; the work is in monitor.ts.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { ECSClient } from '@aws-sdk/client-ecs';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { createIdempotency } from '../common/idempotency';
import { createBus } from '../common/runs/bus';
import { readConfig } from './config';
import { NotifyError } from './errors';
import { createMonitor, type MonitorOutcome } from './monitor';
import { busRecorder, notRecorded } from './runs';

const config = readConfig();
const logger = new Logger({ serviceName: 'cloud-cron-task-monitor' });
const sdk = { requestHandler: { connectionTimeout: 3000, requestTimeout: 10_000 }, maxAttempts: 5 };
const ecs = new ECSClient(sdk);
const sns = new SNSClient(sdk);
// RunsEventBusArn set: every run's end goes to the Runs app's bus.
const recorder = config.runsEventBusArn
  ? busRecorder(createBus(new EventBridgeClient(sdk)), config.runsEventBusArn)
  : notRecorded;
const idempotency = createIdempotency(config.idempotencyTable, 14 * 24 * 3600, { keyPrefix: 'task-monitor' });

const monitor = createMonitor({
  config,
  ecs,
  async publish(topicArn, message, dedupId) {
    const fifo = topicArn.endsWith('.fifo');
    try {
      await sns.send(
        new PublishCommand({
          TopicArn: topicArn,
          ...message,
          ...(fifo ? { MessageGroupId: config.family, MessageDeduplicationId: dedupId.slice(0, 128) } : {}),
        }),
      );
    } catch (e) {
      throw new NotifyError(`cannot publish the failure notice to ${topicArn}: ${(e as Error).message}`, { cause: e });
    }
  },
  once: idempotency.once,
  recorder,
  now: () => new Date(),
  log: {
    info: (message, extra) => logger.info(message, extra ?? {}),
    warn: (message, extra) => logger.warn(message, extra ?? {}),
  },
});

export const handler = async (event: unknown, context: Context): Promise<MonitorOutcome> => {
  logger.addContext(context);
  idempotency.registerContext(context);
  return monitor(event);
};
