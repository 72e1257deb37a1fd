/**
 * Local pieces of the demo: the endpoints the example job checks, the SNS envelope SQS carries and the event SNS
 * hands a Lambda subscriber, and the example job built as its Dockerfile builds it.
 */

import { mkdirSync, renameSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SNSEvent } from 'aws-lambda';
import { build } from 'esbuild';
import { DIST, ROOT } from '../paths';

/** Endpoints for the demo health check: one up, one slow, one down. */
export async function startTargets(): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (req.url === '/slow') {
      setTimeout(() => res.writeHead(200).end('slow but fine'), 400);
    } else if (req.url === '/down') {
      res.writeHead(503, { 'Content-Type': 'text/plain' }).end('maintenance');
    } else {
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}

/** The default payload: the local endpoints above. */
export function demoPayload(base: string): Record<string, unknown> {
  return {
    job: 'storefront-health',
    timeoutMs: 2000,
    slowMs: 250,
    report: 'always',
    endpoints: [
      { name: 'home', url: `${base}/` },
      { name: 'search', url: `${base}/slow`, critical: false },
      { name: 'checkout', url: `${base}/down` },
    ],
  };
}

/** What SNS puts on an SQS queue subscribed without raw delivery. */
export type SqsEnvelope = {
  Type: string;
  MessageId: string;
  TopicArn: string;
  Subject?: string;
  Message: string;
  Timestamp: string;
  MessageAttributes?: Record<string, { Type: string; Value: string }>;
};

/** What SNS hands a Lambda subscriber, from the envelope SNS put on an SQS queue. */
export function snsEvent(envelope: SqsEnvelope, subscriptionArn: string): SNSEvent {
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: subscriptionArn,
        Sns: {
          Type: envelope.Type,
          MessageId: envelope.MessageId,
          TopicArn: envelope.TopicArn,
          Subject: envelope.Subject ?? (null as unknown as string),
          Message: envelope.Message,
          Timestamp: envelope.Timestamp,
          SignatureVersion: '1',
          Signature: 'local',
          SigningCertUrl: 'https://sns.us-east-1.amazonaws.com/local.pem',
          UnsubscribeUrl: 'https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe',
          MessageAttributes: envelope.MessageAttributes ?? {},
        },
      },
    ],
  };
}

/** Every message on a queue: received until two receives in a row come back empty, then deleted. */
export async function drain(sqs: SQSClient, queueUrl: string): Promise<SqsEnvelope[]> {
  const out: SqsEnvelope[] = [];
  for (let empty = 0; empty < 2; ) {
    const r = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    const msgs = r.Messages ?? [];
    if (msgs.length === 0) {
      empty += 1;
      continue;
    }
    for (const m of msgs) out.push(JSON.parse(m.Body ?? '{}') as SqsEnvelope);
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: msgs.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
      }),
    );
  }
  return out;
}

export const EXAMPLE_JOB_BUNDLE = 'example-job';

/**
 * Builds examples/job into dist/example-job/index.js with the esbuild options of its own `npm run build`
 * (examples/job/package.json, what its Dockerfile runs), so the job runs as its image would.
 */
export async function buildExampleJob(): Promise<string> {
  const outfile = join(DIST, EXAMPLE_JOB_BUNDLE, 'index.js');
  // Written beside its target and renamed into place, as tooling/build.ts does: runs at the same time never see a
  // half-written bundle.
  const tmp = `${outfile}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  mkdirSync(dirname(outfile), { recursive: true });
  await build({
    entryPoints: [join(ROOT, 'examples', 'job', 'src', 'index.ts')],
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'cjs',
    minify: true,
    outfile: tmp,
    logLevel: 'warning',
  });
  renameSync(tmp, outfile);
  return outfile;
}
