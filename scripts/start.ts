/**
 * `npm start [-- options]`: the whole Cloud Cron chain on this machine, with no AWS account. The work is the library
 * tooling/demo (`start(options) -> result`); this file reads the flags, prints the progress and the result.
 */
import { relative } from 'node:path';
import { defineCommand, exitWith, type Io, runCommand, UsageError } from '../cli/args';
import { DEFAULTS, StartOptionsError, type StartResult, StepError, start } from '../tooling/demo';

// Lambda runs Node 24; the AWS SDK's notice about this machine's Node 20 is noise in the demo's output. Set before
// any SDK client exists; the library itself never writes process.env.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export const command = defineCommand({
  name: 'npm start --',
  summary:
    "Runs the whole chain locally: the example parent (examples/parent) on moto_server, the CloudCron macro on the\njob template, the Runs app, the example job as its schedule runs it (once now, or over a window of simulated\ntime), and the email, SMS and webhook functions on what it published (through SQS queues subscribed with the\nchannels' filter policies) and on the run alerts. Prints what was sent and the job's runs.",
  flags: {
    payload: {
      value: 'FILE',
      description: 'the event the schedule sends the job (JSON; default: a health check of local endpoints)',
    },
    schedule: {
      value: 'EXPR',
      description: "the job's ScheduleExpression, checked as the macro checks it",
      default: DEFAULTS.schedule,
    },
    tz: { value: 'ZONE', description: "the job's ScheduleTimezone (IANA)", default: DEFAULTS.timezone },
    out: {
      value: 'DIR',
      description: "where the emails, texts.txt, summary.txt and result.json go (an earlier run's are removed)",
      default: 'out/demo',
    },
    from: {
      value: 'ISO',
      description:
        'with --until: run the job over a window of simulated time, not once now (every slot fires; at most 31 days)',
    },
    until: { value: 'ISO', description: 'the end of the window (with --from)' },
    'fail-run': {
      value: 'N',
      description: 'with a window: the Nth run fails on every attempt (a failed run, alerted)',
    },
    'skip-run': {
      value: 'N',
      description: 'with a window: the scheduler never delivers the Nth run (a missed run, alerted)',
    },
    'watchdog-minutes': {
      value: 'N',
      description: "with a window: how often the watchdog runs (default: the Runs app's WatchdogRateMinutes default)",
    },
    task: {
      description:
        "run the job as a scheduled task on ECS Fargate would (template-scheduled-task.yaml): topics and payload from\nthe container's environment, its exit code the run's end; then a hung run stopped at TaskTimeoutMinutes and\nreported as timed out through the operators' email and SMS (once, now; not with a window)",
    },
    dashboard: {
      description:
        'run the job over the last few days (one failed run, one missed run), add a local Jobs registry, serve the\ndashboard on it and keep running; prints its URL (Ctrl-C stops)',
    },
    jobs: {
      value: 'DIR',
      description:
        'apply this folder of job files (examples/jobs) to the Jobs app instead of running the example job; with --from/--until, fire them',
    },
    'keep-running': { description: 'keep the emulators up after the run, to inspect them (Ctrl-C stops)' },
    json: { description: 'print the result as JSON on stdout (progress goes to stderr)' },
  },
  notes: [
    'environment:',
    '  AWS_ENDPOINT_URL     use that AWS emulator instead of starting moto_server',
    '  TWILIO_API_BASE_URL  use that Twilio API instead of the local stand-in',
  ],
  examples: [
    'npm start',
    'npm start -- --payload events/example-job.json --schedule "rate(1 hour)" --tz UTC',
    'npm start -- --from 2030-01-06T00:00:00Z --until 2030-01-09T12:00:00Z --skip-run 2 --fail-run 3',
    'npm start -- --task',
    'npm start -- --dashboard',
    'npm start -- --jobs examples/jobs --from 2030-01-06T00:00:00Z --until 2030-01-10T00:00:00Z',
  ],
});

function progress(log: (line: string) => void) {
  return {
    started: (i: number, total: number, title: string) => log(`[${i}/${total}] ${title} ...`),
    finished: (_i: number, _total: number, r: { ok: boolean; seconds: number; detail: string[] }) => {
      log(`      ${r.ok ? 'ok' : 'FAILED'} (${r.seconds.toFixed(1)} s)`);
      for (const line of r.detail) log(`      ${line}`);
    },
  };
}

async function main(argv: string[], io: Io): Promise<number> {
  return runCommand(
    command,
    argv,
    async ({ flags }, { out, err }) => {
      const log = flags.json ? err : out;
      const abort = new AbortController();
      const interrupted = () => {
        err('\ninterrupted: stopping what npm start started');
        abort.abort();
      };
      process.once('SIGINT', interrupted);
      if ((flags.from === undefined) !== (flags.until === undefined))
        throw new UsageError('give --from and --until together');
      const count = (flag: string, text: string | undefined) => {
        if (text === undefined) return undefined;
        if (!/^[1-9]\d{0,5}$/.test(text)) throw new UsageError(`--${flag} "${text}" must be a whole number, 1 or more`);
        return Number(text);
      };
      let result: StartResult;
      try {
        result = await start(
          {
            window: flags.from && flags.until ? { from: flags.from, until: flags.until } : undefined,
            failRun: count('fail-run', flags['fail-run']),
            skipRun: count('skip-run', flags['skip-run']),
            watchdogMinutes: count('watchdog-minutes', flags['watchdog-minutes']),
            payload: flags.payload,
            jobs: flags.jobs,
            schedule: flags.schedule,
            timezone: flags.tz,
            outDir: flags.out,
            awsEndpoint: process.env.AWS_ENDPOINT_URL || undefined,
            twilioBaseUrl: process.env.TWILIO_API_BASE_URL || undefined,
            keepRunning: flags['keep-running'],
            task: flags.task,
            dashboard: flags.dashboard,
            signal: abort.signal,
          },
          { reporter: progress(log) },
        );
      } catch (e) {
        if (e instanceof StartOptionsError) throw new UsageError(e.message);
        if (e instanceof StepError) {
          err(`\nnpm start failed: ${e.message}`);
          return abort.signal.aborted ? 130 : 1;
        }
        throw e;
      } finally {
        process.removeListener('SIGINT', interrupted);
      }
      if (flags.json) {
        const { stop: _stop, ...data } = result;
        out(JSON.stringify(data, null, 2));
      } else {
        log(`\n${result.summary.join('\n')}\n`);
      }
      const seconds = result.steps.reduce((n, s) => n + s.seconds, 0);
      log(
        result.jobs
          ? `done in ${seconds.toFixed(1)} s; ${result.jobs.apply.created.length + result.jobs.apply.updated.length + result.jobs.apply.unchanged.length} job(s), ${result.jobs.fires.length} fire(s), ${result.emails.length} email(s). Summary in ${relative(process.cwd(), `${result.outDir}/summary.txt`)}`
          : `done in ${seconds.toFixed(1)} s; ${result.runs.invocations.length} run(s)${result.job.result ? `, last result: ${result.job.result.severity}` : ''}. Summary in ${relative(process.cwd(), `${result.outDir}/summary.txt`)}`,
      );
      if (result.dashboard) {
        log(
          `\nCloud Cron dashboard: ${result.dashboard.url} (emulator at ${result.aws.endpoint}; Ctrl-C stops everything)`,
        );
        await new Promise<void>((resolve) => process.once('SIGINT', resolve));
        await result.stop();
      } else if (flags['keep-running']) {
        log(`emulators still running: AWS ${result.aws.endpoint}, Twilio ${result.twilio.url}. Ctrl-C to stop.`);
        log(
          result.jobs
            ? `  AWS_ENDPOINT_URL=${result.aws.endpoint} npx cloud-cron jobs list --jobs-table ${result.jobs.tableName}`
            : `  AWS_ENDPOINT_URL=${result.aws.endpoint} npx cloud-cron runs ${result.runs.job} --runs-table ${result.runs.tableName}`,
        );
        await new Promise<void>((resolve) => process.once('SIGINT', resolve));
        await result.stop();
      }
      return 0;
    },
    io,
  );
}

if (require.main === module) {
  exitWith(main(process.argv.slice(2), { out: (t) => console.log(t), err: (t) => console.error(t) }), 'npm start');
}
