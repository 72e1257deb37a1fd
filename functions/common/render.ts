/**
 * Handlebars rendering shared by the notification channels.
 *
 * - One isolated Handlebars instance (`Handlebars.create()`), so helpers registered here never leak into, or
 *   depend on, the global instance.
 * - `compileTemplate` parses eagerly (Handlebars compiles lazily, which would hide a syntax error until the first
 *   message) and wraps every failure in a TemplateError that names the template.
 * - HTML is escaped by default; subjects, text parts and SMS bodies are compiled with `escape: false`.
 * - Only operator-supplied templates (parameters, S3) are compiled; a template inside a message never is.
 * - `defaultText`/`defaultHtml`/`defaultSubject` give a readable rendering of any context when no template is set.
 */
import type HandlebarsModule from 'handlebars';
import type { TemplateContext } from './context';
import { CloudCronError } from './errors';

/** A template that does not compile, or fails while rendering. Permanent: retrying cannot fix it. */
export class TemplateError extends CloudCronError {
  // Named explicitly (see CloudCronError): bundles are minified, which renames classes.
  override name = 'TemplateError';
  readonly kind = 'message' as const;
  readonly templateName: string;
  constructor(templateName: string, detail: string, options?: { cause?: unknown }) {
    super(`template ${templateName} is invalid: ${detail}`, options);
    this.templateName = templateName;
  }
}

export type Render = (context: TemplateContext) => string;

let instance: typeof HandlebarsModule | undefined;

/**
 * The Handlebars instance, loaded at the first compile: functions without templates (the default rendering)
 * never load Handlebars, which saves its share of their cold start (docs/benchmarks.md).
 */
function handlebars(): typeof HandlebarsModule {
  if (!instance) {
    instance = (require('handlebars') as typeof HandlebarsModule).create();
    /** `{{json message}}`: a value as indented JSON (escaped like any value in an HTML template). */
    instance.registerHelper('json', (value: unknown) => JSON.stringify(value, null, 2) ?? '');
  }
  return instance;
}

/** A one-line reason; Handlebars parse errors keep the line, the text near the error and what was found. */
function reason(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const parse = /^Parse error on line (\d+):\n(.*)\n(-*)\^\n[\s\S]*?got '([^']*)'/.exec(text);
  if (parse) {
    const [, line, source, dashes, got] = parse;
    const near = source.slice(Math.max(0, dashes.length - 20), dashes.length + 20);
    return `parse error on line ${line} near "${near}": unexpected ${got}`;
  }
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * Compiles `source` once. `name` says where the template came from (a parameter name or an S3 URI) and
 * appears in every error. Missing fields render as empty strings (templates may name optional attributes).
 */
export function compileTemplate(
  source: string,
  options: { name: string; escape: boolean; helpers?: Record<string, (...args: never[]) => unknown> },
): Render {
  const { name } = options;
  try {
    handlebars().parse(source);
  } catch (e) {
    throw new TemplateError(name, `it does not compile: ${reason(e)}`, { cause: e });
  }
  let template: ReturnType<typeof HandlebarsModule.compile>;
  try {
    template = handlebars().compile(source, { noEscape: !options.escape });
  } catch (e) {
    throw new TemplateError(name, `it does not compile: ${reason(e)}`, { cause: e });
  }
  const runtime = options.helpers
    ? { helpers: options.helpers as Record<string, HandlebarsModule.HelperDelegate> }
    : {};
  return (context) => {
    try {
      return template(context, runtime);
    } catch (e) {
      throw new TemplateError(name, `rendering failed: ${reason(e)}`, { cause: e });
    }
  };
}

/**
 * What must never reach a subject or any one-line header: C0 and C1 control characters (CR, LF, NUL, ...), DEL,
 * the line and paragraph separators U+2028/2029, and the bidirectional overrides and isolates U+202A-202E and
 * U+2066-2069 (which make a subject read differently from what it says).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is removed
export const UNSAFE_IN_HEADER = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]+/g;

/** Removes what must never reach a header (UNSAFE_IN_HEADER); collapses whitespace. */
export function headerSafe(value: string): string {
  return value.replace(UNSAFE_IN_HEADER, ' ').replace(/\s+/g, ' ').trim();
}

/** The most characters one rendered part (an HTML or text body) may have; the rest is cut, with a marker. */
export const MAX_RENDERED_CHARS = 2_000_000;

/** Cuts a rendered part to `max` characters, ending with a visible marker saying so. */
export function capRendered(text: string, max = MAX_RENDERED_CHARS): { text: string; cut: boolean } {
  if (text.length <= max) return { text, cut: false };
  const marker = `\n\n[… cut by Cloud Cron: the rendered message was ${text.length} characters, more than ${max}]\n`;
  return { text: text.slice(0, Math.max(0, max - marker.length)) + marker, cut: true };
}

/** The topic's name, the last part of its ARN. */
export function topicName(topicArn: string): string {
  return topicArn.split(':').pop() || topicArn;
}

/** The default subject: the SNS subject, else "Notification from <topic name>". Header-safe. */
export function defaultSubject(context: TemplateContext): string {
  return headerSafe(context.subject) || headerSafe(`Notification from ${topicName(context.topicArn)}`);
}

type Field = { name: string; value: string; block: boolean };

function fieldValue(value: unknown): { value: string; block: boolean } {
  if (value === null || value === undefined) return { value: '', block: false };
  if (typeof value === 'string') return { value, block: value.includes('\n') };
  if (typeof value !== 'object') return { value: String(value), block: false };
  if (Array.isArray(value) && value.every((v) => v === null || typeof v !== 'object')) {
    return { value: value.map((v) => (v === null ? '' : String(v))).join(', '), block: false };
  }
  return { value: JSON.stringify(value, null, 2), block: true };
}

function fields(message: Record<string, unknown>): Field[] {
  return Object.entries(message).map(([name, value]) => ({ name, ...fieldValue(value) }));
}

function footerLine(context: TemplateContext): string {
  const parts = [`topic ${topicName(context.topicArn)}`];
  if (context.timestamp) parts.push(`at ${context.timestamp}`);
  if (context.messageId) parts.push(`message ${context.messageId}`);
  return `Sent by Cloud Cron from ${parts.join(', ')}.`;
}

/** A readable plain-text rendering: text messages as they are, JSON objects as aligned "name  value" lines. */
export function defaultText(context: TemplateContext, options: { footer?: boolean } = {}): string {
  const { message } = context;
  let body: string;
  if (typeof message === 'string') {
    body = message;
  } else {
    const rows = fields(message);
    const width = Math.max(0, ...rows.map((r) => r.name.length));
    body = rows
      .map((r) => {
        const [first, ...rest] = r.value.split('\n');
        const pad = ' '.repeat(width + 2);
        return [`${r.name.padEnd(width)}  ${first}`, ...rest.map((l) => pad + l)].join('\n').trimEnd();
      })
      .join('\n');
  }
  return options.footer === false ? body : `${body}\n\n-- \n${footerLine(context)}\n`;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** A readable HTML rendering: text in a pre-wrapped block, a JSON object as a two-column table. All escaped. */
export function defaultHtml(context: TemplateContext): string {
  const { message } = context;
  const cell = 'padding:4px 12px;border-bottom:1px solid #e5e5e5;vertical-align:top;text-align:left';
  let body: string;
  if (typeof message === 'string') {
    body = `<pre style="white-space:pre-wrap;font-family:inherit;margin:0">${escapeHtml(message)}</pre>`;
  } else {
    const rows = fields(message)
      .map((f) => {
        const value = f.block
          ? `<pre style="margin:0;white-space:pre-wrap">${escapeHtml(f.value)}</pre>`
          : escapeHtml(f.value);
        return `<tr><th style="${cell};font-weight:600">${escapeHtml(f.name)}</th><td style="${cell}">${value}</td></tr>`;
      })
      .join('\n');
    body = `<table style="border-collapse:collapse">\n${rows}\n</table>`;
  }
  const title = escapeHtml(defaultSubject(context));
  return [
    '<!DOCTYPE html>',
    `<html><head><meta charset="utf-8"><title>${title}</title></head>`,
    '<body style="font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;font-size:14px;color:#222">',
    body,
    `<p style="margin-top:24px;color:#888;font-size:12px">${escapeHtml(footerLine(context))}</p>`,
    '</body></html>',
    '',
  ].join('\n');
}
