/**
 * `npm run lock:platforms`: completes every lockfile `npm ci` reads (LOCKFILES) with the other platforms' optional
 * packages that this registry mirror lacks (tooling/lock-platforms.ts). Run it after any `npm install`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineCommand, exitWith, runCommand } from '../cli/args';
import { complete, LOCKFILES, type Lock } from '../tooling/lock-platforms';
import { ROOT } from '../tooling/paths';

export const command = defineCommand({
  name: 'npm run lock:platforms --',
  summary:
    "Completes every lockfile `npm ci` reads (the repository's, examples/job's, packages/job's) with the\nplatform-specific optional packages (Biome, SWC, Jest's resolver) of the other platforms, so that `npm ci`\naccepts them everywhere.",
  flags: {},
});

if (require.main === module) {
  exitWith(
    runCommand(command, process.argv.slice(2), (_args, { out }) => {
      for (const name of LOCKFILES) {
        const file = join(ROOT, name);
        const lock = JSON.parse(readFileSync(file, 'utf8')) as Lock;
        const added = complete(lock);
        writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
        out(added ? `${name}: added ${added} platform-specific optional packages` : `${name} is complete`);
      }
      return 0;
    }),
    'npm run lock:platforms',
  );
}
