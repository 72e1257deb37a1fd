/**
 * What the `cloud-cron jobs` commands that talk to AWS share: finding the Jobs app's table, reading the app's
 * configuration (its AllowedTargetArns and dispatcher, written by the app's setup), and turning AWS errors into
 * messages that say what to fix.
 *
 * The table is found from the Jobs app's stack (`--jobs-stack`, default cloud-cron-jobs: its JobsTableName output)
 * or given as `--jobs-table`. The CLI writes the table through the same store as the HTTP API and the job files
 * (functions/common/jobs/store.ts), as source `cli`; the reconciler turns those writes into schedules. Credentials,
 * region and AWS_ENDPOINT_URL come from the environment, as for every AWS tool.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createJobsStore, JobConflictError, type JobsStore } from '../functions/common/jobs/store';
import type { ConfigItem } from '../functions/common/jobs/table';
import type { FlagSpec } from './args';
import { CliError, stackTable } from './ledger';

export { CliError };

export const DEFAULT_JOBS_STACK = 'cloud-cron-jobs';
/** Version of the `cloud-cron jobs ... --json` shapes (docs/jobs.md); a change that is not additive bumps it. */
export const JOBS_JSON_VERSION = 1;

export const JOBS_FLAGS = {
  'jobs-stack': {
    value: 'NAME',
    description: `the Jobs app's stack; its JobsTableName output is the jobs table (default ${DEFAULT_JOBS_STACK})`,
  },
  'jobs-table': { value: 'NAME', description: 'the jobs table itself (instead of --jobs-stack)' },
  json: { description: 'machine-readable output (docs/jobs.md, "The CLI")' },
} as const satisfies Record<string, FlagSpec>;

export const JOBS_NOTES = [
  'Credentials, region and AWS_ENDPOINT_URL come from the environment, as for the AWS CLI.',
] as const;

export type JobsTarget = { 'jobs-stack'?: string; 'jobs-table'?: string };

const sdkConfig = { maxAttempts: 4 };

export function jobsTableName(options: JobsTarget): Promise<string> {
  return stackTable({
    table: options['jobs-table'],
    stack: options['jobs-stack'] ?? DEFAULT_JOBS_STACK,
    outputKey: 'JobsTableName',
    app: 'Jobs app',
    template: 'template-jobs.yaml',
    flags: '--jobs-stack or --jobs-table',
  });
}

export async function openJobs(options: JobsTarget, client?: DynamoDBClient): Promise<JobsStore> {
  return createJobsStore(client ?? new DynamoDBClient(sdkConfig), await jobsTableName(options));
}

/** The app's configuration record; refused with what to do when the app's setup never wrote it. */
export async function appConfig(store: JobsStore): Promise<ConfigItem> {
  const config = await store.getConfig();
  if (!config) {
    throw new CliError(
      `the jobs table ${store.table} has no configuration record (CONFIG): it is written by the Jobs app's setup when the stack is created; is this the Jobs app's table, and did its stack finish creating?`,
    );
  }
  return config;
}

/**
 * What an error means for the user, as a CliError; other errors are returned unchanged (a bug: shown with its
 * stack by the binary).
 */
export function explainJobs(e: unknown, what: string): unknown {
  if (e instanceof CliError) return e;
  if (e instanceof JobConflictError) return new CliError(e.message);
  const name = (e as { name?: string })?.name ?? '';
  const message = (e as Error)?.message ?? String(e);
  if (name === 'ResourceNotFoundException') {
    return new CliError(`${what}: ${message} (is --jobs-table or --jobs-stack right, and the region?)`);
  }
  if (/AccessDenied|UnrecognizedClient|InvalidSignature|ExpiredToken|CredentialsProviderError/.test(name)) {
    return new CliError(`${what}: ${message} (check the AWS credentials and their permissions)`);
  }
  return e;
}

/** Runs `work`, printing a CliError (or what explainJobs makes of an AWS error) as `<command>: message`. */
export async function reporting(
  command: string,
  what: string,
  err: (text: string) => void,
  work: () => Promise<number>,
): Promise<number> {
  try {
    return await work();
  } catch (caught) {
    const e = explainJobs(caught, what);
    if (!(e instanceof CliError)) throw e;
    err(`${command}: ${e.message}`);
    return e.exitCode;
  }
}
