/**
 * `cloud-cron preview sms`: renders an SMS body exactly as the SMS function would for a sample SNS message, and
 * prints it with its length, encoding (GSM-7 or UCS-2) and segment count, so template authors see what a
 * message costs before deploying. The flags are declared once, in `command` (also the --help text).
 */
import { readFileSync } from 'node:fs';
import type { TemplateContext } from '../functions/common/context';
import { CloudCronError } from '../functions/common/errors';
import { isGsm7, MAX_BODY_LENGTH } from '../functions/sms/encoding';
import { createRenderer, renderBody } from '../functions/sms/render';
import { defineCommand, type Io, runCommand } from './args';
import { isFile, PreviewInputError, sampleContext, templateArgument } from './sample';

export const command = defineCommand({
  name: 'cloud-cron preview sms',
  summary:
    'Renders an SMS body exactly as the SMS function would for a sample SNS message, and prints it with its length,\nencoding (GSM-7 or UCS-2) and segment count.',
  flags: {
    message: {
      value: 'FILE',
      required: true,
      description: 'a Lambda SNS event (events/sms-*.json), one SNS message, or any file (the message text)',
    },
    template: {
      value: 'T',
      description: "MessageTemplate: a file, or the template text itself (default: the function's rendering)",
    },
    subject: { value: 'S', description: 'the SNS subject (overrides the one in the message file)' },
  },
  notes: [
    'T is read as a file when it names one; a value ending in .hbs, or holding a "/" and no "{{", must name a file.',
  ],
  examples: [
    'cloud-cron preview sms --message events/sms-json.json',
    "cloud-cron preview sms --message events/sms-text.json --template '[{{attributes.severity}}] {{subject}}: {{rawMessage}}'",
  ],
});

/** The distinct characters that GSM-7 cannot carry (why a body is UCS-2). */
export function nonGsmCharacters(text: string): string[] {
  return [...new Set([...text].filter((c) => !isGsm7(c)))];
}

/** The report printed for a body: the text between rulers, then its figures. */
export function previewReport(context: TemplateContext, template: string | undefined): string {
  const body = renderBody(createRenderer(template), context);
  const lines = ['----- SMS body -----', body.body, '--------------------'];
  lines.push(
    `length:   ${body.characters} characters (${body.body.length} UTF-16 code units; Twilio allows ${MAX_BODY_LENGTH})`,
  );
  if (body.encoding === 'GSM-7') {
    lines.push(`encoding: GSM-7 (${body.units} septets)`);
  } else {
    const culprits = nonGsmCharacters(body.body)
      .slice(0, 10)
      .map((c) => JSON.stringify(c));
    lines.push(`encoding: UCS-2 (${body.units} code units), because of ${culprits.join(' ')}`);
  }
  lines.push(
    `segments: ${body.segments} (up to ${body.perSegment} ${body.encoding === 'GSM-7' ? 'septets' : 'code units'} each)`,
  );
  if (body.truncated) {
    lines.push(
      `warning:  the rendered text is ${body.originalLength} code units; it was cut to fit, as the function will cut it`,
    );
  }
  return lines.join('\n');
}

export function run(argv: string[], io?: Io): Promise<number> {
  return runCommand(
    command,
    argv,
    ({ flags }, { out, err }) => {
      try {
        if (!isFile(flags.message)) throw new PreviewInputError(`--message ${flags.message} is not a file`);
        const context = sampleContext(readFileSync(flags.message, 'utf8'), flags.subject);
        const template =
          flags.template === undefined ? undefined : templateArgument(flags.template, '--template').source;
        out(previewReport(context, template));
        return 0;
      } catch (e) {
        if (!(e instanceof CloudCronError)) throw e;
        err(`cloud-cron preview sms: ${e.message}`);
        return 1;
      }
    },
    io,
  );
}
