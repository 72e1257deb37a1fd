/**
 * `cloud-cron status [--json]`: every job wired to the Runs app: schedule and zone, next run, last run and its
 * status, and the runs it missed in the last 7 days.
 */
import { nextFireTime } from '../functions/common/runs/expected';
import type { Registration } from '../functions/common/runs/ledger';
import type { LedgerStore } from '../functions/common/runs/store';
import { formatInZone } from '../functions/common/schedule';
import { defineCommand, type Io, runCommand } from './args';
import {
  CliError,
  explain,
  JSON_VERSION,
  LEDGER_FLAGS,
  LEDGER_NOTES,
  openLedger,
  type RunJson,
  runJson,
  table,
} from './ledger';

export const command = defineCommand({
  name: 'cloud-cron status',
  summary:
    'Every job wired to the Runs app: its schedule and zone, next run, last run and its status, and the runs it\nmissed in the last 7 days.',
  flags: { ...LEDGER_FLAGS },
  notes: LEDGER_NOTES,
  examples: ['cloud-cron status', 'cloud-cron status --runs-stack my-runs --json'],
});

const MISSED_WINDOW_MS = 7 * 86_400_000;

/** One job in `status --json`. */
export type JobStatusJson = {
  job: string;
  stackName: string;
  functionArn: string;
  schedule: {
    expression: string;
    timezone: string;
    state: 'ENABLED' | 'DISABLED';
    startDate?: string;
    endDate?: string;
    flexibleWindowMinutes: number;
  };
  scheduleContext: boolean;
  nextRun: string | null;
  lastRun: RunJson | null;
  missed: { last7Days: number; latest: string | null };
};

export async function jobStatus(store: LedgerStore, r: Registration, now: number): Promise<JobStatusJson> {
  const [recent, missed] = await Promise.all([
    store.recentEntries(r.job, 25),
    store.missedSince(r.job, new Date(now - MISSED_WINDOW_MS).toISOString()),
  ]);
  // A job that has missed many slots in a row: its last run is further back than the newest entries.
  const last =
    recent.find((e) => e.kind === 'run') ??
    (recent.length < 25 ? undefined : (await store.recentEntries(r.job, 1000)).find((e) => e.kind === 'run'));
  const next = nextFireTime(r, now);
  const schedule: JobStatusJson['schedule'] = {
    expression: r.expression,
    timezone: r.timezone,
    state: r.state,
    flexibleWindowMinutes: r.flexibleWindowMinutes,
  };
  if (r.startDate) schedule.startDate = r.startDate;
  if (r.endDate) schedule.endDate = r.endDate;
  return {
    job: r.job,
    stackName: r.stackName,
    functionArn: r.functionArn,
    schedule,
    scheduleContext: r.scheduleContext,
    nextRun: next === undefined ? null : new Date(next).toISOString(),
    lastRun: last ? runJson(last) : null,
    missed: { last7Days: missed.length, latest: missed.length ? missed[missed.length - 1].scheduledTime : null },
  };
}

const local = (iso: string | null | undefined, tz: string) =>
  iso ? formatInZone(new Date(iso), tz).slice(0, 16).replace('T', ' ') : '-';

/** `now` is for tests: the instant "next run" and "last 7 days" are counted from. */
export function run(argv: string[], io?: Io, now: () => Date = () => new Date()): Promise<number> {
  return runCommand(
    command,
    argv,
    async ({ flags }, { out, err }) => {
      try {
        const store = await openLedger(flags);
        const registrations = await store.listRegistrations();
        const t = now().getTime();
        const jobs = await Promise.all(registrations.map((r) => jobStatus(store, r, t)));
        if (flags.json) {
          out(JSON.stringify({ version: JSON_VERSION, now: new Date(t).toISOString(), jobs }, null, 2));
          return 0;
        }
        if (jobs.length === 0) {
          out('no jobs are wired to the Runs app yet (deploy a job with RunsEventBusArn)');
          return 0;
        }
        const rows = [['JOB', 'SCHEDULE', 'ZONE', 'NEXT RUN', 'LAST RUN', 'STATUS', 'MISSED (7 DAYS)']];
        for (const j of jobs) {
          const tz = j.schedule.timezone;
          rows.push([
            j.job,
            j.schedule.state === 'DISABLED' ? `${j.schedule.expression} (disabled)` : j.schedule.expression,
            tz,
            local(j.nextRun, tz),
            local(j.lastRun?.endedAt, tz),
            j.lastRun?.status ?? '-',
            j.missed.last7Days ? `${j.missed.last7Days} (latest ${local(j.missed.latest, tz)})` : '0',
          ]);
        }
        out(table(rows));
        return 0;
      } catch (caught) {
        const e = explain(caught, 'cannot read the runs ledger');
        if (!(e instanceof CliError)) throw e;
        err(`cloud-cron status: ${e.message}`);
        return e.exitCode;
      }
    },
    io,
  );
}
