/**
 * The job's work, with its dependencies passed in (index.ts wires them once per container): check the endpoints,
 * build the report and the alert, publish them to the configured topics.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { checkAll } from './checks';
import type { JobConfig, Topic } from './config';
import type { JobMessage, JobResult, MessageType } from './contract';
import { PublishError } from './errors';
import { resolveEvent } from './event';
import { attributesOf, buildMessage, snsAttributes, subjectOf } from './messages';

/** Stop checking this long before Lambda's deadline, to leave time to publish. */
export const PUBLISH_MARGIN_MS = 3000;

export type JobDependencies = { config: JobConfig; sns: SNSClient; logger: Logger };
export type JobHandler = (event: unknown, context: Context) => Promise<JobResult>;

export function createHandler({ config, sns, logger }: JobDependencies): JobHandler {
  async function publish(topic: Topic, message: JobMessage, requestId: string): Promise<string> {
    const output = await sns.send(
      new PublishCommand({
        TopicArn: topic.arn,
        Subject: subjectOf(message),
        Message: JSON.stringify(message),
        MessageAttributes: snsAttributes(attributesOf(message)),
        // FIFO topics: one ordered group per job; a retried run (same request id) is deduplicated for 5 minutes.
        ...(topic.fifo
          ? {
              MessageGroupId: message.job.replace(/[^\w.-]/g, '-'),
              MessageDeduplicationId: `${requestId}-${message.type}`,
            }
          : {}),
      }),
    );
    return output.MessageId ?? '';
  }

  return async function handler(event: unknown, context: Context): Promise<JobResult> {
    const request = resolveEvent(event);
    const job = request.job ?? config.defaultJobName;
    const runAt = new Date().toISOString();
    const deadline =
      typeof context?.getRemainingTimeInMillis === 'function'
        ? Date.now() + context.getRemainingTimeInMillis() - PUBLISH_MARGIN_MS
        : undefined;
    logger.appendKeys({ job });

    const results = await checkAll(request.endpoints, request.concurrency, {
      remainingMs: deadline === undefined ? undefined : () => deadline - Date.now(),
    });
    const report = buildMessage('report', job, runAt, results);
    const problem = report.severity !== 'info';

    const outgoing: { type: MessageType; topic: Topic; message: JobMessage }[] = [];
    if (problem) {
      if (config.topics.alert)
        outgoing.push({
          type: 'alert',
          topic: config.topics.alert,
          message: buildMessage('alert', job, runAt, results),
        });
      else logger.warn('endpoints are down or slow but ALERTS is not set: no alert published');
    }
    if (request.report === 'always' || (request.report === 'on-problem' && problem)) {
      if (config.topics.report) outgoing.push({ type: 'report', topic: config.topics.report, message: report });
      else logger.info('REPORTS is not set: no report published');
    }

    const requestId = context?.awsRequestId ?? runAt;
    const settled = await Promise.allSettled(outgoing.map((o) => publish(o.topic, o.message, requestId)));
    const published: JobResult['published'] = [];
    const failures: string[] = [];
    settled.forEach((s, i) => {
      const { type, topic } = outgoing[i];
      if (s.status === 'fulfilled')
        published.push({ type, variable: topic.variable, topicArn: topic.arn, messageId: s.value });
      else
        failures.push(`the ${type} to ${topic.variable} (${topic.arn}): ${(s.reason as Error)?.message ?? s.reason}`);
    });

    const result: JobResult = { job, runAt, counts: report.counts, severity: report.severity, results, published };
    logger.info('run finished', {
      counts: report.counts,
      severity: report.severity,
      notUp: results
        .filter((r) => r.status !== 'up')
        .map((r) => ({ name: r.name, status: r.status, reason: r.reason })),
      published: published.map((p) => ({ type: p.type, topic: p.variable, messageId: p.messageId })),
    });
    if (failures.length > 0) {
      const causes = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason] : []));
      throw new PublishError(`could not publish ${failures.join('; ')}`, {
        cause: causes.length === 1 ? causes[0] : new AggregateError(causes),
      });
    }
    return result;
  };
}
