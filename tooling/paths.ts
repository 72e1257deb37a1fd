import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** Repository root. */
export const ROOT = resolve(__dirname, '..');
/** `../shared` beside the checkout (Twilio's OpenAPI spec, SAR resource list); may be absent. */
export const SHARED = resolve(ROOT, '..', 'shared');
export const EVENTS = join(ROOT, 'events');
export const DIST = join(ROOT, 'dist');

export function tempDir(prefix = 'cloudcron-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
