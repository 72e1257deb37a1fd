/**
 * Renders one email (subject, HTML part, text part) from the templates and the message's context.
 *
 * - Subject: SubjectTemplate rendered without HTML escaping, then stripped of CR/LF/NUL and other control
 *   characters; when none is given (or it renders empty): the SNS subject, else "Notification from <topic>".
 * - HTML: HtmlTemplate (values HTML-escaped); without it, the text template's output in a pre-wrapped block, or
 *   a readable default (text as text, a JSON object as a table of its fields).
 * - Text: TextTemplate (not escaped); without it, text derived from the HTML template, or the default rendering.
 *   Every email has a text part.
 * - Each part is cut at MAX_RENDERED_CHARS with a visible marker; a JSON message is kept to MAX_MESSAGE_DEPTH
 *   levels (common/context.ts), so a small, deeply nested message cannot render a huge email.
 */
import type * as HtmlToText from 'html-to-text';
import type { TemplateContext } from '../common/context';
import { capRendered, defaultHtml, defaultSubject, defaultText, escapeHtml, headerSafe } from '../common/render';
import type { CompiledTemplates } from './templates';

export type RenderedEmail = { subject: string; html: string; text: string };

let convert: typeof HtmlToText.convert | undefined;

/**
 * Plain text from HTML: links kept as "text [url]", images dropped, lines wrapped at 100 characters.
 * html-to-text is loaded at first use: only an HtmlTemplate without a TextTemplate needs it, so the default
 * configuration does not pay for it at cold start (docs/benchmarks.md).
 */
export function htmlToText(html: string): string {
  convert ??= (require('html-to-text') as typeof HtmlToText).convert;
  return convert(html, {
    wordwrap: 100,
    selectors: [
      { selector: 'img', format: 'skip' },
      { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
    ],
  });
}

export function renderEmail(templates: CompiledTemplates, context: TemplateContext): RenderedEmail {
  const subject = (templates.subject && headerSafe(templates.subject(context))) || defaultSubject(context);
  const text = templates.text?.(context);
  let html: string;
  if (templates.html) html = templates.html(context);
  else if (text !== undefined) {
    html = `<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head><body><pre style="white-space:pre-wrap;font-family:inherit">${escapeHtml(text)}</pre></body></html>\n`;
  } else html = defaultHtml(context);
  // A template looping over the message could multiply it without bound: each part is cut, with a marker.
  const cappedHtml = capRendered(html).text;
  return {
    subject,
    html: cappedHtml,
    text: capRendered(text ?? (templates.html ? htmlToText(cappedHtml) : defaultText(context))).text,
  };
}
