/**
 * `npm run readme`: regenerates the parameter and output tables in README.md from the templates, between
 * `<!-- generated:begin FILE -->` and `<!-- generated:end FILE -->` markers. `npm test` fails when they drift.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../tooling/build';
import { loadTemplate, type TemplateParameter } from '../tooling/cfn-yaml';

export const README = join(ROOT, 'README.md');
export const DOCUMENTED_TEMPLATES = [
  'template-scheduled-lambda.yaml',
  'template-scheduled-task.yaml',
  'macro/template.yaml',
  'template-email.yaml',
  'template-sms.yaml',
  'template-webhook.yaml',
  'template-mirror.yaml',
  'template-runs.yaml',
  'template-jobs.yaml',
];

const cell = (s: unknown) =>
  String(s ?? '')
    .replace(/\s+/g, ' ')
    .replace(/\|/g, '\\|')
    .trim();

function constraint(p: TemplateParameter): string {
  const parts: string[] = [];
  if (p.AllowedValues) parts.push(p.AllowedValues.map((v) => `\`${v}\``).join(', '));
  if (p.MinValue !== undefined || p.MaxValue !== undefined) parts.push(`${p.MinValue ?? ''}-${p.MaxValue ?? ''}`);
  if (p.MinLength !== undefined || p.MaxLength !== undefined)
    parts.push(`length ${p.MinLength ?? 0}-${p.MaxLength ?? ''}`);
  if (p.AllowedPattern && !p.AllowedValues) parts.push(cell(p.ConstraintDescription ?? 'pattern'));
  return parts.join('; ');
}

/** The generated block for one template. */
export function tables(file: string): string {
  const t = loadTemplate(join(ROOT, file));
  const lines = ['| Parameter | Default | Constraint | Description |', '| --- | --- | --- | --- |'];
  for (const [name, p] of Object.entries(t.Parameters ?? {})) {
    const def = p.Default === undefined ? '*(required)*' : p.Default === '' ? '*(empty)*' : `\`${cell(p.Default)}\``;
    lines.push(`| \`${name}\` | ${def} | ${cell(constraint(p))} | ${cell(p.Description)} |`);
  }
  lines.push('', '| Output | Description |', '| --- | --- |');
  for (const [name, o] of Object.entries(t.Outputs ?? {})) lines.push(`| \`${name}\` | ${cell(o.Description)} |`);
  return lines.join('\n');
}

const BLOCK = (file: string) =>
  new RegExp(
    `(<!-- generated:begin ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} -->\\n)[\\s\\S]*?(<!-- generated:end ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} -->)`,
  );

/** README text with every block regenerated; templates not yet in the repository are left out. */
export function regenerate(text: string): string {
  let out = text;
  for (const file of DOCUMENTED_TEMPLATES) {
    if (!existsSync(join(ROOT, file))) continue;
    const re = BLOCK(file);
    if (!re.test(out)) throw new Error(`README.md has no <!-- generated:begin ${file} --> block`);
    out = out.replace(re, (_m, begin: string, end: string) => `${begin}${tables(file)}\n${end}`);
  }
  return out;
}

if (require.main === module) {
  const text = readFileSync(README, 'utf8');
  const next = regenerate(text);
  if (next !== text) writeFileSync(README, next);
  console.log(next === text ? 'README.md tables are up to date' : 'README.md tables regenerated');
}
