/**
 * `npm run readme [-- --check]`: regenerates the parameter and output tables in README.md and in each app's page
 * (docs/<app>.md, the SAR readme) from the templates (tooling/doc-tables.ts). With --check it writes nothing and
 * exits 1 when a table is stale.
 */
import { writeFileSync } from 'node:fs';
import { defineCommand, exitWith, runCommand } from '../cli/args';
import { docTables } from '../tooling/doc-tables';

export const command = defineCommand({
  name: 'npm run readme --',
  summary:
    'Regenerates the parameter and output tables of README.md and docs/<app>.md from the templates (between\n<!-- generated:begin FILE --> and <!-- generated:end FILE --> markers).',
  flags: { check: { description: 'write nothing; exit 1 naming every file whose tables are stale' } },
  examples: ['npm run readme', 'npm run readme -- --check'],
});

if (require.main === module) {
  const run = runCommand(command, process.argv.slice(2), ({ flags }, { out, err }) => {
    const docs = docTables();
    const stale = docs.filter((d) => d.text !== d.expected);
    if (flags.check) {
      if (stale.length === 0) {
        out(`tables are up to date in ${docs.map((d) => d.name).join(', ')}`);
        return 0;
      }
      err(`stale tables in ${stale.map((d) => d.name).join(', ')}: run npm run readme`);
      return 1;
    }
    for (const d of stale) writeFileSync(d.file, d.expected);
    out(
      stale.length === 0 ? 'tables are up to date' : `regenerated the tables in ${stale.map((d) => d.name).join(', ')}`,
    );
    return 0;
  });
  exitWith(run, 'npm run readme');
}
