import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DOCUMENTED_TEMPLATES, README, regenerate } from '../../scripts/readme';
import { loadTemplate } from '../../tooling/cfn-yaml';
import { ROOT } from '../../tooling/paths';

const readme = readFileSync(README, 'utf8');
const present = DOCUMENTED_TEMPLATES.filter((f) => existsSync(join(ROOT, f)));

test('the README tables match the templates (run npm run readme after changing a template)', () => {
  expect(regenerate(readme)).toBe(readme);
});

test.each(present)('every public parameter and output of %s appears in the README', (file) => {
  const t = loadTemplate(join(ROOT, file));
  for (const name of [...Object.keys(t.Parameters ?? {}), ...Object.keys(t.Outputs ?? {})]) {
    expect(readme).toContain(`\`${name}\``);
  }
});

test('the README starts with the two commands that work on a fresh machine', () => {
  const head = readme.slice(0, 1500);
  expect(head).toContain('npm ci && npm start');
  expect(head).toContain('npm test');
});
