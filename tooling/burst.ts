/**
 * A burst of messages to one channel, the way SNS delivers it: every message invokes the function asynchronously
 * (tooling/lambda-async.ts: `concurrency` execution environments, Lambda's two retries, the dead-letter queue on
 * moto's SQS), some messages are delivered twice (SNS is at-least-once), and the target stand-in throttles as the
 * real service does. The report says, per message id, how many times the target accepted it and whether it ended
 * in the dead-letter queue: nothing may be lost (neither delivered nor kept) or delivered twice.
 */
import { randomUUID } from 'node:crypto';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SNSEvent } from 'aws-lambda';
import { startAsyncLambda } from './lambda-async';

export type BurstOptions = {
  bundle: string;
  env: Record<string, string>;
  sqs: SQSClient;
  messages: number;
  concurrency: number;
  /** Every n-th message is delivered a second time (SNS duplicates); 0 for none. */
  duplicateEvery: number;
  /** Lambda waits about 1 and 2 minutes between its retries; compressed here. */
  retryDelayMs: number;
  timeoutMs: number;
  /** The SNS event of message i; its Sns.MessageId must be `id`. */
  event(id: string, i: number): SNSEvent;
  /** How many times the target accepted each message id, read after the burst. */
  accepted(): Map<string, number>;
};

export type BurstReport = {
  messages: number;
  /** Deliveries SNS made (messages plus duplicates). */
  deliveries: number;
  /** Invocations, retries included. */
  invocations: number;
  deliveredOnce: number;
  duplicates: number;
  /** Messages not delivered and kept in the dead-letter queue. */
  deadLettered: number;
  /**
   * Messages delivered and yet also in the dead-letter queue: a duplicate delivery that kept finding the first one
   * in progress until its retries ran out. Harmless (a redrive finds it done), but it raises the DLQ alarm.
   */
  deliveredAndKept: number;
  lost: number;
  /** DLQ reasons (ErrorMessage, message ids removed), counted. */
  reasons: Record<string, number>;
  seconds: number;
  /** Messages delivered per second. */
  throughput: number;
};

async function readQueue(sqs: SQSClient, queueUrl: string): Promise<{ body: string; error: string }[]> {
  const out: { body: string; error: string }[] = [];
  for (;;) {
    const r = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }),
    );
    const messages = r.Messages ?? [];
    if (messages.length === 0) return out;
    for (const m of messages) {
      out.push({ body: m.Body ?? '', error: m.MessageAttributes?.ErrorMessage?.StringValue ?? '' });
    }
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
      }),
    );
  }
}

export async function runBurst(options: BurstOptions): Promise<BurstReport> {
  const queueUrl = (
    await options.sqs.send(new CreateQueueCommand({ QueueName: `cloud-cron-burst-dlq-${randomUUID().slice(0, 8)}` }))
  ).QueueUrl as string;
  const lambda = await startAsyncLambda({
    bundle: options.bundle,
    env: options.env,
    concurrency: options.concurrency,
    timeoutMs: options.timeoutMs,
    retryDelayMs: options.retryDelayMs,
    deadLetter: { sqs: options.sqs, queueUrl },
  });
  const ids = Array.from({ length: options.messages }, () => randomUUID());
  const started = Date.now();
  let deliveries = 0;
  try {
    ids.forEach((id, i) => {
      const event = options.event(id, i);
      lambda.invoke(event);
      deliveries += 1;
      if (options.duplicateEvery > 0 && i % options.duplicateEvery === 0) {
        lambda.invoke(structuredClone(event));
        deliveries += 1;
      }
    });
    const outcomes = await lambda.drain();
    const seconds = (Date.now() - started) / 1000;
    const accepted = options.accepted();
    const dlq = await readQueue(options.sqs, queueUrl);
    const kept = new Set<string>();
    const reasons: Record<string, number> = {};
    for (const m of dlq) {
      const event = JSON.parse(m.body) as SNSEvent;
      for (const r of event.Records ?? []) kept.add(r.Sns.MessageId);
      const reason = m.error.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '<id>');
      reasons[reason] = (reasons[reason] ?? 0) + 1;
    }
    let deliveredOnce = 0;
    let duplicates = 0;
    let lost = 0;
    let deadLettered = 0;
    let deliveredAndKept = 0;
    for (const id of ids) {
      const n = accepted.get(id) ?? 0;
      if (n === 1) deliveredOnce += 1;
      if (n > 1) duplicates += n - 1;
      if (n === 0 && !kept.has(id)) lost += 1;
      if (n === 0 && kept.has(id)) deadLettered += 1;
      if (n > 0 && kept.has(id)) deliveredAndKept += 1;
    }
    return {
      messages: ids.length,
      deliveries,
      invocations: outcomes.reduce((sum, o) => sum + o.attempts, 0),
      deliveredOnce,
      duplicates,
      deadLettered,
      deliveredAndKept,
      lost,
      reasons,
      seconds,
      throughput: deliveredOnce / seconds,
    };
  } finally {
    await lambda.stop();
  }
}
