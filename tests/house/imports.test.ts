/**
 * Dependencies point one way (templates -> functions -> common; scripts, bench and tests -> tooling -> product), on
 * every tracked .ts and .js file, read as TypeScript reads them. The rules themselves are tested on imports that
 * break them, so this test can fail.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { areaOf, importEdges, importViolations, ownPackages } from '../../tooling/imports';
import { ROOT } from '../../tooling/paths';

const tracked = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard', '*.ts', '*.js'], {
  cwd: ROOT,
  encoding: 'utf8',
})
  .split('\0')
  .filter(Boolean);
const files = tracked.map((path) => ({ path, text: readFileSync(join(ROOT, path), 'utf8') }));
const packages = ownPackages(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8'));
const edges = importEdges(files, packages);

test('every import of every tracked .ts/.js file points the right way', () => {
  expect(files.length).toBeGreaterThan(100);
  expect(edges.length).toBeGreaterThan(200);
  expect(importViolations(edges)).toEqual([]);
});

test("the repository's own packages are read from tsconfig.json, and the example job reaches the library by name", () => {
  expect(packages).toEqual({ '@cloud-cron/job': 'packages/job/src/index.ts' });
  expect(edges).toContainEqual({
    from: 'examples/job/src/job.ts',
    to: 'packages/job/src/index.ts',
    specifier: '@cloud-cron/job',
  });
});

test('every relative import names a file of the repository', () => {
  // Any tracked file: modules, and the JSON data some of them import.
  const known = new Set(
    execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd: ROOT,
      encoding: 'utf8',
    })
      .split('\0')
      .filter(Boolean),
  );
  expect(edges.filter((e) => !known.has(e.to)).map((e) => `${e.from}: ${e.specifier}`)).toEqual([]);
});

test('npm start needs no test file: nothing under tooling/ or scripts/ reaches tests/, even indirectly', () => {
  const next = new Map<string, string[]>();
  for (const e of edges) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const reached = new Set<string>();
  const walk = (f: string) => {
    if (reached.has(f)) return;
    reached.add(f);
    for (const t of next.get(f) ?? []) walk(t);
  };
  walk('scripts/start.ts');
  expect([...reached].filter((f) => f.startsWith('tests/') || f.startsWith('bench/'))).toEqual([]);
  expect(reached.has('tooling/demo/index.ts')).toBe(true);
});

describe('the rules refuse what they must', () => {
  const violations = (path: string, text: string, others: string[]) =>
    importViolations(
      importEdges([{ path, text }, ...others.map((p) => ({ path: p, text: '' }))], {
        '@cloud-cron/job': 'packages/job/src/index.ts',
      }),
    );

  test.each([
    ['functions/email/x.ts', "import { a } from '../../tooling/paths';", 'tooling/paths.ts'],
    ['functions/email/x.ts', "import { a } from '../sms/render';", 'functions/sms/render.ts'],
    ['functions/common/x.ts', "export * from '../email/config';", 'functions/email/config.ts'],
    ['cli/x.ts', "const t = require('../tests/integration/sms/harness');", 'tests/integration/sms/harness.ts'],
    ['cli/x.ts', "const t = await import('../scripts/readme');", 'scripts/readme.ts'],
    ['cli/x.ts', "import type { X } from '../examples/job/src/contract';", 'examples/job/src/contract.ts'],
    ['tooling/x.ts', "import { b } from '../bench/lib/stats';", 'bench/lib/stats.ts'],
    [
      'scripts/x.ts',
      "import { c } from '../tests/integration/start/start.test';",
      'tests/integration/start/start.test.ts',
    ],
    ['bench/x.ts', "import { d } from '../tests/setup-env.js';", 'tests/setup-env.js'],
    ['bench/x.ts', "import { d } from '../scripts/start';", 'scripts/start.ts'],
    ['tests/unit/x.test.ts', "import { e } from '../../scripts/release';", 'scripts/release.ts'],
    ['examples/job/src/x.ts', "import { f } from '../../../functions/common/errors';", 'functions/common/errors.ts'],
    ['examples/job/src/x.ts', "import { f } from '../../../tooling/moto';", 'tooling/moto.ts'],
    ['packages/job/src/x.ts', "import { g } from '../../../functions/common/sns';", 'functions/common/sns.ts'],
    ['packages/job/src/x.ts', "import { g } from '../../../tooling/paths';", 'tooling/paths.ts'],
    ['packages/job/src/x.ts', "import { g } from '../../../tests/setup-env.js';", 'tests/setup-env.js'],
    ['packages/job/src/x.ts', "import { g } from '../../../examples/job/src/job';", 'examples/job/src/job.ts'],
    ['packages/job/test/x.test.ts', "import { h } from '../../../scripts/start';", 'scripts/start.ts'],
    ['packages/job/test/x.test.ts', "import { h } from '../../../functions/common/sns';", 'functions/common/sns.ts'],
    ['functions/email/x.ts', "import { i } from '@cloud-cron/job';", 'packages/job/src/index.ts'],
  ])('%s: %s', (path, text, target) => {
    expect(violations(path, text, [target])).toEqual([expect.stringContaining(`${path} imports ${target}`)]);
  });

  test('and allow what the house allows', () => {
    expect(
      violations('functions/email/x.ts', "import { a } from '../common/errors';", ['functions/common/errors.ts']),
    ).toEqual([]);
    expect(violations('cli/x.ts', "import { a } from '../functions/sms/render';", ['functions/sms/render.ts'])).toEqual(
      [],
    );
    expect(violations('scripts/x.ts', "import { a } from '../cli/args';", ['cli/args.ts'])).toEqual([]);
    expect(
      violations('tooling/x.ts', "import { a } from '../functions/common/template';", ['functions/common/template.ts']),
    ).toEqual([]);
    expect(
      violations('tests/x.test.ts', "import { a } from '../examples/job/src/event';", ['examples/job/src/event.ts']),
    ).toEqual([]);
    expect(violations('examples/job/src/x.ts', "import { a } from '@cloud-cron/job';", [])).toEqual([]);
    expect(
      violations('packages/job/src/x.ts', "import { a } from './topics';", ['packages/job/src/topics.ts']),
    ).toEqual([]);
    expect(
      violations('packages/job/test/x.test.ts', "import { a } from '../../../tooling/moto';", ['tooling/moto.ts']),
    ).toEqual([]);
    expect(
      violations('packages/job/test/x.test.ts', "import { a } from '../src/index';", ['packages/job/src/index.ts']),
    ).toEqual([]);
    expect(areaOf('functions/common/schedule/index.ts')).toBe('functions/common');
    expect(areaOf('packages/job/src/once.ts')).toBe('packages/job');
    expect(areaOf('packages/job/test/once.test.ts')).toBe('packages/job/test');
  });
});
