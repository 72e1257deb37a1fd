/**
 * The job's work, with its dependencies passed in (index.ts wires them once per container): read the event (the
 * payload, and the job context when the schedule sends one), check the endpoints, build the report and the alert,
 * publish them with @cloud-cron/job to the configured topics.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { idempotencyKey, type JobContext, readEvent } from '@cloud-cron/job';
import type { Context } from 'aws-lambda';
import { checkAll } from './checks';
import type { JobConfig, Topic } from './config';
import type { JobMessage, JobResult, MessageType } from './contract';
import { PublishError } from './errors';
import { resolveEvent } from './event';
import { buildMessage, publishOptionsOf } from './messages';

/** Stop checking this long before Lambda's deadline, to leave time to publish. */
export const PUBLISH_MARGIN_MS = 3000;

export type JobDependencies = { config: JobConfig; logger: Logger };
export type JobHandler = (event: unknown, context: Context) => Promise<JobResult>;

export function createHandler({ config, logger }: JobDependencies): JobHandler {
  /**
   * FIFO topics deduplicate on the id for 5 minutes: a retried run (same slot, or same request id without a job
   * context) publishes the same id, so the retry's duplicate is dropped.
   */
  function publish(topic: Topic, message: JobMessage, runKey: string) {
    return topic.publish(message, {
      ...publishOptionsOf(message),
      ...(topic.fifo ? { deduplicationId: `${runKey}-${message.type}`.replace(/[^\w.#:-]/g, '-').slice(0, 128) } : {}),
    });
  }

  return async function handler(event: unknown, context: Context): Promise<JobResult> {
    const { payload, context: schedule } = readEvent(event);
    const request = resolveEvent(payload);
    const job = request.job ?? config.defaultJobName;
    const runAt = new Date().toISOString();
    const scheduledTime = schedule?.scheduledTime ?? null;
    const deadline =
      typeof context?.getRemainingTimeInMillis === 'function'
        ? Date.now() + context.getRemainingTimeInMillis() - PUBLISH_MARGIN_MS
        : undefined;
    logger.appendKeys({ job, ...(scheduledTime ? { scheduledTime } : {}) });

    const results = await checkAll(request.endpoints, request.concurrency, {
      remainingMs: deadline === undefined ? undefined : () => deadline - Date.now(),
    });
    const report = buildMessage('report', job, runAt, results, scheduledTime);
    const problem = report.severity !== 'info';

    const outgoing: { type: MessageType; topic: Topic; message: JobMessage }[] = [];
    if (problem) {
      if (config.topics.alert)
        outgoing.push({
          type: 'alert',
          topic: config.topics.alert,
          message: buildMessage('alert', job, runAt, results, scheduledTime),
        });
      else logger.warn('endpoints are down or slow but ALERTS is not set: no alert published');
    }
    if (request.report === 'always' || (request.report === 'on-problem' && problem)) {
      if (config.topics.report) outgoing.push({ type: 'report', topic: config.topics.report, message: report });
      else logger.info('REPORTS is not set: no report published');
    }

    const runKey = runKeyOf(job, schedule, context?.awsRequestId ?? runAt);
    const settled = await Promise.allSettled(outgoing.map((o) => publish(o.topic, o.message, runKey)));
    const published: JobResult['published'] = [];
    const failures: string[] = [];
    const causes: unknown[] = [];
    settled.forEach((s, i) => {
      const { type, topic } = outgoing[i];
      if (s.status === 'fulfilled') {
        published.push({ type, variable: topic.variable, topicArn: topic.arn, messageId: s.value.messageId });
        return;
      }
      // The library's error names the topic; its cause is the SDK's error (or it is a refusal of its own).
      const cause = (s.reason as Error & { cause?: unknown })?.cause ?? s.reason;
      causes.push(cause);
      failures.push(`the ${type} to ${topic.variable} (${topic.arn}): ${(cause as Error)?.message ?? cause}`);
    });

    const result: JobResult = {
      job,
      runAt,
      scheduledTime,
      counts: report.counts,
      severity: report.severity,
      results,
      published,
    };
    logger.info('run finished', {
      counts: report.counts,
      severity: report.severity,
      notUp: results
        .filter((r) => r.status !== 'up')
        .map((r) => ({ name: r.name, status: r.status, reason: r.reason })),
      published: published.map((p) => ({ type: p.type, topic: p.variable, messageId: p.messageId })),
    });
    if (failures.length > 0) {
      throw new PublishError(`could not publish ${failures.join('; ')}`, {
        cause: causes.length === 1 ? causes[0] : new AggregateError(causes),
      });
    }
    return result;
  };
}

/** One key per run: the slot's (same across retries) when the schedule sends the job context, else the request's. */
function runKeyOf(job: string, schedule: JobContext | undefined, requestId: string): string {
  return schedule ? idempotencyKey(job, schedule) : requestId;
}
