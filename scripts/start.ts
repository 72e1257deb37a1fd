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
    "Runs the whole chain locally: the example parent (examples/parent) on moto_server, the CloudCron macro on the\njob template, the example job once with the event its schedule sends, and the email and SMS functions on what\nit published (through SQS queues subscribed with the channels' filter policies). Prints what was sent.",
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
    'keep-running': { description: 'keep the emulators up after the run, to inspect them (Ctrl-C stops)' },
    json: { description: 'print the result as JSON on stdout (progress goes to stderr)' },
  },
  notes: [
    'environment:',
    '  AWS_ENDPOINT_URL     use that AWS emulator instead of starting moto_server',
    '  TWILIO_API_BASE_URL  use that Twilio API instead of the local stand-in',
  ],
  examples: ['npm start', 'npm start -- --payload events/example-job.json --schedule "rate(1 hour)" --tz UTC'],
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
      let result: StartResult;
      try {
        result = await start(
          {
            payload: flags.payload,
            schedule: flags.schedule,
            timezone: flags.tz,
            outDir: flags.out,
            awsEndpoint: process.env.AWS_ENDPOINT_URL || undefined,
            twilioBaseUrl: process.env.TWILIO_API_BASE_URL || undefined,
            keepRunning: flags['keep-running'],
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
        `done in ${seconds.toFixed(1)} s; job result: ${result.job.result.severity}. Summary in ${relative(process.cwd(), `${result.outDir}/summary.txt`)}`,
      );
      if (flags['keep-running']) {
        log(`emulators still running: AWS ${result.aws.endpoint}, Twilio ${result.twilio.url}. Ctrl-C to stop.`);
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
