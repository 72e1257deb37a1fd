/**
 * Real template tooling for tests: cfn-lint and the Python SAM translator, run as child processes through the
 * project's Python (tooling/python.ts).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadTemplate, type Template } from './cfn-yaml';
import { ROOT, tempDir } from './paths';
import { cfnLintCommand, projectPython } from './python';

export type LintFinding = { Rule: { Id: string }; Message: string; Location: unknown; Level: string };

/** Writes a template object to a temporary JSON file and returns its path. */
export function writeTemplate(template: unknown, name = 'template.json'): string {
  const file = join(tempDir(), name);
  writeFileSync(file, JSON.stringify(template, null, 1));
  return file;
}

/** Runs cfn-lint on template files (or objects) and returns every finding, warnings and informational included. */
export function cfnLint(...templates: (string | object)[]): LintFinding[] {
  const files = templates.map((t) => (typeof t === 'string' ? t : writeTemplate(t)));
  const [command, args] = cfnLintCommand(['--format', 'json', '--', ...files]);
  const res = spawnSync(command, args, { encoding: 'utf8', cwd: ROOT });
  if (res.error) throw res.error;
  const out = res.stdout.trim();
  if (!out && res.status !== 0) throw new Error(`cfn-lint failed: ${res.stderr}`);
  return out ? (JSON.parse(out) as LintFinding[]) : [];
}

/** Formats findings for a readable assertion failure. */
export function describeFindings(findings: LintFinding[]): string[] {
  return findings.map((f) => `${f.Rule.Id} ${f.Message} @ ${JSON.stringify(f.Location)}`);
}

/** Runs the SAM translator (samtranslator) on a template file or object; returns plain CloudFormation. */
export function samTranslate(template: string | object, parameterValues: Record<string, string> = {}): Template {
  const file = typeof template === 'string' ? template : writeTemplate(template);
  const out = execFileSync(
    projectPython(),
    [join(ROOT, 'tooling', 'sam_translate.py'), file, JSON.stringify(parameterValues)],
    {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, AWS_DEFAULT_REGION: process.env.AWS_DEFAULT_REGION ?? 'us-east-1' },
    },
  );
  return JSON.parse(out) as Template;
}

export function templatePath(name: string): string {
  return join(ROOT, name);
}

export function readTemplate(name: string): Template {
  return loadTemplate(templatePath(name));
}
