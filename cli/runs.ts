/**
 * `cloud-cron runs <job> [--limit N] [--json]`: a job's recent runs and missed slots, newest first, as the Runs
 * ledger holds them.
 */
import { parseArgs } from 'node:util';
import {
  CliError,
  explain,
  findJob,
  JSON_VERSION,
  LEDGER_OPTIONS,
  LEDGER_USAGE,
  openLedger,
  runJson,
  runsTable,
} from './ledger';

const USAGE = `usage: cloud-cron runs <job> [--limit N] [--json] [--runs-stack NAME | --runs-table NAME]
  <job>     the job's function name or ARN, or the name of its stack
  --limit   how many runs to show, newest first (1-1000, default 20)
${LEDGER_USAGE}`;

export async function run(argv: string[]): Promise<number> {
  try {
    let parsed: ReturnType<typeof parse>;
    try {
      parsed = parse(argv);
    } catch (e) {
      throw new CliError(`${(e as Error).message}\n${USAGE}`, 2);
    }
    const { values, positionals } = parsed;
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    if (positionals.length !== 1) throw new CliError(`give one job name\n${USAGE}`, 2);
    const limitText = values.limit ?? '20';
    if (!/^\d+$/.test(limitText) || Number(limitText) < 1 || Number(limitText) > 1000) {
      throw new CliError(`--limit "${limitText}" must be a whole number from 1 to 1000`, 2);
    }
    const store = await openLedger(values);
    const { job } = await findJob(store, positionals[0]);
    const entries = await store.recentEntries(job, Number(limitText));
    if (values.json) {
      console.log(JSON.stringify({ version: JSON_VERSION, job, runs: entries.map(runJson) }, null, 2));
    } else if (entries.length === 0) {
      console.log(`no runs recorded for ${job}`);
    } else {
      console.log(runsTable(entries));
    }
    return 0;
  } catch (caught) {
    const e = explain(caught, 'cannot read the runs ledger');
    if (!(e instanceof CliError)) throw e;
    console.error(`cloud-cron runs: ${e.message}`);
    return e.exitCode;
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    options: { ...LEDGER_OPTIONS, limit: { type: 'string' } },
    strict: true,
    allowPositionals: true,
  });
}
