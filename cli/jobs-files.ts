/**
 * Job files on disk, as `cloud-cron jobs validate` and `jobs apply` read them: a file, or every `*.json` file under a
 * folder (recursively, in path order; dot-folders and node_modules skipped), each checked by the one validator of
 * job definitions (functions/common/jobs/validate.ts) that the S3 job files and the HTTP API use, so a definition is
 * refused with the same words at every front door. Two files that define the same id are refused too: an apply
 * would otherwise depend on the order it reads them.
 *
 * Offline: Node's file system and the validator, no AWS SDK.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { JobDefinition } from '../functions/common/jobs/definition';
import { type JobProblem, type ValidateOptions, validateJobText } from '../functions/common/jobs/validate';

export type FileVerdict = {
  /** The path as the user gave it, or relative to the folder they gave. */
  file: string;
  ok: boolean;
  /** The job's id, when the file names one (also when it was refused for other reasons). */
  id?: string;
  job?: JobDefinition;
  errors: JobProblem[];
  warnings: JobProblem[];
};

/** A path that cannot be read as job files: the message says which and why (exit 1). */
export class JobFilesError extends Error {
  override name = 'JobFilesError';
}

const SKIPPED_DIRS = new Set(['node_modules']);

/** The job files a path names: itself (a file), or every `*.json` below it (a folder), in a stable order. */
export function jobFilePaths(path: string): string[] {
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(path);
  } catch (e) {
    throw new JobFilesError(
      `cannot read ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or folder' : (e as Error).message}`,
    );
  }
  if (stat.isFile()) return [path];
  if (!stat.isDirectory()) throw new JobFilesError(`${path} is neither a file nor a folder`);
  const out: string[] = [];
  const walk = (dir: string) => {
    const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const full = join(dir, e.name);
      if (e.isDirectory()) {
        if (!SKIPPED_DIRS.has(e.name)) walk(full);
      } else if (e.isFile() && e.name.endsWith('.json')) out.push(full);
    }
  };
  walk(path);
  return out;
}

const idOf = (text: string): string | undefined => {
  try {
    const v = JSON.parse(text) as { id?: unknown };
    return typeof v?.id === 'string' ? v.id : undefined;
  } catch {
    return undefined;
  }
};

/** Validates one job file's text. */
export function checkJobText(file: string, text: string, options: ValidateOptions = {}): FileVerdict {
  const result = validateJobText(text, options);
  if (result.ok) return { file, ok: true, id: result.job.id, job: result.job, errors: [], warnings: result.warnings };
  const id = idOf(text);
  return { file, ok: false, ...(id !== undefined ? { id } : {}), errors: result.errors, warnings: result.warnings };
}

/**
 * Reads and validates every job file under the paths. Ids defined by more than one file are refused in each of
 * those files (code `id.duplicate`, naming the others).
 */
export function checkJobFiles(paths: readonly string[], options: ValidateOptions = {}): FileVerdict[] {
  const verdicts: FileVerdict[] = [];
  for (const path of paths) {
    const files = jobFilePaths(path);
    const isDir = files.length !== 1 || files[0] !== path;
    if (isDir && files.length === 0) throw new JobFilesError(`${path} has no .json job files`);
    for (const file of files) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        throw new JobFilesError(`cannot read ${file}: ${(e as Error).message}`);
      }
      const shown = isDir ? join(path, relative(path, file)) : file;
      verdicts.push(checkJobText(shown, text, options));
    }
  }
  const byId = new Map<string, FileVerdict[]>();
  for (const v of verdicts) if (v.id !== undefined) byId.set(v.id, [...(byId.get(v.id) ?? []), v]);
  for (const [id, same] of byId) {
    if (same.length < 2) continue;
    for (const v of same) {
      const others = same.filter((o) => o !== v).map((o) => o.file);
      const message = `id: "${id}" is also defined by ${others.join(', ')}: give each job its own id (one file per job)`;
      v.errors.push({ path: 'id', pointer: '/id', code: 'id.duplicate', message });
      v.ok = false;
      delete v.job;
    }
  }
  return verdicts;
}

/** The problems of a verdict as the CLI prints them: `file: message`, one per line. */
export function verdictLines(v: FileVerdict): string[] {
  return [
    ...v.errors.map((p) => `${v.file}: ${p.message}`),
    ...v.warnings.map((p) => `${v.file}: warning: ${p.message}`),
  ];
}
