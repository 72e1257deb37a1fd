/**
 * `cloud-cron jobs apply <file|dir>... [--prune] [--dry-run]`: makes the Jobs app's table hold the job files'
 * definitions, the way `kubectl apply` does for manifests:
 *
 * - every file is validated first (the one validator, with the app's AllowedTargetArns); one invalid file, two files
 *   with one id, or a job another front door owns (a job file in S3) refuses the whole apply: nothing is written;
 * - the table is read once (every job, each list partition in parallel); a definition equal to the stored one (same
 *   canonical JSON, whatever the key order of the file) is not written, so a second apply of the same files writes
 *   nothing and the reconciler has nothing to do;
 * - new and changed jobs are written through the shared store (conditional on the version read: a job changed
 *   meanwhile is read again, never silently overwritten), several at a time;
 * - --prune deletes the jobs made with `cloud-cron jobs` that no file defines any more (never jobs made with the
 *   HTTP API or by a job file).
 *
 * `applyJobs` is the work without the command line: `npm start -- --jobs` and the benchmark call it.
 */
import { canonicalJson, type JobDefinition } from '../functions/common/jobs/definition';
import { hashOf, type JobsStore, mayWrite, ownerRefusal } from '../functions/common/jobs/store';
import type { JobItem } from '../functions/common/jobs/table';
import { defineCommand, type Io, runCommand } from './args';
import { appConfig, CliError, JOBS_FLAGS, JOBS_JSON_VERSION, JOBS_NOTES, openJobs, reporting } from './jobs-app';
import { checkJobFiles, type FileVerdict, JobFilesError, verdictLines } from './jobs-files';

export type DesiredJob = { job: JobDefinition; file?: string };

export type ApplyOptions = {
  prune?: boolean;
  dryRun?: boolean;
  now?: () => Date;
  /** Writes in flight at once (default 16). */
  concurrency?: number;
  /** Kept on each written job as updatedBy (default "cli"). */
  by?: string;
};

export type ApplyResult = {
  created: string[];
  updated: string[];
  unchanged: string[];
  deleted: string[];
  /** Jobs the apply may not change (owned by a job file): when not empty, nothing was written. */
  refused: { id: string; file?: string; message: string }[];
  /** Write requests sent to DynamoDB (0 for an apply that changed nothing, and for --dry-run). */
  writes: number;
};

async function pool<T>(items: readonly T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(size, items.length) }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Applies validated definitions to the table. Ids must be unique (checkJobFiles refuses duplicates). */
export async function applyJobs(
  store: JobsStore,
  desired: readonly DesiredJob[],
  options: ApplyOptions = {},
): Promise<ApplyResult> {
  const now = options.now ?? (() => new Date());
  const result: ApplyResult = { created: [], updated: [], unchanged: [], deleted: [], refused: [], writes: 0 };
  const seen = new Set<string>();
  for (const d of desired) {
    if (seen.has(d.job.id)) throw new CliError(`job ${d.job.id} is given twice: give each job its own id`);
    seen.add(d.job.id);
  }
  const current = new Map<string, JobItem>((await store.listJobItems()).map((j) => [j.id, j]));
  const writes: { d: DesiredJob; current: JobItem | null }[] = [];
  for (const d of desired) {
    const cur = current.get(d.job.id);
    if (cur && !mayWrite('cli', cur.source)) {
      result.refused.push({
        id: d.job.id,
        ...(d.file ? { file: d.file } : {}),
        message: ownerRefusal(d.job.id, 'cli', cur.source),
      });
    } else if (cur && cur.hash === hashOf(canonicalJson(d.job))) result.unchanged.push(d.job.id);
    else writes.push({ d, current: cur ?? null });
  }
  const prune = options.prune
    ? [...current.values()].filter((j) => j.source === 'cli' && !seen.has(j.id)).map((j) => j.id)
    : [];
  if (result.refused.length) return { ...result, unchanged: [] };
  if (options.dryRun) {
    for (const w of writes) (w.current ? result.updated : result.created).push(w.d.job.id);
    result.deleted.push(...prune);
  } else {
    const concurrency = options.concurrency ?? 16;
    await pool(writes, concurrency, async (w) => {
      const out = await store.putJob(w.d.job, {
        source: 'cli',
        now: now(),
        current: w.current,
        by: options.by ?? 'cli',
      });
      if (out.outcome === 'unchanged') result.unchanged.push(w.d.job.id);
      else {
        result.writes += 1;
        (out.outcome === 'created' ? result.created : result.updated).push(w.d.job.id);
      }
    });
    await pool(prune, concurrency, async (id) => {
      const out = await store.deleteJob(id, { source: 'cli' });
      if (out.deleted) {
        result.writes += 1;
        result.deleted.push(id);
      }
    });
  }
  for (const list of [result.created, result.updated, result.unchanged, result.deleted]) list.sort(byId);
  return result;
}

export const command = defineCommand({
  name: 'cloud-cron jobs apply',
  summary:
    "Make the Jobs app's table hold these job files' definitions: create new jobs, change changed ones, leave equal ones alone.",
  positionals: [
    {
      name: '<file|dir>',
      description: 'a job file, or a folder: every *.json file under it',
      variadic: true,
      missing: 'give a job file or a folder of job files',
    },
  ],
  flags: {
    prune: { description: 'also delete the jobs made with `cloud-cron jobs` that no file defines any more' },
    'dry-run': { description: 'say what would change, write nothing' },
    ...JOBS_FLAGS,
  },
  notes: [
    "Every file is validated first (with the app's AllowedTargetArns): one refused file and nothing is written.",
    'A second apply of the same files writes nothing. Jobs made by job files in S3 cannot be changed from here.',
    ...JOBS_NOTES,
  ],
  examples: ['cloud-cron jobs apply examples/jobs', 'cloud-cron jobs apply jobs/ --prune --dry-run --json'],
});

function printRefusal(verdicts: FileVerdict[], out: (t: string) => void): void {
  for (const v of verdicts.filter((x) => !x.ok)) {
    out(`invalid  ${v.file}`);
    for (const line of verdictLines(v)) out(`  ${line}`);
  }
}

export function run(argv: string[], io?: Io): Promise<number> {
  return runCommand(
    command,
    argv,
    ({ flags, positionals }, { out, err }) =>
      reporting('cloud-cron jobs apply', 'cannot apply the jobs', err, async () => {
        let verdicts: FileVerdict[];
        try {
          // Offline first: a file that is not even JSON fails before any AWS call.
          verdicts = checkJobFiles(positionals, { now: new Date() });
        } catch (e) {
          if (e instanceof JobFilesError) throw new CliError(e.message);
          throw e;
        }
        const store = await openJobs(flags);
        if (verdicts.every((v) => v.ok)) {
          const config = await appConfig(store);
          verdicts = checkJobFiles(positionals, { now: new Date(), allowedTargetArns: config.allowedTargetArns });
        }
        const bad = verdicts.filter((v) => !v.ok);
        if (bad.length) {
          if (flags.json) {
            out(
              JSON.stringify(
                {
                  version: JOBS_JSON_VERSION,
                  ok: false,
                  applied: false,
                  files: bad.map((v) => ({ file: v.file, ...(v.id ? { id: v.id } : {}), errors: v.errors })),
                },
                null,
                2,
              ),
            );
          } else {
            printRefusal(verdicts, out);
            err(`cloud-cron jobs apply: ${bad.length} of ${verdicts.length} job file(s) refused: nothing was written`);
          }
          return 1;
        }
        const desired = verdicts.map((v) => ({ job: v.job as JobDefinition, file: v.file }));
        const fileOf = new Map(desired.map((d) => [d.job.id, d.file]));
        const result = await applyJobs(store, desired, { prune: flags.prune, dryRun: flags['dry-run'] });
        const ok = result.refused.length === 0;
        if (flags.json) {
          out(
            JSON.stringify(
              { version: JOBS_JSON_VERSION, ok, applied: ok && !flags['dry-run'], dryRun: flags['dry-run'], ...result },
              null,
              2,
            ),
          );
          return ok ? 0 : 1;
        }
        for (const v of verdicts) for (const w of v.warnings) out(`${v.file}: warning: ${w.message}`);
        if (!ok) {
          for (const r of result.refused) out(`refused  ${r.id}  ${r.file ?? ''}\n  ${r.message}`);
          err(`cloud-cron jobs apply: ${result.refused.length} job(s) refused: nothing was written`);
          return 1;
        }
        const would = flags['dry-run'] ? 'would be ' : '';
        for (const id of result.created) out(`${would}created    ${id}  (${fileOf.get(id)})`);
        for (const id of result.updated) out(`${would}updated    ${id}  (${fileOf.get(id)})`);
        for (const id of result.deleted) out(`${would}deleted    ${id}  (no file defines it: --prune)`);
        out(
          `${result.created.length} created, ${result.updated.length} updated, ${result.unchanged.length} unchanged, ${result.deleted.length} deleted${flags['dry-run'] ? ' (dry run: nothing written)' : ''} in table ${store.table}`,
        );
        return 0;
      }),
    io,
  );
}
