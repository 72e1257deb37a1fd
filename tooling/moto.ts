/**
 * Starts `moto_server` on a free loopback port: the AWS emulator every integration test talks to on the wire.
 * It runs through the project's Python (tooling/python.ts), the one the set-up checked.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { motoServerCommand } from './python';

/** moto_server did not start: the message says why and what to run. */
export class MotoStartError extends Error {
  override name = 'MotoStartError';
}

const FIX = 'run `npm run setup`, which installs or names what is missing';

export type Moto = {
  endpoint: string;
  /** Environment for an AWS SDK v3 client or a bundle under test: endpoint, region, dummy credentials. */
  env: Record<string, string>;
  /** Configuration for an AWS SDK v3 client of the calling process (set-up code) talking to this server. */
  client: { endpoint: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string } };
  reset(): Promise<void>;
  stop(): Promise<void>;
};

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitFor(
  url: string,
  child: ChildProcess,
  timeoutMs: number,
  spawnError: () => Error | undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const error = spawnError();
    if (error) throw new MotoStartError(`moto_server could not be started: ${error.message}; ${FIX}`, { cause: error });
    if (child.exitCode !== null) throw new MotoStartError(`moto_server exited with code ${child.exitCode}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new MotoStartError(`moto_server did not answer at ${url} within ${timeoutMs} ms`);
}

/**
 * @param region the region the clients are configured for
 * @param options.python the interpreter that runs it (default: the project's Python)
 */
export async function startMoto(region = 'us-east-1', options: { python?: string } = {}): Promise<Moto> {
  const port = await freePort();
  const [command, args] = motoServerCommand(['-H', '127.0.0.1', '-p', String(port)], options.python);
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  // A missing interpreter is an 'error' event, not an exit: caught here, reported by waitFor.
  let spawnError: Error | undefined;
  child.once('error', (e) => {
    spawnError = e;
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  // Never outlive the process that started it, even when that process ends on an error.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitFor(`${endpoint}/moto-api/`, child, 30000, () => spawnError);
  } catch (e) {
    child.kill('SIGKILL');
    const tail = stderr.trim() ? `\n${stderr.trim()}` : '';
    const hint = /No module named/.test(stderr) ? `\n${FIX}` : '';
    throw new MotoStartError(`${(e as Error).message}${tail}${hint}`, { cause: e });
  }
  return {
    endpoint,
    env: {
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_SESSION_TOKEN: 'testing',
    },
    client: { endpoint, region, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } },
    async reset() {
      await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      });
    },
  };
}
