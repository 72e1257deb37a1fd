/**
 * `npm run lock:platforms`: completes package-lock.json with the other platforms' optional packages that this
 * registry mirror lacks (tooling/lock-platforms.ts). Run it after any `npm install`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineCommand, exitWith, runCommand } from '../cli/args';
import { complete, type Lock } from '../tooling/lock-platforms';
import { ROOT } from '../tooling/paths';

export const command = defineCommand({
  name: 'npm run lock:platforms --',
  summary:
    "Completes package-lock.json with the platform-specific optional packages (Biome, SWC, Jest's resolver) of the\nother platforms, so that `npm ci` accepts the lockfile everywhere.",
  flags: {},
});

if (require.main === module) {
  exitWith(
    runCommand(command, process.argv.slice(2), (_args, { out }) => {
      const file = join(ROOT, 'package-lock.json');
      const lock = JSON.parse(readFileSync(file, 'utf8')) as Lock;
      const added = complete(lock);
      writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
      out(
        added
          ? `package-lock.json: added ${added} platform-specific optional packages`
          : 'package-lock.json is complete',
      );
      return 0;
    }),
    'npm run lock:platforms',
  );
}
