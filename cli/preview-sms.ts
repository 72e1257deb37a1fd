/**
 * `cloud-cron preview sms`: renders an SMS body exactly as the SMS function would for a sample SNS message, and
 * prints it with its length, encoding (GSM-7 or UCS-2) and segment count, so template authors see what a
 * message costs before deploying.
 *
 *   cloud-cron preview sms --message <file> [--template T] [--subject S]
 *
 * --message   a Lambda SNS event (events/sms-*.json), one SNS message ({"Message": ..., "Subject": ...}), or any
 *             other file, taken as the message text itself
 * --template  a template file, or (when no such file exists) the template text itself, as in MessageTemplate;
 *             without it, the function's default rendering
 * --subject   the SNS subject (overrides the one in the message file)
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { TemplateContext } from '../functions/common/context';
import { CloudCronError } from '../functions/common/errors';
import { isGsm7, MAX_BODY_LENGTH } from '../functions/sms/encoding';
import { createRenderer, renderBody } from '../functions/sms/render';
import { isFile, sampleContext } from './sample';

const USAGE = `usage: cloud-cron preview sms --message <file> [--template T] [--subject S]
  T is a template file, or the template text itself when no such file exists.`;

class PreviewInputError extends CloudCronError {
  name = 'PreviewInputError';
}

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

export async function run(argv: string[]): Promise<number> {
  let values: { message?: string; template?: string; subject?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        message: { type: 'string' },
        template: { type: 'string' },
        subject: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    console.error(`cloud-cron preview sms: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!values.message) {
    console.error(`cloud-cron preview sms: --message <file> is required\n${USAGE}`);
    return 2;
  }
  try {
    if (!isFile(values.message)) throw new PreviewInputError(`--message ${values.message} is not a file`);
    const context = sampleContext(readFileSync(values.message, 'utf8'), values.subject);
    const template =
      values.template === undefined
        ? undefined
        : isFile(values.template)
          ? readFileSync(values.template, 'utf8')
          : values.template;
    console.log(previewReport(context, template));
    return 0;
  } catch (e) {
    if (e instanceof CloudCronError) {
      console.error(`cloud-cron preview sms: ${e.message}`);
      return 1;
    }
    throw e;
  }
}
