/**
 * `cloud-cron dashboard [--port N] [--open]`: a web page on this machine showing every job (stack jobs wired to the
 * Runs app, registry jobs of the Jobs app) with its next and last runs, missed runs and run history, with run now,
 * pause, resume and a form for registry jobs. It talks to AWS with your own credentials and region (or the emulator
 * at AWS_ENDPOINT_URL): nothing is deployed, there is no login, so it listens on 127.0.0.1 only unless told.
 */
import { spawn } from 'node:child_process';
import { defineCommand, type Io, runCommand, UsageError } from './args';
import { awsActions, DEFAULT_JOBS_STACK, openSources } from './dashboard/aws';
import type { Sources } from './dashboard/data';
import { type Actions, startDashboardServer } from './dashboard/server';
import { CliError, LEDGER_FLAGS, LEDGER_NOTES } from './ledger';

export const DEFAULT_PORT = 8327;

export const command = defineCommand({
  name: 'cloud-cron dashboard',
  summary:
    'A web page on this machine with every job (stack jobs wired to the Runs app, registry jobs of the Jobs app):\nschedule in words and zone, next runs, last run, missed runs, run history; run now, pause, resume, and a form\nfor registry jobs. It acts with your AWS credentials and has no login: it listens on 127.0.0.1 only unless told.',
  flags: {
    port: { value: 'N', description: 'the port to listen on (0: any free port)', default: String(DEFAULT_PORT) },
    open: { description: 'open the page in your browser' },
    host: {
      value: 'ADDR',
      description: 'the address to listen on; one other than loopback needs --allow-remote',
      default: '127.0.0.1',
    },
    'allow-remote': {
      description: 'listen on a non-loopback --host although the page acts with your AWS credentials, without login',
    },
    'runs-stack': LEDGER_FLAGS['runs-stack'],
    'runs-table': LEDGER_FLAGS['runs-table'],
    'jobs-stack': {
      value: 'NAME',
      description: `the Jobs app's stack; its JobsTableName output is the registry (default: ${DEFAULT_JOBS_STACK})`,
    },
    'jobs-table': { value: 'NAME', description: 'the jobs table itself (instead of --jobs-stack)' },
  },
  notes: [...LEDGER_NOTES, 'Ctrl-C stops the server. An app that cannot be found is left out, and the page says why.'],
  examples: [
    'cloud-cron dashboard --open',
    'cloud-cron dashboard --port 9000 --runs-stack my-runs --jobs-stack my-jobs',
  ],
});

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|localhost)$/;

/** Why the dashboard will not listen on `host`, or undefined when it may. */
export function hostRefusal(host: string, allowRemote: boolean): string | undefined {
  if (LOOPBACK.test(host) || allowRemote) return undefined;
  return `refusing to listen on ${host}: the dashboard acts with your AWS credentials and has no login, so anyone who can reach ${host} could run, pause and change your jobs. Use the default 127.0.0.1 (an SSH tunnel reaches it from elsewhere), or pass --allow-remote if you really mean it`;
}

export function parsePort(text: string | undefined): number {
  if (text === undefined) return DEFAULT_PORT;
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65_535)
    throw new UsageError(`--port "${text}" must be a port number, 0 to 65535 (0: any free port)`);
  return Number(text);
}

function openBrowser(url: string, err: (line: string) => void): void {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '', url]]
        : ['xdg-open', [url]];
  const child = spawn(command, args as string[], { stdio: 'ignore', detached: true });
  child.on('error', () => err(`cloud-cron dashboard: could not open a browser (${command}); open ${url}`));
  child.unref();
}

export type DashboardDeps = {
  sources?: Sources;
  actions?: Actions;
  /** Resolves when the server should stop (default: SIGINT or SIGTERM). */
  until?: (stop: () => Promise<void>) => void;
  onListening?: (url: string) => void;
};

export function run(argv: string[], io?: Io, deps: DashboardDeps = {}): Promise<number> {
  return runCommand(
    command,
    argv,
    async ({ flags }, { out, err }) => {
      const port = parsePort(flags.port);
      const host = flags.host;
      const refusal = hostRefusal(host, flags['allow-remote']);
      if (refusal) throw new UsageError(refusal);
      if (flags['runs-stack'] && flags['runs-table'])
        throw new UsageError('give --runs-stack or --runs-table, not both');
      if (flags['jobs-stack'] && flags['jobs-table'])
        throw new UsageError('give --jobs-stack or --jobs-table, not both');
      try {
        const sources = deps.sources ?? (await openSources(flags));
        for (const [what, s] of [
          ['Runs app', sources.runs],
          ['Jobs app', sources.registry],
        ] as const) {
          if ('unavailable' in s) err(`cloud-cron dashboard: ${what} not shown: ${s.unavailable}`);
        }
        const remote = !LOOPBACK.test(host);
        const server = await startDashboardServer(
          {
            sources,
            actions: deps.actions ?? awsActions(sources),
            log: (line) => err(`cloud-cron dashboard: ${line}`),
            anyHost: remote,
          },
          { host, port },
        ).catch((e: NodeJS.ErrnoException) => {
          if (e.code === 'EADDRINUSE')
            throw new CliError(`port ${port} is in use: pass another --port (0 picks a free one)`);
          if (e.code === 'EADDRNOTAVAIL') throw new CliError(`${host} is not an address of this machine`);
          throw e;
        });
        if (remote) err(`cloud-cron dashboard: WARNING: listening on ${host} (--allow-remote): no login protects it`);
        out(`Cloud Cron dashboard: ${server.url} (Ctrl-C stops it)`);
        deps.onListening?.(server.url);
        if (flags.open) openBrowser(server.url, err);
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
        err(`cloud-cron dashboard: ${e.message}`);
        return e.exitCode;
      }
    },
    io,
  );
}
