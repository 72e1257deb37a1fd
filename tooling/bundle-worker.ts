/**
 * One long-lived child process that runs a built bundle's handler, as one Lambda execution environment does: the
 * bundle is loaded once (its module scope runs once, with the environment given), then invoked once per event over
 * IPC. The caller's own process.env is never read by the bundle nor written for it.
 *
 * `npm start` runs the example job in one (every run of a simulated window, without a process per run).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { InvokeResult } from './invoke';
import { DIST } from './paths';

const WORKER = `
const mod = require(process.argv[1]);
process.on('message', async ({ id, event, context }) => {
  const deadline = Date.now() + (context.remainingMs ?? 60000);
  const ctx = {
    functionName: context.functionName ?? process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'cloud-cron-local',
    functionVersion: '$LATEST',
    invokedFunctionArn: context.invokedFunctionArn ?? 'arn:aws:lambda:us-east-1:123456789012:function:cloud-cron-local',
    memoryLimitInMB: '256',
    awsRequestId: context.awsRequestId ?? 'local-' + id,
    logGroupName: '/aws/lambda/' + (context.functionName ?? 'cloud-cron-local'),
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    callbackWaitsForEmptyEventLoop: true,
  };
  try {
    process.send({ id, ok: true, result: await mod.handler(event, ctx) });
  } catch (e) {
    process.send({ id, ok: false, error: { name: (e && e.name) || 'Error', message: (e && e.message) || String(e) } });
  }
});
process.send({ ready: true });
`;

export type WorkerContext = {
  functionName?: string;
  invokedFunctionArn?: string;
  awsRequestId?: string;
  /** What getRemainingTimeInMillis() starts from (default 60 s). */
  remainingMs?: number;
};

export type BundleWorker = {
  invoke<T = unknown>(event: unknown, context?: WorkerContext): Promise<InvokeResult<T>>;
  /** Everything the bundle wrote to stdout and stderr so far (the last `keepLogs` characters). */
  logs(): string;
  stop(): Promise<void>;
};

type Reply = { id: number; ok: boolean; result?: unknown; error?: { name: string; message: string } };

/**
 * Starts `dist/<bundle>/index.js` (or the file given) in a child with exactly `env` (plus PATH), and resolves once
 * it has loaded. A bundle that throws while loading rejects here, with its output.
 */
export async function startBundleWorker(
  bundle: string,
  env: Record<string, string | undefined>,
  options: { keepLogs?: number } = {},
): Promise<BundleWorker> {
  const file = bundle.endsWith('.js') ? bundle : join(DIST, bundle, 'index.js');
  if (!existsSync(file)) throw new Error(`${file} is missing: run npm run build`);
  const keep = options.keepLogs ?? 100_000;
  let output = '';
  let written = 0;
  const append = (d: Buffer) => {
    const text = d.toString();
    written += text.length;
    output = (output + text).slice(-keep);
  };
  const child: ChildProcess = spawn(process.execPath, ['-e', WORKER, file], {
    env: { PATH: process.env.PATH, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const pending = new Map<number, (reply: Reply) => void>();
  let exited: string | undefined;
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  child.once('exit', (code, signal) => {
    exited = `the ${bundle} worker exited (${code ?? signal})`;
    for (const resolve of pending.values()) {
      resolve({ id: -1, ok: false, error: { name: 'WorkerExited', message: `${exited}:\n${output.slice(-4000)}` } });
    }
    pending.clear();
  });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', () => reject(new Error(`${bundle} failed to load:\n${output.slice(-4000)}`)));
  });
  child.on('message', (m: Reply) => {
    pending.get(m.id)?.(m);
    pending.delete(m.id);
  });
  let next = 0;
  return {
    invoke<T>(event: unknown, context: WorkerContext = {}): Promise<InvokeResult<T>> {
      if (exited) return Promise.reject(new Error(exited));
      const id = next++;
      const before = written;
      return new Promise((resolve) => {
        pending.set(id, (reply) => {
          const logs = output.slice(Math.max(0, output.length - (written - before)));
          resolve(
            reply.ok
              ? { ok: true, result: reply.result as T, logs }
              : { ok: false, error: reply.error ?? { name: 'Error', message: 'unknown' }, logs },
          );
        });
        child.send({ id, event, context });
      });
    },
    logs: () => output,
    async stop() {
      process.removeListener('exit', kill);
      if (exited) return;
      const gone = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      await gone;
    },
  };
}
