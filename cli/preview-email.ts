/**
 * `cloud-cron preview email`: renders the subject, HTML and text of an email exactly as the email function would,
 * for a sample SNS message, and writes them to files, so template authors see the result before deploying.
 *
 *   cloud-cron preview email --message <file> [--subject-template T] [--html-template T] [--text-template T]
 *                            [--templates DIR] [--subject S] [--out DIR]
 *
 * --message      a Lambda SNS event (events/email-*.json), one SNS message ({"Message": ..., "Subject": ...}),
 *                or any other file, taken as the message text itself
 * --*-template   a template file, or (when no such file exists) the template text itself, as in the parameters
 * --templates    a folder laid out like TemplatesS3Uri (subject.hbs, html.hbs, text.hbs); the options above win
 * --subject      the SNS subject (overrides the one in the message file)
 * --out          where to write subject.txt, email.html and email.txt (default: out/email-preview)
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CloudCronError } from '../functions/common/errors';
import { renderEmail } from '../functions/email/compose';
import { TEMPLATE_FILES, type TemplatePart, type TemplateSources } from '../functions/email/config';
import { compileTemplates } from '../functions/email/templates';
import { isFile, sampleContext } from './sample';

const USAGE = `usage: cloud-cron preview email --message <file> [--subject-template T] [--html-template T]
       [--text-template T] [--templates DIR] [--subject S] [--out DIR]
  T is a template file, or the template text itself when no such file exists.`;

class PreviewInputError extends CloudCronError {
  override name = 'PreviewInputError';
}

function templateSources(values: Record<string, string | undefined>): TemplateSources {
  const sources: TemplateSources = {};
  if (values.templates) {
    const dir = resolve(values.templates);
    if (!existsSync(dir) || !statSync(dir).isDirectory())
      throw new PreviewInputError(`--templates ${values.templates} is not a folder`);
    for (const [part, file] of Object.entries(TEMPLATE_FILES) as [TemplatePart, string][]) {
      const path = join(dir, file);
      if (isFile(path)) sources[part] = { source: readFileSync(path, 'utf8'), name: path };
    }
  }
  for (const part of ['subject', 'html', 'text'] as const) {
    const value = values[`${part}-template`];
    if (value === undefined) continue;
    sources[part] = isFile(value)
      ? { source: readFileSync(value, 'utf8'), name: value }
      : { source: value, name: `--${part}-template` };
  }
  return sources;
}

export async function run(argv: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        message: { type: 'string' },
        'subject-template': { type: 'string' },
        'html-template': { type: 'string' },
        'text-template': { type: 'string' },
        templates: { type: 'string' },
        subject: { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    console.error(`cloud-cron preview email: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const strings = values as Record<string, string | undefined>;
  if (!strings.message) {
    console.error(`cloud-cron preview email: --message <file> is required\n${USAGE}`);
    return 2;
  }
  try {
    if (!isFile(strings.message)) throw new PreviewInputError(`--message ${strings.message} is not a file`);
    const context = sampleContext(readFileSync(strings.message, 'utf8'), strings.subject);
    const sources = templateSources(strings);
    const email = renderEmail(compileTemplates(sources), context);
    const out = resolve(strings.out ?? join('out', 'email-preview'));
    mkdirSync(out, { recursive: true });
    const files = { subject: join(out, 'subject.txt'), html: join(out, 'email.html'), text: join(out, 'email.txt') };
    writeFileSync(files.subject, `${email.subject}\n`);
    writeFileSync(files.html, email.html);
    writeFileSync(files.text, email.text);
    const used = (part: TemplatePart) => sources[part]?.name ?? 'default rendering';
    console.log(
      [
        `Subject: ${email.subject}`,
        `  subject  ${files.subject}  (${used('subject')})`,
        `  html     ${files.html}  (${used('html')})`,
        `  text     ${files.text}  (${sources.text ? used('text') : sources.html ? 'derived from the HTML' : 'default rendering'})`,
      ].join('\n'),
    );
    return 0;
  } catch (e) {
    if (e instanceof CloudCronError) {
      console.error(`cloud-cron preview email: ${e.message}`);
      return 1;
    }
    throw e;
  }
}
