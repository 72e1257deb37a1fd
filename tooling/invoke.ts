/**
 * Loads a built bundle (`dist/<name>/index.js`) in a fresh child Node process with a given environment,
 * invokes its handler with an event, and returns the result or the error, as Lambda would see it.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const DIST = join(__dirname, '..', 'dist');

export type InvokeResult<T = unknown> =
  | { ok: true; result: T; logs: string }
  | { ok: false; error: { name: string; message: string }; logs: string };

const RUNNER = `
const mod = require(process.argv[1]);
let input = '';
process.stdin.on('data', (d) => (input += d));
process.stdin.on('end', async () => {
  const { events, context } = JSON.parse(input);
  const out = [];
  for (const event of events) {
    // context.remainingTimeMs: the invocation's time budget (Lambda's timeout), counted down from the call.
    const started = Date.now();
    const budget = typeof context.remainingTimeMs === 'number' ? context.remainingTimeMs : 30000;
    const ctx = { functionName: 'test', awsRequestId: 'req-' + out.length, logStreamName: 'stream', ...context, getRemainingTimeInMillis: () => Math.max(0, budget - (Date.now() - started)) };
    try {
      out.push({ ok: true, result: await mod.handler(event, ctx) });
    } catch (e) {
      out.push({ ok: false, error: { name: e && e.name, message: e && e.message } });
    }
  }
  process.stderr.write('\\n@@RESULT@@' + JSON.stringify(out));
});
`;

/**
 * Invokes the handler of dist/<name>/index.js once per event, in one process (warm invocations after the first).
 * `context` is merged into the Lambda context; `remainingTimeMs` sets what getRemainingTimeInMillis counts down from.
 */
export async function invokeBundle<T = unknown>(
  name: string,
  events: unknown[],
  env: Record<string, string | undefined>,
  context: Record<string, unknown> = {},
): Promise<InvokeResult<T>[]> {
  const file = join(DIST, name, 'index.js');
  if (!existsSync(file)) throw new Error(`${file} is missing: run npm run build`);
  const child = spawn(process.execPath, ['-e', RUNNER, file], {
    // The local Node is 20; Lambda runs 24: the SDK's Node 20 notice is noise here.
    env: {
      PATH: process.env.PATH,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...env,
    } as NodeJS.ProcessEnv,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(JSON.stringify({ events, context }));
  const code = await new Promise<number | null>((r) => child.on('close', r));
  const at = stderr.lastIndexOf('\n@@RESULT@@');
  if (at < 0) throw new Error(`bundle ${name} crashed (exit ${code}):\n${stderr}\n${stdout}`);
  const logs = stdout + stderr.slice(0, at);
  const results = JSON.parse(stderr.slice(at + '\n@@RESULT@@'.length)) as Omit<InvokeResult<T>, 'logs'>[];
  return results.map((r) => ({ ...r, logs }) as InvokeResult<T>);
}
