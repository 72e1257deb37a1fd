/**
 * `npx cloud-cron <command>`: tools for users and template authors.
 *
 * COMMANDS is the command table: adding a command is one entry here (its module exports `run(argv, io)` built with
 * `runCommand` from ./args, so it follows the convention: --help, --version, exit 2 on a usage error). Modules are
 * loaded only when their command runs.
 */
import { type CommandEntry, type Io, type Program, runProgram } from './args';

export const COMMANDS: readonly CommandEntry[] = [
  {
    path: 'schedule',
    summary: "the macro's verdict on a schedule expression and its next runs",
    load: () => require('./schedule'),
  },
  {
    path: 'preview email',
    summary: 'render an email as the email function would',
    load: () => require('./preview-email'),
  },
  {
    path: 'preview sms',
    summary: 'render an SMS body with its length, encoding and segments',
    load: () => require('./preview-sms'),
  },
  {
    path: 'preview webhook',
    summary: 'print the exact request body the webhook function would send, per preset',
    load: () => require('./preview-webhook'),
  },
  {
    path: 'runs',
    summary: "a job's recent runs and missed slots, from the Runs app's ledger",
    load: () => require('./runs'),
  },
  {
    path: 'status',
    summary: 'every job wired to the Runs app: next run, last run, missed runs',
    load: () => require('./status'),
  },
  {
    path: 'jobs validate',
    summary: 'check job definition files offline, with the validator every front door uses',
    load: () => require('./jobs-validate'),
  },
  {
    path: 'jobs apply',
    summary: "make the Jobs app's table hold a folder of job files (idempotent; --prune, --dry-run)",
    load: () => require('./jobs-apply'),
  },
  {
    path: 'jobs list',
    summary: 'every job of the Jobs app, with next and last run',
    load: () => require('./jobs-admin').list,
  },
  { path: 'jobs get', summary: 'one job: definition, state, runs', load: () => require('./jobs-admin').get },
  { path: 'jobs rm', summary: 'delete jobs (and their schedules)', load: () => require('./jobs-admin').rm },
  { path: 'jobs pause', summary: 'pause a job (its schedule disabled)', load: () => require('./jobs-admin').pause },
  { path: 'jobs resume', summary: 'resume a paused job', load: () => require('./jobs-admin').resume },
  { path: 'jobs run', summary: 'run a job now, through the dispatcher', load: () => require('./jobs-admin').runNow },
  {
    path: 'run',
    summary: 'run a wired job now, through the same path as its schedule',
    load: () => require('./run'),
  },
  {
    path: 'dashboard',
    summary: 'a local web page of every job: next and last runs, missed runs, run now, pause, resume, edit',
    load: () => require('./dashboard'),
  },
];

export const PROGRAM: Program = {
  name: 'cloud-cron',
  summary: 'Cloud Cron: scheduled jobs on AWS serverless. Tools that run on your machine, without an AWS account.',
  commands: COMMANDS,
};

export async function main(argv: string[], io?: Io): Promise<number> {
  return runProgram(PROGRAM, argv, io);
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
