/**
 * `npx cloud-cron <command>`: tools for users and template authors.
 *
 *   cloud-cron schedule "<expression>" [--tz Zone] [--count N]
 *   cloud-cron preview email --message <file> [--subject-template ...] [--html-template ...] [--text-template ...]
 *   cloud-cron preview sms --message <file> [--template ...]
 *   cloud-cron preview webhook --preset <preset> --message <file> [--body-template ...]
 *   cloud-cron runs <job> [--limit N] [--json]
 *   cloud-cron status [--json]
 *   cloud-cron run <job> [--payload FILE] [--wait] [--json]
 */
type Command = { run(argv: string[]): Promise<number> };

const USAGE = `usage:
  cloud-cron schedule "<expression>" [--tz Zone] [--count N]
  cloud-cron preview email --message <file> [--subject-template T] [--html-template T] [--text-template T] [--out DIR]
  cloud-cron preview sms --message <file> [--template T]
  cloud-cron preview webhook --preset slack|teams|pagerduty|discord|generic --message <file> [--body-template T]
  cloud-cron runs <job> [--limit N] [--json] [--runs-stack NAME | --runs-table NAME]
  cloud-cron status [--json] [--runs-stack NAME | --runs-table NAME]
  cloud-cron run <job> [--payload FILE] [--wait] [--timeout SECONDS] [--json] [--runs-stack NAME | --runs-table NAME]
  cloud-cron jobs validate <file|dir>... [--allowed-target-arn PATTERN] [--json]
  cloud-cron jobs apply <file|dir>... [--prune] [--dry-run] [--json] [--jobs-stack NAME | --jobs-table NAME]
  cloud-cron jobs list|get|rm|pause|resume|run ... [--json] [--jobs-stack NAME | --jobs-table NAME]`;

function load(argv: string[]): { command: Command; rest: string[] } | undefined {
  const [first, second, ...rest] = argv;
  if (first === 'schedule') return { command: require('./schedule') as Command, rest: argv.slice(1) };
  if (first === 'preview' && second === 'email') return { command: require('./preview-email') as Command, rest };
  if (first === 'preview' && second === 'sms') return { command: require('./preview-sms') as Command, rest };
  if (first === 'preview' && second === 'webhook') return { command: require('./preview-webhook') as Command, rest };
  if (first === 'runs') return { command: require('./runs') as Command, rest: argv.slice(1) };
  if (first === 'status') return { command: require('./status') as Command, rest: argv.slice(1) };
  if (first === 'jobs') {
    const jobs: Record<string, () => Command> = {
      validate: () => require('./jobs-validate') as Command,
      apply: () => require('./jobs-apply') as Command,
      list: () => require('./jobs-admin').list as Command,
      get: () => require('./jobs-admin').get as Command,
      rm: () => require('./jobs-admin').rm as Command,
      pause: () => require('./jobs-admin').pause as Command,
      resume: () => require('./jobs-admin').resume as Command,
      run: () => require('./jobs-admin').runNow as Command,
    };
    const found = second === undefined ? undefined : jobs[second];
    return found ? { command: found(), rest } : undefined;
  }
  if (first === 'run') return { command: require('./run') as Command, rest: argv.slice(1) };
  return undefined;
}

export async function main(argv: string[]): Promise<number> {
  const found = load(argv);
  if (!found) {
    const help = argv.length === 0 || argv[0] === '--help' || argv[0] === '-h';
    if (help) console.log(USAGE);
    else console.error(`cloud-cron: unknown command "${argv.join(' ')}"\n${USAGE}`);
    return help ? 0 : 2;
  }
  return found.command.run(found.rest);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: Error) => {
      console.error(`cloud-cron: ${e.message}`);
      process.exit(1);
    },
  );
}
