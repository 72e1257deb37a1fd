/**
 * `npm run terraform [-- --check]`: writes every Terraform module's generated files (terraform/modules/<name>/
 * versions.tf, variables.tf, main.tf, outputs.tf) from the templates and tooling/terraform/apps.ts. `--check` writes
 * nothing and exits 1 naming the files that differ (what the drift test checks).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { defineCommand, exitWith, runCommand } from '../cli/args';
import { ROOT } from '../tooling/paths';
import { staleFiles } from '../tooling/terraform/generate';

export const command = defineCommand({
  name: 'npm run terraform --',
  summary:
    'Regenerates the Terraform modules in terraform/modules/ (versions.tf, variables.tf, main.tf, outputs.tf) from\nthe templates and tooling/terraform/apps.ts; hand-written files of a module are left alone.',
  flags: { check: { description: 'write nothing; exit 1 naming every generated file that differs' } },
  examples: ['npm run terraform', 'npm run terraform -- --check'],
});

if (require.main === module) {
  const run = runCommand(command, process.argv.slice(2), ({ flags }, { out, err }) => {
    const stale = staleFiles();
    const names = stale.map((s) => relative(ROOT, s.path)).join(', ');
    if (flags.check) {
      if (stale.length === 0) {
        out('Terraform modules are up to date');
        return 0;
      }
      err(`out of date (run npm run terraform): ${names}`);
      return 1;
    }
    for (const s of stale) {
      mkdirSync(dirname(s.path), { recursive: true });
      writeFileSync(s.path, s.expected);
    }
    out(stale.length ? `wrote ${names}` : 'Terraform modules are up to date');
    return 0;
  });
  exitWith(run, 'npm run terraform');
}
