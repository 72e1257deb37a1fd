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

/** At least one character a person can see: letters, digits, punctuation, symbols (emoji). */
const VISIBLE = /[\p{L}\p{N}\p{P}\p{S}]/u;

/**
 * Renders, trims and fits a body. A body with nothing visible (empty, or only spaces and zero-width or format
 * characters such as U+200B and U+FEFF) is an error: Twilio would refuse an empty one (21602), and an invisible
 * one would be sent and billed as a blank text.
 */
export function renderBody(render: Render, context: TemplateContext, limit = MAX_BODY_LENGTH): SmsBody {
  const text = render(context).trim();
  if (!VISIBLE.test(text)) {
    throw new EmptyMessageError(
      `SNS message ${context.messageId} renders to an empty (or invisible) SMS body: check the MessageTemplate parameter or the message`,
    );
  }
  const fitted = fitBody(text, limit);
  return { ...fitted, ...segmentInfo(fitted.body) };
}
