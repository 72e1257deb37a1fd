/**
 * `cloud-cron dashboard [--port N] [--open]`: a web page on this machine showing every job (stack jobs wired to the
 * Runs app, registry jobs of the Jobs app) with its next and last runs, missed runs and run history, with run now,
 * pause, resume and a form for registry jobs. It talks to AWS with your own credentials and region (or the emulator
 * at AWS_ENDPOINT_URL): nothing is deployed, there is no login, so it listens on 127.0.0.1 only unless told.
 */
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { awsActions, DEFAULT_JOBS_STACK, openSources } from './dashboard/aws';
import type { Sources } from './dashboard/data';
import { type Actions, startDashboardServer } from './dashboard/server';
import { CliError, DEFAULT_RUNS_STACK } from './ledger';

export const DEFAULT_PORT = 8327;

const USAGE = `usage: cloud-cron dashboard [--port N] [--open] [--host ADDR [--allow-remote]] [--runs-stack NAME | --runs-table NAME] [--jobs-stack NAME | --jobs-table NAME]
  --port N           the port to listen on (default ${DEFAULT_PORT}; 0 picks a free one)
  --open             open the page in your browser
  --host ADDR        the address to listen on (default 127.0.0.1); an address other than loopback needs --allow-remote
  --allow-remote     listen on a non-loopback --host although the page acts with your AWS credentials and has no login
  --runs-stack NAME  the Runs app's stack (default ${DEFAULT_RUNS_STACK}); --runs-table NAME gives its ledger instead
  --jobs-stack NAME  the Jobs app's stack (default ${DEFAULT_JOBS_STACK}); --jobs-table NAME gives its table instead
Credentials, region and AWS_ENDPOINT_URL come from the environment, as for the AWS CLI. Ctrl-C stops the server.`;

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|localhost)$/;

/** Why the dashboard will not listen on `host`, or undefined when it may. */
export function hostRefusal(host: string, allowRemote: boolean): string | undefined {
  if (LOOPBACK.test(host) || allowRemote) return undefined;
  return `refusing to listen on ${host}: the dashboard acts with your AWS credentials and has no login, so anyone who can reach ${host} could run, pause and change your jobs. Use the default 127.0.0.1 (an SSH tunnel reaches it from elsewhere), or pass --allow-remote if you really mean it`;
}

export function parsePort(text: string | undefined): number {
  if (text === undefined) return DEFAULT_PORT;
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65_535)
    throw new CliError(`--port "${text}" must be a port number, 0 to 65535 (0: any free port)`, 2);
  return Number(text);
}

function openBrowser(url: string): void {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '', url]]
        : ['xdg-open', [url]];
  const child = spawn(command, args as string[], { stdio: 'ignore', detached: true });
  child.on('error', () => console.error(`cloud-cron dashboard: could not open a browser (${command}); open ${url}`));
  child.unref();
}

export type DashboardDeps = {
  sources?: Sources;
  actions?: Actions;
  /** Resolves when the server should stop (default: SIGINT or SIGTERM). */
  until?: (stop: () => Promise<void>) => void;
  onListening?: (url: string) => void;
};

export async function run(argv: string[], deps: DashboardDeps = {}): Promise<number> {
  try {
    let values: ReturnType<typeof parse>['values'];
    try {
      ({ values } = parse(argv));
    } catch (e) {
      throw new CliError(`${(e as Error).message}\n${USAGE}`, 2);
    }
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    const port = parsePort(values.port);
    const host = values.host ?? '127.0.0.1';
    const refusal = hostRefusal(host, Boolean(values['allow-remote']));
    if (refusal) throw new CliError(refusal, 2);
    if (values['runs-stack'] && values['runs-table'])
      throw new CliError('give --runs-stack or --runs-table, not both', 2);
    if (values['jobs-stack'] && values['jobs-table'])
      throw new CliError('give --jobs-stack or --jobs-table, not both', 2);
    const sources = deps.sources ?? (await openSources(values));
    for (const [what, s] of [
      ['Runs app', sources.runs],
      ['Jobs app', sources.registry],
    ] as const) {
      if ('unavailable' in s) console.error(`cloud-cron dashboard: ${what} not shown: ${s.unavailable}`);
    }
    const server = await startDashboardServer(
      {
        sources,
        actions: deps.actions ?? awsActions(sources),
        log: (line) => console.error(`cloud-cron dashboard: ${line}`),
        anyHost: !LOOPBACK.test(host),
      },
      { host, port },
    ).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE')
        throw new CliError(`port ${port} is in use: pass another --port (0 picks a free one)`);
      if (e.code === 'EADDRNOTAVAIL') throw new CliError(`${host} is not an address of this machine`);
      throw e;
    });
    if (!LOOPBACK.test(host))
      console.error(`cloud-cron dashboard: WARNING: listening on ${host} (--allow-remote): no login protects it`);
    console.log(`Cloud Cron dashboard: ${server.url} (Ctrl-C stops it)`);
    deps.onListening?.(server.url);
    if (values.open) openBrowser(server.url);
    await new Promise<void>((resolve) => {
      const stop = async () => {
        await server.close();
        resolve();
      };
      if (deps.until) deps.until(stop);
      else {
        process.once('SIGINT', () => void stop());
        process.once('SIGTERM', () => void stop());
      }
    });
    return 0;
  } catch (e) {
    if (!(e instanceof CliError)) throw e;
    console.error(`cloud-cron dashboard: ${e.message}`);
    return e.exitCode;
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      open: { type: 'boolean' },
      host: { type: 'string' },
      'allow-remote': { type: 'boolean' },
      'runs-stack': { type: 'string' },
      'runs-table': { type: 'string' },
      'jobs-stack': { type: 'string' },
      'jobs-table': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
}
