/**
 * What `cloud-cron runs`, `status` and `run` share: finding the Runs app's ledger, naming a job, and the documented,
 * stable shapes of their `--json` output (docs/runs.md, "The CLI").
 *
 * The ledger is found from the Runs app's stack (`--runs-stack`, default cloud-cron-runs: its RunsTableName output)
 * or given as `--runs-table`. A job is its function name or ARN, or the name of the stack that deployed it. The AWS
 * SDK reads credentials, region and AWS_ENDPOINT_URL from the environment, as every AWS tool does.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CloudCronError } from '../functions/common/errors';
import { functionNameOf, type LedgerEntry, type Registration } from '../functions/common/runs/ledger';
import { createLedgerStore, type LedgerStore } from '../functions/common/runs/store';
import type { FlagSpec } from './args';

export const DEFAULT_RUNS_STACK = 'cloud-cron-runs';
/** Version of the --json shapes; a change that is not additive bumps it. */
export const JSON_VERSION = 1;

/** A lookup problem the user can fix; printed without a stack trace, exit 1 (usage mistakes are UsageError, exit 2). */
export class CliError extends CloudCronError {
  override name = 'CliError';
  readonly exitCode = 1;
}

/** The flags of every command that reads the ledger (`runs`, `status`, `run`), in the one CLI convention (./args). */
export const LEDGER_FLAGS = {
  'runs-stack': {
    value: 'NAME',
    description: `the Runs app's stack; its RunsTableName output is the ledger (default: ${DEFAULT_RUNS_STACK})`,
  },
  'runs-table': { value: 'NAME', description: 'the ledger table itself (instead of --runs-stack)' },
  json: { description: 'machine-readable output, in the documented shape (docs/runs.md)' },
} as const satisfies Record<string, FlagSpec>;

export const LEDGER_NOTES = ['Credentials, region and AWS_ENDPOINT_URL come from the environment, as for the AWS CLI.'];

const sdkConfig = { maxAttempts: 4 };

/**
 * A table named by its flag, else read from the output `outputKey` of `stack` (an app of template `template`); every
 * failure says how to deploy it or which flags to pass instead.
 */
export async function stackTable(lookup: {
  table?: string;
  stack: string;
  outputKey: string;
  app: string;
  template: string;
  flags: string;
}): Promise<string> {
  if (lookup.table) return lookup.table;
  const { stack, outputKey, app, template } = lookup;
  let outputs: { OutputKey?: string; OutputValue?: string }[] | undefined;
  try {
    const r = await new CloudFormationClient(sdkConfig).send(new DescribeStacksCommand({ StackName: stack }));
    outputs = r.Stacks?.[0]?.Outputs;
  } catch (e) {
    throw new CliError(
      `cannot read the ${app}'s stack ${stack} (${(e as Error).message}): deploy ${template} as ${stack}, or pass ${lookup.flags}`,
    );
  }
  const table = outputs?.find((o) => o.OutputKey === outputKey)?.OutputValue;
  if (!table) throw new CliError(`stack ${stack} has no ${outputKey} output: is it the ${app} (${template})?`);
  return table;
}

export function ledgerTable(options: { 'runs-stack'?: string; 'runs-table'?: string }): Promise<string> {
  return stackTable({
    table: options['runs-table'],
    stack: options['runs-stack'] ?? DEFAULT_RUNS_STACK,
    outputKey: 'RunsTableName',
    app: 'Runs app',
    template: 'template-runs.yaml',
    flags: '--runs-stack or --runs-table',
  });
}

/**
 * What an AWS error means for the user, as a CliError; other errors are returned unchanged (a bug: shown with its
 * stack by the binary).
 */
export function explain(e: unknown, what: string): unknown {
  const name = (e as { name?: string })?.name ?? '';
  const message = (e as Error)?.message ?? String(e);
  if (name === 'ResourceNotFoundException') {
    return new CliError(`${what}: ${message} (is --runs-table or --runs-stack right, and the region?)`);
  }
  if (/AccessDenied|UnrecognizedClient|InvalidSignature|ExpiredToken|CredentialsProviderError/.test(name)) {
    return new CliError(`${what}: ${message} (check the AWS credentials and their permissions)`);
  }
  return e;
}

export async function openLedger(options: { 'runs-stack'?: string; 'runs-table'?: string }): Promise<LedgerStore> {
  return createLedgerStore(new DynamoDBClient(sdkConfig), await ledgerTable(options));
}

/** A Lambda partial ARN, as Lambda's own FunctionName takes it: `123456789012:function:name[:qualifier]`. */
const PARTIAL_ARN = /^(\d{12}):function:([A-Za-z0-9_-]+)(?::[A-Za-z0-9$_-]+)?$/;

/**
 * The job a user named: a registration's function name or its stack's name; an ARN (full or partial, qualified or
 * not) names its function, and must be the registered function's (same account and region), else it is refused.
 */
export async function findJob(store: LedgerStore, name: string): Promise<{ job: string; registration?: Registration }> {
  const partial = PARTIAL_ARN.exec(name);
  const fn = partial ? partial[2] : functionNameOf(name);
  const direct = await store.getRegistration(fn);
  if (direct) {
    // A task job (its family) has no function: its task definition's ARN says the account and region.
    const owner = direct.functionArn ?? direct.task?.taskDefinitionArn ?? '';
    const [, , , region, account] = owner.split(':');
    const arn = partial || fn === name ? undefined : name.split(':');
    const askedAccount = partial?.[1] ?? arn?.[4];
    const askedRegion = arn?.[3];
    if ((askedAccount && askedAccount !== account) || (askedRegion && askedRegion !== region)) {
      throw new CliError(
        `${name} is not the function this Runs app knows as ${fn} (${owner}): each region and account has its own Runs app`,
      );
    }
    return { job: fn, registration: direct };
  }
  const byStack = (await store.listRegistrations()).filter((r) => r.stackName === name);
  if (byStack.length === 1) return { job: byStack[0].job, registration: byStack[0] };
  if (byStack.length > 1) {
    throw new CliError(
      `stack ${name} has ${byStack.length} wired jobs (${byStack.map((r) => r.job).join(', ')}): name the function`,
    );
  }
  return { job: fn };
}

/** One run or missed slot in --json output (`runs`, `run --wait`, `status`'s lastRun). Fields absent when unknown. */
export type RunJson = {
  status: LedgerEntry['status'];
  scheduledTime?: string;
  endedAt?: string;
  startedAt?: string;
  durationMs?: number;
  attempts?: number;
  trigger?: string;
  requestId?: string;
  errorType?: string;
  errorMessage?: string;
  detectedAt?: string;
  /** Task runs: `ecs`, the task, its container's exit code, ECS's stop code, and why a skipped run was skipped. */
  runner?: 'ecs';
  taskArn?: string;
  exitCode?: number;
  stopCode?: string;
  reason?: string;
};

export function runJson(e: LedgerEntry): RunJson {
  if (e.kind === 'missed') return { status: 'missed', scheduledTime: e.scheduledTime, detectedAt: e.detectedAt };
  const out: RunJson = { status: e.status, endedAt: e.endedAt, attempts: e.attempts, requestId: e.requestId };
  const keys = [
    'scheduledTime',
    'startedAt',
    'durationMs',
    'trigger',
    'errorType',
    'errorMessage',
    'runner',
    'taskArn',
    'exitCode',
    'stopCode',
    'reason',
  ] as const;
  for (const k of keys) {
    if (e[k] !== undefined) (out as Record<string, unknown>)[k] = e[k];
  }
  return out;
}

const short = (iso?: string) => (iso ? iso.replace('T', ' ').replace(/\.\d{3}Z$/, 'Z') : '-');

function duration(ms?: number): string {
  if (ms === undefined) return '-';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** Columns as `cloud-cron runs` prints them. */
export function runsTable(entries: LedgerEntry[]): string {
  const rows = [['WHEN', 'STATUS', 'SCHEDULED', 'ATTEMPTS', 'DURATION', 'REQUEST', 'ERROR']];
  for (const e of entries) {
    if (e.kind === 'missed') {
      rows.push([
        short(e.scheduledTime),
        'missed',
        short(e.scheduledTime),
        '-',
        '-',
        '-',
        `no run within ${e.graceMinutes} min`,
      ]);
      continue;
    }
    const error = [e.errorType, e.errorMessage].filter(Boolean).join(': ') || (e.reason ?? '');
    rows.push([
      short(e.endedAt),
      e.trigger === 'manual' ? `${e.status} (manual)` : e.status,
      short(e.scheduledTime),
      String(e.attempts),
      duration(e.durationMs),
      e.requestId,
      error.length > 60 ? `${error.slice(0, 59)}…` : error || '-',
    ]);
  }
  return table(rows);
}

export function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n');
}
