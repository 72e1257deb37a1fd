/**
 * `npm run terraform [-- --check]`: writes every Terraform module's generated files (terraform/modules/<name>/
 * versions.tf, variables.tf, main.tf, outputs.tf) from the templates and tooling/terraform/apps.ts. `--check` writes
 * nothing and exits 1 naming the files that differ (what the drift test runs).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from '../tooling/paths';
import { generateAll } from '../tooling/terraform/generate';

export function staleFiles(): { path: string; expected: string }[] {
  const stale: { path: string; expected: string }[] = [];
  for (const mod of generateAll()) {
    for (const [file, expected] of Object.entries(mod.files)) {
      const path = join(mod.dir, file);
      let actual: string | undefined;
      try {
        actual = readFileSync(path, 'utf8');
      } catch {
        actual = undefined;
      }
      if (actual !== expected) stale.push({ path, expected });
    }
  }
  return stale;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  if (args.some((a) => a === '-h' || a === '--help')) {
    console.log('usage: npm run terraform [-- --check]');
    process.exit(0);
  }
  const unknown = args.find((a) => a !== '--check');
  if (unknown) {
    console.error(`unknown option ${unknown}; usage: npm run terraform [-- --check]`);
    process.exit(2);
  }
  const stale = staleFiles();
  if (args.includes('--check')) {
    if (stale.length > 0) {
      console.error(`out of date (run npm run terraform): ${stale.map((s) => relative(ROOT, s.path)).join(', ')}`);
      process.exit(1);
    }
    console.log('Terraform modules are up to date');
  } else {
    for (const s of stale) {
      mkdirSync(join(s.path, '..'), { recursive: true });
      writeFileSync(s.path, s.expected);
    }
    console.log(
      stale.length
        ? `wrote ${stale.map((s) => relative(ROOT, s.path)).join(', ')}`
        : 'Terraform modules are up to date',
    );
  }
}
