/**
 * Turns one SNS message into an SMS body: the operator's Handlebars template (compiled once, without HTML escaping)
 * or the built-in default, then cut to Twilio's limit.
 */
import type { TemplateContext } from '../common/context';
import { compileTemplate, defaultText, headerSafe, type Render } from '../common/render';
import { fitBody, MAX_BODY_LENGTH, type SegmentInfo, segmentInfo } from './encoding';
import { EmptyMessageError } from './errors';

/**
 * The default body: the subject on its own line (when there is one), then the message: text as it is, a JSON
 * object as "name  value" lines.
 */
export function defaultSmsText(context: TemplateContext): string {
  const subject = headerSafe(context.subject);
  const text = defaultText(context, { footer: false }).trim();
  return subject ? `${subject}\n${text}` : text;
}

/** Compiles the MessageTemplate parameter (MESSAGE_TEMPLATE) once; without one, the default rendering. */
export function createRenderer(source: string | undefined): Render {
  if (source === undefined) return defaultSmsText;
  return compileTemplate(source, { name: 'MessageTemplate', escape: false });
}

export type SmsBody = SegmentInfo & { body: string; truncated: boolean; originalLength: number };

/** Renders, trims and fits a body; an empty result is an error (Twilio would refuse it with 21602). */
export function renderBody(render: Render, context: TemplateContext, limit = MAX_BODY_LENGTH): SmsBody {
  const text = render(context).trim();
  if (!text) {
    throw new EmptyMessageError(
      `SNS message ${context.messageId} renders to an empty SMS body: check the MessageTemplate parameter or the message`,
    );
  }
  const fitted = fitBody(text, limit);
  return { ...fitted, ...segmentInfo(fitted.body) };
}
