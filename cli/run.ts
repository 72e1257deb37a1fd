/**
 * `cloud-cron run <job> [--payload FILE] [--wait] [--timeout SECONDS] [--json]`: runs a wired job now, through the
 * same asynchronous path as its schedule (Lambda InvocationType Event: its retries, both destinations, the ledger
 * and the failure topic behave as for a scheduled run; no public URL is involved).
 *
 * The event is the schedule's own Input (read from EventBridge Scheduler) unless --payload gives another; with
 * ScheduleContext on, the job context is filled in as the Scheduler would, with trigger "manual" (a manual run never
 * stands in for a missed slot). --wait polls the ledger until the run is recorded and prints it; the exit code is
 * then 0 for a run that succeeded, 1 otherwise.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import {
  CONTEXT_KEY,
  type JobContext,
  scheduleInput,
  substituteSchedulerContext,
} from '../functions/common/runs/job-context';
import { graceMs, type Registration } from '../functions/common/runs/ledger';
import type { LedgerStore } from '../functions/common/runs/store';
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
  name: 'cloud-cron run',
  summary:
    "Runs a job wired to the Runs app now, through the same asynchronous path as its schedule (its retries, both\ndestinations, the ledger and the failure topic behave as for a scheduled run), with the schedule's payload.",
  positionals: [
    {
      name: '<job>',
      description: "a job wired to the Runs app: its function name or ARN, or its stack's name",
      missing: 'give one job name',
    },
  ],
  tooMany: () => 'give one job name',
  flags: {
    payload: { value: 'FILE', description: "a JSON file to send instead of the schedule's payload" },
    wait: { description: 'wait until the run is recorded, print it, exit 0 if it succeeded and 1 if not' },
    timeout: {
      value: 'SECONDS',
      description: 'how long --wait waits (default: every attempt at its timeout, plus 2 minutes)',
    },
    ...LEDGER_FLAGS,
  },
  notes: LEDGER_NOTES,
  examples: ['cloud-cron run cloud-cron-example-job --wait', 'cloud-cron run my-job-stack --payload event.json'],
});

export type RunDeps = { lambda?: LambdaClient; scheduler?: SchedulerClient; now?: () => Date; pollMs?: number };

const SCHEDULE_ARN = /^arn:[a-z-]+:scheduler:[a-z0-9-]+:\d{12}:schedule\/([^/]+)\/([^/]+)$/;

function readPayload(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read --payload ${file}: ${(e as Error).message}`);
  }
  try {
    return JSON.stringify(JSON.parse(text));
  } catch (e) {
    throw new CliError(
      `--payload ${file} is not JSON (${(e as Error).message}): the job's event must be a JSON document`,
    );
  }
}

async function scheduleInputOf(registration: Registration, scheduler: SchedulerClient): Promise<string> {
  const m = SCHEDULE_ARN.exec(registration.scheduleArn);
  if (!m) throw new CliError(`the registration of ${registration.job} has no schedule ARN: pass --payload`);
  try {
    const s = await scheduler.send(new GetScheduleCommand({ GroupName: m[1], Name: m[2] }));
    return s.Target?.Input ?? '{}';
  } catch (e) {
    throw new CliError(
      `cannot read the schedule of ${registration.job} (${(e as Error).message}): pass --payload FILE`,
    );
  }
}

/** The event a manual run sends: what the schedule would send now, marked as manual. */
export async function manualEvent(
  registration: Registration,
  payloadFile: string | undefined,
  scheduler: SchedulerClient,
  now: Date,
): Promise<string> {
  const payload = payloadFile ? readPayload(payloadFile) : undefined;
  if (!registration.scheduleContext) return payload ?? (await scheduleInputOf(registration, scheduler));
  const template = payload !== undefined ? scheduleInput(payload) : await scheduleInputOf(registration, scheduler);
  const text = substituteSchedulerContext(template, {
    scheduledTime: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    executionId: `manual-${randomUUID()}`,
    attempt: 1,
    scheduleArn: registration.scheduleArn,
  });
  const event = JSON.parse(text) as Record<string, unknown>;
  const context = (event[CONTEXT_KEY] ?? {}) as Partial<JobContext>;
  event[CONTEXT_KEY] = { ...context, trigger: 'manual' };
  return JSON.stringify(event);
}

async function waitFor(
  store: LedgerStore,
  job: string,
  requestId: string,
  timeoutMs: number,
  pollMs: number,
  now: () => Date,
) {
  const deadline = now().getTime() + timeoutMs;
  for (;;) {
    const found = (await store.recentEntries(job, 50)).find((e) => e.kind === 'run' && e.requestId === requestId);
    if (found) return found;
    if (now().getTime() >= deadline) return undefined;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

export function run(argv: string[], io?: Io, deps: RunDeps = {}): Promise<number> {
  return runCommand(
    command,
    argv,
    ({ flags, positionals }, { out, err }) => runJob(flags, positionals[0], out, err, deps),
    io,
  );
}

async function runJob(
  values: {
    payload?: string;
    wait: boolean;
    timeout?: string;
    json: boolean;
    'runs-stack'?: string;
    'runs-table'?: string;
  },
  name: string,
  out: (line: string) => void,
  err: (line: string) => void,
  deps: RunDeps,
): Promise<number> {
  const now = deps.now ?? (() => new Date());
  if (values.timeout !== undefined && !/^\d{1,5}$/.test(values.timeout)) {
    throw new UsageError(`--timeout "${values.timeout}" must be a whole number of seconds`);
  }
  try {
    const store = await openLedger(values);
    const { job, registration } = await findJob(store, name);
    if (!registration) {
      throw new CliError(
        `${name} is not a job wired to the Runs app (see cloud-cron status): wire it with RunsEventBusArn first`,
      );
    }
    if (!registration.scheduleContext) {
      // Without the job context the event carries nothing that marks this run as manual (docs/runs.md, limits).
      console.error(
        `cloud-cron run: note: ${job} has ScheduleContext off, so the Runs app cannot tell this run from a scheduled one: it may stand in for a slot whose own run is missing (turn ScheduleContext on to keep manual runs apart)`,
      );
    }
    const scheduler = deps.scheduler ?? new SchedulerClient({ maxAttempts: 4 });
    const lambda = deps.lambda ?? new LambdaClient({ maxAttempts: 4 });
    const event = await manualEvent(registration, values.payload, scheduler, now());
    let requestId: string;
    try {
      const r = await lambda.send(
        new InvokeCommand({
          FunctionName: registration.functionArn,
          InvocationType: 'Event',
          Payload: Buffer.from(event),
        }),
      );
      requestId = r.$metadata.requestId ?? '';
      if (r.StatusCode !== 202) throw new Error(`Lambda answered ${r.StatusCode}, expected 202 (queued)`);
    } catch (e) {
      throw new CliError(`Lambda did not queue the run of ${job}: ${(e as Error).message}`);
    }
    if (!values.wait) {
      if (values.json) out(JSON.stringify({ version: JSON_VERSION, job, requestId, status: 'queued' }, null, 2));
      else out(`queued ${job}: request ${requestId} (see it with: cloud-cron runs ${job})`);
      return 0;
    }
    const timeoutMs =
      values.timeout !== undefined
        ? Number(values.timeout) * 1000
        : graceMs({ ...registration, flexibleWindowMinutes: 0, missedRunGraceMinutes: 2 });
    if (!values.json)
      out(`queued ${job}: request ${requestId}; waiting for its record (up to ${Math.round(timeoutMs / 1000)} s)`);
    const found = await waitFor(store, job, requestId, timeoutMs, deps.pollMs ?? 2000, now);
    if (!found) {
      throw new CliError(
        `no record of request ${requestId} after ${Math.round(timeoutMs / 1000)} s: it may still be retrying (cloud-cron runs ${job}); check the function's DestinationDeliveryFailures metric if it never appears`,
      );
    }
    if (values.json) out(JSON.stringify({ version: JSON_VERSION, job, requestId, run: runJson(found) }, null, 2));
    else out(runsTable([found]));
    return found.status === 'succeeded' ? 0 : 1;
  } catch (caught) {
    const e = explain(caught, 'cannot read the runs ledger');
    if (!(e instanceof CliError)) throw e;
    err(`cloud-cron run: ${e.message}`);
    return e.exitCode;
  }
}
