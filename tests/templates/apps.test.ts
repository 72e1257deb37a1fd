/**
 * The app list (tooling/apps.ts) is the repository: every app template is on it, and what it says of each app (SAR
 * name, functions, docs page, samconfig.toml config-env) is what the template and the files say.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { APPS, FUNCTIONS } from '../../tooling/apps';
import { functionBuilds } from '../../tooling/build';
import { ROOT } from '../../tooling/paths';
import { MODULES } from '../../tooling/terraform/apps';

test('every template-*.yaml and macro/template.yaml is an app on the list, and every listed template exists', () => {
  const onDisk = [
    ...readdirSync(ROOT).filter((f) => /^template-.*\.ya?ml$/.test(f)),
    ...(existsSync(join(ROOT, 'macro', 'template.yaml')) ? ['macro/template.yaml'] : []),
  ].sort();
  expect(APPS.map((a) => a.template).sort()).toEqual(onDisk);
  for (const a of APPS) expect([a.docs, existsSync(join(ROOT, a.docs))]).toEqual([a.docs, true]);
});

test('ids and SAR names are unique; every SAR app has a SAR name, no other app has one', () => {
  expect(new Set(APPS.map((a) => a.id)).size).toBe(APPS.length);
  for (const a of APPS)
    expect([a.id, a.ships === 'sar', 'sarName' in a]).toEqual([a.id, 'sarName' in a, 'sarName' in a]);
});

test('each app lists exactly the functions its template builds', () => {
  const builds = functionBuilds(ROOT);
  for (const a of APPS) {
    const built = builds.filter((b) => relative(ROOT, b.template) === a.template).map((b) => b.name);
    expect([a.id, built.sort()]).toEqual([a.id, [...a.functions].sort()]);
  }
  expect([...FUNCTIONS].sort()).toEqual(builds.map((b) => b.name).sort());
});

test('samconfig.toml has one config-env per app, named by its id', () => {
  const json = execFileSync(
    'python3',
    [
      '-c',
      'import json,sys,tomllib; print(json.dumps(tomllib.load(open(sys.argv[1], "rb"))))',
      join(ROOT, 'samconfig.toml'),
    ],
    { encoding: 'utf8' },
  );
  const envs = Object.keys(JSON.parse(json) as Record<string, unknown>).filter(
    (k) => k !== 'version' && k !== 'default',
  );
  expect(envs.sort()).toEqual(APPS.map((a) => a.id).sort());
});

test("the README's publish steps name every SAR app, and the release step every template nested by Location", () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const publish = /### Publish the SAR apps\n([\s\S]*?)\n### /.exec(readme)?.[1] ?? '';
  expect(publish.length).toBeGreaterThan(500);
  for (const a of APPS) {
    if ('sarName' in a) expect([a.id, publish.includes(`\`${a.sarName}\``)]).toEqual([a.id, true]);
    else expect([a.id, publish.includes(a.template)]).toEqual([a.id, true]);
  }
});

test('every app on the list has one Terraform module, and every module whose template exists follows an app', () => {
  // tooling/terraform/apps.ts says only what a template cannot (variable names, codecs); which apps there are is
  // this list's. A module may wait for its app's template (the Jobs app, still being built).
  const landed = MODULES.filter((m) => existsSync(join(ROOT, m.template)));
  expect(landed.map((m) => m.template).sort()).toEqual(APPS.map((a) => a.template).sort());
  expect(new Set(MODULES.map((m) => m.template)).size).toBe(MODULES.length);
  for (const a of APPS.filter((a) => a.ships === 'sar')) {
    const m = MODULES.find((m) => m.template === a.template);
    expect([a.id, m?.summary.includes(`SAR app ${a.sarName}`)]).toEqual([a.id, true]);
  }
});
