/**
 * Every SAR app passes what the Serverless Application Repository checks; the scheduled job, which uses the
 * CloudCron macro, is the one app SAR would refuse, and the README says so.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { APPS, SAR_APPS } from '../../tooling/apps';
import { readTemplate, templatePath } from '../../tooling/cfn';
import { ROOT } from '../../tooling/paths';
import { sarProblems } from '../../tooling/sar';

const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

test.each(SAR_APPS.map((a) => [a.template, a] as const))(
  '%s is publishable to SAR at the package.json version, under the name the app list gives',
  (file, app) => {
    const template = readTemplate(file);
    expect(sarProblems(template, templatePath(file))).toEqual([]);
    const meta = template.Metadata?.['AWS::ServerlessRepo::Application'] as { SemanticVersion: string; Name: string };
    expect(meta.SemanticVersion).toBe(version);
    expect(meta.Name).toBe(app.sarName);
  },
);

test('every SAR app has its own name', () => {
  const names = SAR_APPS.map((a) => a.sarName);
  expect(new Set(names).size).toBe(names.length);
});

test.each(APPS.filter((a) => a.ships === 'location').map((a) => a.template))(
  '%s is refused by SAR because of its macro, as the README explains',
  (file) => {
    expect(sarProblems(readTemplate(file), templatePath(file))).toEqual(
      expect.arrayContaining([expect.stringMatching(/^Transform must be exactly AWS::Serverless-2016-10-31/)]),
    );
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toMatch(/Why the scheduled job and task are not SAR apps/);
  },
);
