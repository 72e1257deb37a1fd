/**
 * `cloud-cron preview email`: renders the subject, HTML and text of an email exactly as the email function would,
 * for a sample SNS message, and writes them to files, so template authors see the result before deploying.
 * The flags are declared once, in `command` (also the --help text).
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CloudCronError } from '../functions/common/errors';
import { renderEmail } from '../functions/email/compose';
import { TEMPLATE_FILES, type TemplatePart, type TemplateSources } from '../functions/email/config';
import { compileTemplates } from '../functions/email/templates';
import { defineCommand, type Io, runCommand } from './args';
import { isFile, PreviewInputError, sampleContext, templateArgument } from './sample';

const T = 'T';
export const command = defineCommand({
  name: 'cloud-cron preview email',
  summary:
    'Renders the subject, HTML and text of an email exactly as the email function would, for a sample SNS message,\nand writes them to files.',
  flags: {
    message: {
      value: 'FILE',
      required: true,
      description: 'a Lambda SNS event (events/email-*.json), one SNS message, or any file (the message text)',
    },
    'subject-template': { value: T, description: 'SubjectTemplate: a file, or the template text itself' },
    'html-template': { value: T, description: 'HtmlTemplate: a file, or the template text itself' },
    'text-template': { value: T, description: 'TextTemplate: a file, or the template text itself' },
    templates: {
      value: 'DIR',
      description: 'a folder laid out like TemplatesS3Uri (subject.hbs, html.hbs, text.hbs); the flags above win',
    },
    subject: { value: 'S', description: 'the SNS subject (overrides the one in the message file)' },
    out: {
      value: 'DIR',
      description: 'where subject.txt, email.html and email.txt are written',
      default: 'out/email-preview',
    },
  },
  notes: [
    'T is read as a file when it names one; a value ending in .hbs, or holding a "/" and no "{{", must name a file.',
  ],
  examples: [
    "cloud-cron preview email --message events/email-json.json --subject-template '[{{attributes.severity}}] {{message.job}}'",
    'cloud-cron preview email --message events/email-json.json --templates examples/templates/email',
  ],
});

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
    if (value !== undefined) sources[part] = templateArgument(value, `--${part}-template`);
  }
  return sources;
}

export function run(argv: string[], io?: Io): Promise<number> {
  return runCommand(
    command,
    argv,
    ({ flags }, { out, err }) => {
      try {
        if (!isFile(flags.message)) throw new PreviewInputError(`--message ${flags.message} is not a file`);
        const context = sampleContext(readFileSync(flags.message, 'utf8'), flags.subject);
        const sources = templateSources(flags);
        const email = renderEmail(compileTemplates(sources), context);
        const dir = resolve(flags.out);
        mkdirSync(dir, { recursive: true });
        const files = {
          subject: join(dir, 'subject.txt'),
          html: join(dir, 'email.html'),
          text: join(dir, 'email.txt'),
        };
        writeFileSync(files.subject, `${email.subject}\n`);
        writeFileSync(files.html, email.html);
        writeFileSync(files.text, email.text);
        const used = (part: TemplatePart) => sources[part]?.name ?? 'default rendering';
        out(
          [
            `Subject: ${email.subject}`,
            `  subject  ${files.subject}  (${used('subject')})`,
            `  html     ${files.html}  (${used('html')})`,
            `  text     ${files.text}  (${sources.text ? used('text') : sources.html ? 'derived from the HTML' : 'default rendering'})`,
          ].join('\n'),
        );
        return 0;
      } catch (e) {
        if (!(e instanceof CloudCronError)) throw e;
        err(`cloud-cron preview email: ${e.message}`);
        return 1;
      }
    },
    io,
  );
}
