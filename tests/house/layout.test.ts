/**
 * The README's annotated layout tree is the repository: every path it names exists, and every top-level file and
 * folder of the repository (as git tracks it) appears in it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../tooling/paths';

/** The paths a `tree`-style block names: `├── a/` then `│   ├── b` is a/b; several names may share a line. */
function treePaths(block: string): string[] {
  const paths: string[] = [];
  const parents: string[] = [];
  for (const line of block.split('\n')) {
    const m = /^((?:│ {3}| {4})*)(?:├── |└── )(.*)$/.exec(line);
    if (!m) continue;
    const depth = m[1].length / 4;
    const names = m[2]
      .split('#')[0]
      .trim()
      .split(/\s{2,}/)
      .filter(Boolean);
    parents.length = depth;
    for (const name of names) paths.push([...parents, name].join('/').replace(/\/+/g, '/'));
    if (names.length === 1 && names[0].endsWith('/')) parents[depth] = names[0].replace(/\/$/, '');
  }
  return paths;
}

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const block = /## Layout\n\n```text\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
const paths = treePaths(block);

test('every path in the layout tree exists', () => {
  expect(paths.length).toBeGreaterThan(25);
  expect(paths.filter((p) => !existsSync(join(ROOT, p)))).toEqual([]);
});

test('every top-level file and folder of the repository is in the tree', () => {
  const tracked = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .split('\n')
    .filter(Boolean);
  const top = [...new Set(tracked.map((f) => (f.includes('/') ? `${f.split('/')[0]}/` : f)))];
  const named = new Set(paths.map((p) => (p.includes('/') ? `${p.split('/')[0]}/` : p)));
  // Not worth a line of the tree: git's own file and npm's lockfile.
  const ignored = ['.gitignore', 'package-lock.json'];
  expect(top.filter((t) => !named.has(t) && !ignored.includes(t))).toEqual([]);
});

test('every folder of functions/, examples/, tests/ and tooling/ is in the tree', () => {
  const folders = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .split('\n')
    .filter((f) => /^(functions|examples|tests|tooling)\/[^/]+\//.test(f))
    .map((f) => `${f.split('/').slice(0, 2).join('/')}/`);
  const named = new Set(paths.map((p) => p.split('/').slice(0, 2).join('/').replace(/\/?$/, '/')));
  // tooling/data/ holds test data only, described on tooling/'s line.
  expect([...new Set(folders)].filter((f) => !named.has(f) && f !== 'tooling/data/')).toEqual([]);
});

test('the tree reader follows nesting and shared lines', () => {
  expect(treePaths('├── a/  # x\n│   ├── b/\n│   │   └── c.ts\n│   └── d/  e/\n└── f  g')).toEqual([
    'a/',
    'a/b/',
    'a/b/c.ts',
    'a/d/',
    'a/e/',
    'f',
    'g',
  ]);
});
