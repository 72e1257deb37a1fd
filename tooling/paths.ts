import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** Repository root. */
export const ROOT = resolve(__dirname, '..');
/** The project's own Python environment, made by the set-up when it installs Python packages (git-ignored). */
export const VENV = join(ROOT, '.venv');
export const EVENTS = join(ROOT, 'events');
export const DIST = join(ROOT, 'dist');

export function tempDir(prefix = 'cloudcron-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
