/**
 * `cloud-cron runs <job> [--limit N] [--json]`: a job's recent runs and missed slots, newest first, as the Runs
 * ledger holds them.
 */
import { defineCommand, type Io, runCommand, UsageError } from './args';
import {
  CliError,
  explain,
  findJob,
  JSON_VERSION,
  LEDGER_FLAGS,
  LEDGER_NOTES,
  openLedger,
  runJson,
  runsTable,
} from './ledger';

export const command = defineCommand({
  name: 'cloud-cron runs',
  summary: "A job's recent runs and missed slots, newest first, as the Runs app's ledger holds them.",
  positionals: [
    {
      name: '<job>',
      description: "the job's function name or ARN, or the name of its stack",
      missing: 'give one job name',
    },
  ],
  tooMany: () => 'give one job name',
  flags: {
    limit: { value: 'N', description: 'how many runs to show, newest first, 1-1000', default: '20' },
    ...LEDGER_FLAGS,
  },
  notes: LEDGER_NOTES,
  examples: ['cloud-cron runs cloud-cron-example-job', 'cloud-cron runs my-job-stack --limit 5 --json'],
});

export function run(argv: string[], io?: Io): Promise<number> {
  return runCommand(
    command,
    argv,
    async ({ flags, positionals }, { out, err }) => {
      if (!/^\d+$/.test(flags.limit) || Number(flags.limit) < 1 || Number(flags.limit) > 1000) {
        throw new UsageError(`--limit "${flags.limit}" must be a whole number from 1 to 1000`);
      }
      try {
        const store = await openLedger(flags);
        const { job } = await findJob(store, positionals[0]);
        const entries = await store.recentEntries(job, Number(flags.limit));
        if (flags.json) out(JSON.stringify({ version: JSON_VERSION, job, runs: entries.map(runJson) }, null, 2));
        else if (entries.length === 0) out(`no runs recorded for ${job}`);
        else out(runsTable(entries));
        return 0;
      } catch (caught) {
        const e = explain(caught, 'cannot read the runs ledger');
        if (!(e instanceof CliError)) throw e;
        err(`cloud-cron runs: ${e.message}`);
        return e.exitCode;
      }
    },
    io,
  );
}
