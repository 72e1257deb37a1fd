/**
 * The parameter and output tables of the docs, generated from the templates: in README.md (every app) and in each
 * app's own page, docs/<app>.md (what the Serverless Application Repository shows as the app's readme). A block sits
 * between `<!-- generated:begin FILE -->` and `<!-- generated:end FILE -->`, FILE being the template's path.
 * `npm run readme` rewrites the blocks; `npm run readme -- --check` and the drift test fail when one is stale.
 */
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { APPS } from './apps';
import { loadTemplate, type TemplateParameter } from './cfn-yaml';
import { ROOT } from './paths';

export const README = join(ROOT, 'README.md');

/** Each documentation file with the templates whose tables it carries. */
export function documents(root = ROOT): { file: string; templates: string[] }[] {
  return [
    { file: join(root, 'README.md'), templates: APPS.map((a) => a.template) },
    ...APPS.map((a) => ({ file: join(root, a.docs), templates: [a.template] })),
  ];
}

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

/** The generated block for one template (path relative to the root). */
export function tables(file: string, root = ROOT): string {
  const t = loadTemplate(join(root, file));
  const lines = ['| Parameter | Default | Constraint | Description |', '| --- | --- | --- | --- |'];
  for (const [name, p] of Object.entries(t.Parameters ?? {})) {
    const def = p.Default === undefined ? '*(required)*' : p.Default === '' ? '*(empty)*' : `\`${cell(p.Default)}\``;
    lines.push(`| \`${name}\` | ${def} | ${cell(constraint(p))} | ${cell(p.Description)} |`);
  }
  lines.push('', '| Output | Description |', '| --- | --- |');
  for (const [name, o] of Object.entries(t.Outputs ?? {})) lines.push(`| \`${name}\` | ${cell(o.Description)} |`);
  return lines.join('\n');
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const block = (file: string) =>
  new RegExp(
    `(<!-- generated:begin ${escapeRegExp(file)} -->\\n)[\\s\\S]*?(<!-- generated:end ${escapeRegExp(file)} -->)`,
  );

export class DocTablesError extends Error {
  override name = 'DocTablesError';
}

/** `text` (the content of `doc`) with the blocks of `templates` regenerated. */
export function regenerate(text: string, templates: readonly string[], doc = 'README.md', root = ROOT): string {
  let out = text;
  for (const file of templates) {
    const re = block(file);
    if (!re.test(out)) {
      throw new DocTablesError(
        `${doc} has no table block for ${file}: add the lines <!-- generated:begin ${file} --> and <!-- generated:end ${file} --> where its tables go`,
      );
    }
    out = out.replace(re, (_m, begin: string, end: string) => `${begin}${tables(file, root)}\n${end}`);
  }
  return out;
}

/** Every documentation file: its current text and what it should be. */
export function docTables(root = ROOT): { file: string; name: string; text: string; expected: string }[] {
  return documents(root).map(({ file, templates }) => {
    const name = relative(root, file);
    const text = readFileSync(file, 'utf8');
    return { file, name, text, expected: regenerate(text, templates, name, root) };
  });
}
