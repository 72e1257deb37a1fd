/**
 * Lambda's asynchronous invocation, simulated for built bundles (moto cannot run Lambda without Docker): what SNS
 * does to a subscribed function.
 *
 * - `concurrency` long-lived worker processes, each one execution environment: it loads the bundle once (cold
 *   start) and handles one event at a time, with a context whose remaining time counts down from the template's
 *   Timeout.
 * - An invocation that throws is retried `retries` times (Lambda's default: 2), after `retryDelayMs` (Lambda waits
 *   about 1 and 2 minutes; the simulation compresses that). Because Lambda's real delays are far longer than any
 *   invocation, a retry also waits until every invocation that was running, and every retry that was waiting, when
 *   the attempt failed has answered: retries run in the order their attempts failed, so a duplicate that found its
 *   twin in progress is retried after the twin (and the twin's own retry) is done, on a fast machine or a loaded one. Then the event goes to the dead-letter queue as
 *   Lambda puts it there: an SQS message whose body is the event, with the RequestID, ErrorCode and ErrorMessage
 *   attributes.
 * - Events beyond the free workers wait in Lambda's internal queue (as with reserved concurrency).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { DIST } from './paths';

const WORKER = `
const mod = require(process.argv[1]);
process.on('message', async ({ id, event, deadline, requestId }) => {
  const context = {
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME || 'cloud-cron-sim',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:cloud-cron-sim',
    memoryLimitInMB: '256',
    awsRequestId: requestId,
    logGroupName: '/aws/lambda/cloud-cron-sim',
    logStreamName: 'sim',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  try {
    const result = await mod.handler(event, context);
    process.send({ id, ok: true, result });
  } catch (e) {
    process.send({ id, ok: false, error: { name: e && e.name, message: e && e.message } });
  }
});
process.send({ ready: true });
`;

export type AsyncOutcome = {
  event: unknown;
  attempts: number;
  /** The last error, when every attempt failed (the event went to the DLQ). */
  error?: { name: string; message: string };
  result?: unknown;
};

export type AsyncLambda = {
  /** Queues one asynchronous invocation (as SNS does). */
  invoke(event: unknown): void;
  /** Waits until every queued event succeeded or went to the dead-letter queue. */
  drain(): Promise<AsyncOutcome[]>;
  /** The workers' output (log lines), most recent last, at most `keepLogs` characters. */
  logs(): string;
  stop(): Promise<void>;
};

export type AsyncLambdaOptions = {
  /** Bundle name under dist/. */
  bundle: string;
  env: Record<string, string | undefined>;
  concurrency: number;
  timeoutMs: number;
  retries?: number;
  retryDelayMs?: number;
  /** Where failed events go (the function's DeadLetterQueue). */
  deadLetter?: { sqs: SQSClient; queueUrl: string };
  keepLogs?: number;
};

type Job = {
  event: unknown;
  attempts: number;
  outcome: AsyncOutcome;
  /** Set while a retry waits: settles the job's entry in `retrying` when that retry's attempt answers. */
  retried?: () => void;
};

export async function startAsyncLambda(options: AsyncLambdaOptions): Promise<AsyncLambda> {
  const file = join(DIST, options.bundle, 'index.js');
  if (!existsSync(file)) throw new Error(`${file} is missing: run npm run build`);
  const retries = options.retries ?? 2;
  const keep = options.keepLogs ?? 200_000;
  let logs = '';
  const append = (d: Buffer) => {
    logs = (logs + d.toString()).slice(-keep);
  };
  const workers: { child: ChildProcess; busy: boolean }[] = [];
  const queue: Job[] = [];
  const outcomes: AsyncOutcome[] = [];
  let pending = 0;
  let delayed = 0;
  let wake: (() => void) | undefined;
  let failure: Error | undefined;
  /** The invocations running now, each settled when its worker answers. */
  const running = new Set<Promise<void>>();
  /** The retries waiting now, each settled when its attempt answers. */
  const retrying = new Set<Promise<void>>();

  // One exit hook for all workers: they never outlive the process that started them.
  const killAll = () => {
    for (const w of workers) w.child.kill('SIGKILL');
  };
  process.once('exit', killAll);
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      const child = spawn(process.execPath, ['-e', WORKER, file], {
        env: {
          PATH: process.env.PATH,
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          ...options.env,
        } as NodeJS.ProcessEnv,
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      });
      child.stdout?.on('data', append);
      child.stderr?.on('data', append);
      child.once('exit', (code, signal) => {
        if (code !== 0 && signal !== 'SIGTERM' && signal !== 'SIGKILL') {
          failure ??= new Error(`a worker of ${options.bundle} exited (${code ?? signal}):\n${logs.slice(-4000)}`);
          wake?.();
        }
      });
      await new Promise<void>((resolve, reject) => {
        child.once('message', () => resolve());
        child.once('exit', () =>
          reject(new Error(`worker of ${options.bundle} failed to start:\n${logs.slice(-4000)}`)),
        );
      });
      workers.push({ child, busy: false });
    }),
  );

  async function deadLetter(job: Job, error: { name: string; message: string }, requestId: string) {
    if (!options.deadLetter) return;
    await options.deadLetter.sqs.send(
      new SendMessageCommand({
        QueueUrl: options.deadLetter.queueUrl,
        MessageBody: JSON.stringify(job.event),
        MessageAttributes: {
          RequestID: { DataType: 'String', StringValue: requestId },
          ErrorCode: { DataType: 'Number', StringValue: '200' },
          ErrorMessage: { DataType: 'String', StringValue: `${error.name}: ${error.message}`.slice(0, 1000) },
        },
      }),
    );
  }

  function finish(job: Job) {
    outcomes.push(job.outcome);
    pending -= 1;
    wake?.();
  }

  function dispatch() {
    for (const worker of workers) {
      if (worker.busy) continue;
      const job = queue.shift();
      if (!job) return;
      worker.busy = true;
      job.attempts += 1;
      const id = randomUUID();
      const requestId = randomUUID();
      let settle: () => void = () => undefined;
      const done = new Promise<void>((resolve) => {
        settle = resolve;
      });
      running.add(done);
      const onMessage = (m: {
        id?: string;
        ok: boolean;
        result?: unknown;
        error?: { name: string; message: string };
      }) => {
        if (m.id !== id) return;
        worker.child.removeListener('message', onMessage);
        worker.busy = false;
        running.delete(done);
        settle();
        job.retried?.();
        job.outcome.attempts = job.attempts;
        if (m.ok) {
          job.outcome.result = m.result;
          delete job.outcome.error;
          finish(job);
        } else if (job.attempts <= retries) {
          job.outcome.error = m.error;
          delayed += 1;
          // Retries run in the order their attempts failed, after what was running then: as on Lambda, where the
          // waits (1 and 2 minutes) dwarf any invocation, so twins that failed together are not retried together.
          const before = [...running, ...retrying];
          let mine: Promise<void> = Promise.resolve();
          mine = new Promise<void>((resolve) => {
            job.retried = () => {
              job.retried = undefined;
              retrying.delete(mine);
              resolve();
            };
          });
          retrying.add(mine);
          void Promise.all(before).then(() =>
            setTimeout(() => {
              delayed -= 1;
              queue.push(job);
              dispatch();
            }, options.retryDelayMs ?? 0),
          );
        } else {
          job.outcome.error = m.error;
          deadLetter(job, m.error ?? { name: 'Error', message: 'unknown' }, requestId).then(
            () => finish(job),
            (e: Error) => {
              failure ??= e;
              finish(job);
            },
          );
        }
        dispatch();
      };
      worker.child.on('message', onMessage);
      worker.child.send({ id, event: job.event, requestId, deadline: Date.now() + options.timeoutMs });
    }
  }

  return {
    invoke(event) {
      pending += 1;
      queue.push({ event, attempts: 0, outcome: { event, attempts: 0 } });
      dispatch();
    },
    async drain() {
      while (pending > 0 || delayed > 0) {
        if (failure) throw failure;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
      if (failure) throw failure;
      const done = outcomes.splice(0);
      return done;
    },
    logs: () => logs,
    async stop() {
      process.removeListener('exit', killAll);
      await Promise.all(
        workers.map(
          (w) =>
            new Promise<void>((resolve) => {
              if (w.child.exitCode !== null || w.child.signalCode !== null) return resolve();
              w.child.once('exit', () => resolve());
              w.child.kill('SIGTERM');
            }),
        ),
      );
    },
  };
}
