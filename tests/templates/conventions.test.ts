/**
 * House style, checked on every template: a Description and a constraint on every Parameter, a Description on
 * every Output, a why-comment above every resource, Globals for shared function settings; and nothing a user
 * deploys turns on the test-only loopback ResponseURL switch.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { LOOPBACK_SWITCH } from '../../functions/common/response-url';
import { APPS, EXAMPLE_TEMPLATES } from '../../tooling/apps';
import { readTemplate } from '../../tooling/cfn';
import { ROOT } from '../../tooling/paths';

const TEMPLATES = [...APPS.map((a) => a.template), ...EXAMPLE_TEMPLATES];

describe.each(TEMPLATES)('%s', (file) => {
  const template = readTemplate(file);

  test('every Parameter has a Description and a constraint (and says what the pattern wants)', () => {
    const problems = Object.entries(template.Parameters ?? {}).flatMap(([name, p]) => {
      const out: string[] = [];
      if (!p.Description) out.push(`${name}: no Description`);
      const constrained =
        p.AllowedValues !== undefined ||
        p.AllowedPattern !== undefined ||
        p.MinValue !== undefined ||
        p.MaxValue !== undefined ||
        p.MaxLength !== undefined;
      if (!constrained) out.push(`${name}: no AllowedValues, AllowedPattern, MinValue/MaxValue or MaxLength`);
      if (p.AllowedPattern && !p.ConstraintDescription)
        out.push(`${name}: AllowedPattern without ConstraintDescription`);
      return out;
    });
    expect(problems).toEqual([]);
  });

  test('every Output has a Description', () => {
    const missing = Object.entries(template.Outputs ?? {}).filter(([, o]) => !o.Description);
    expect(missing.map(([name]) => name)).toEqual([]);
  });

  test('every resource has a comment above it saying why it is there', () => {
    const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
    const start = lines.indexOf('Resources:');
    const uncommented: string[] = [];
    for (let i = start + 1; i < lines.length && !/^\S/.test(lines[i]); i++) {
      const m = /^ {2}([A-Za-z0-9]+):\s*$/.exec(lines[i]);
      if (!m) continue;
      let j = i - 1;
      while (j > start && lines[j].trim() === '') j--;
      if (!/^\s*#/.test(lines[j])) uncommented.push(m[1]);
    }
    expect(uncommented).toEqual([]);
  });

  test('functions share their settings through Globals', () => {
    const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Serverless::Function');
    if (functions.length > 0) expect(template.Globals?.Function).toBeDefined();
  });
});

/** Everything under ROOT but what is built, installed, or only run on a developer's machine (tests, tooling). */
function deployableFiles(dir = ROOT): string[] {
  const skip = new Set(['node_modules', 'dist', '.aws-sam', '.git', 'coverage', '.tmp', 'out', '.venv']);
  const harness = new Set(['tests', 'tooling', 'bench', 'scripts']);
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (skip.has(entry.name) || (dir === ROOT && harness.has(entry.name))) return [];
      return deployableFiles(path);
    }
    return [relative(ROOT, path)];
  });
}

test('no template, configuration, sample event or product code turns on the test-only loopback switch', () => {
  const files = deployableFiles();
  const config = files.filter((f) => /\.(ya?ml|json|toml|template)$/.test(f));
  // The scan finds what users deploy: every app template, the macro's, the examples', samconfig, the events.
  expect(config).toEqual(expect.arrayContaining([...TEMPLATES, 'samconfig.toml', 'events/mirror-create.json']));
  const code = files.filter((f) => /^(functions|cli|macro|examples)\/.*\.[cm]?[jt]s$/.test(f));
  expect(code).toContain('functions/common/response-url.ts');
  const setters = [...config, ...code].filter(
    (f) => f !== 'functions/common/response-url.ts' && readFileSync(join(ROOT, f), 'utf8').includes(LOOPBACK_SWITCH),
  );
  expect(setters).toEqual([]);
});
