/**
 * The parameter and output tables of README.md and of every app's page (docs/<app>.md, the SAR readme) are the ones
 * the templates generate; every parameter and output appears in both.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { APPS } from '../../tooling/apps';
import { loadTemplate } from '../../tooling/cfn-yaml';
import { DocTablesError, docTables, README, regenerate } from '../../tooling/doc-tables';
import { ROOT } from '../../tooling/paths';

const readme = readFileSync(README, 'utf8');

test.each(docTables().map((d) => [d.name, d] as const))(
  'the tables in %s match the templates (run npm run readme after changing a template)',
  (_name, doc) => {
    expect(doc.text).toBe(doc.expected);
  },
);

describe.each(APPS.map((a) => [a.template, a] as const))('%s', (file, app) => {
  const t = loadTemplate(join(ROOT, file));
  const names = [...Object.keys(t.Parameters ?? {}), ...Object.keys(t.Outputs ?? {})];
  const page = readFileSync(join(ROOT, app.docs), 'utf8');

  test('every parameter and output appears in the README and in its page', () => {
    expect(names.filter((n) => !readme.includes(`| \`${n}\` |`))).toEqual([]);
    expect(names.filter((n) => !page.includes(`| \`${n}\` |`))).toEqual([]);
  });

  test('its page is the readme its SAR metadata names', () => {
    if (app.ships !== 'sar') return;
    const meta = t.Metadata?.['AWS::ServerlessRepo::Application'] as { ReadmeUrl: string };
    expect(join(ROOT, file, '..', meta.ReadmeUrl)).toBe(join(ROOT, app.docs));
  });
});

test('a stale block is rewritten, and a missing block is named with the markers to add', () => {
  const file = APPS[0].template;
  const stale = `x\n<!-- generated:begin ${file} -->\nold\n<!-- generated:end ${file} -->\ny`;
  const fresh = regenerate(stale, [file]);
  expect(fresh).not.toContain('\nold\n');
  expect(fresh).toMatch(/^x\n<!-- generated:begin .*-->\n\| Parameter \|[\s\S]*<!-- generated:end .* -->\ny$/);
  expect(() => regenerate('no markers', [file], 'docs/x.md')).toThrow(DocTablesError);
  expect(() => regenerate('no markers', [file], 'docs/x.md')).toThrow(`docs/x.md has no table block for ${file}`);
});

test('the README starts with the two commands that work on a fresh machine', () => {
  const head = readme.slice(0, 1500);
  expect(head).toContain('npm ci && npm start');
  expect(head).toContain('npm test');
});
