/** `npm run build [-- name...]`: bundles every Lambda function (or the named ones) into dist/<name>/index.js. */
import { defineCommand, exitWith, runCommand, UsageError } from '../cli/args';
import { FUNCTIONS } from '../tooling/apps';
import { buildAll, ROOT } from '../tooling/build';

export const command = defineCommand({
  name: 'npm run build --',
  summary:
    "Bundles each function with esbuild into dist/<name>/index.js, with the options of its template's\nMetadata BuildProperties (what `sam build` reads).",
  positionals: [
    {
      name: 'name',
      description: `functions to build (default: all): ${FUNCTIONS.join(', ')}`,
      optional: true,
      variadic: true,
    },
  ],
  flags: {},
  examples: ['npm run build', 'npm run build -- email sms'],
});

if (require.main === module) {
  exitWith(
    runCommand(command, process.argv.slice(2), async ({ positionals }, { out }) => {
      const unknown = positionals.filter((n) => !(FUNCTIONS as readonly string[]).includes(n));
      if (unknown.length) throw new UsageError(`unknown function ${unknown.join(', ')}: use ${FUNCTIONS.join(', ')}`);
      const built = await buildAll(ROOT, positionals);
      out(`built ${built.map((b) => `dist/${b.name}/index.js`).join(', ')}`);
      return 0;
    }),
    'npm run build',
  );
}
