/**
 * The `generic` preset: a JSON body of the operator's, a Handlebars template (BodyTemplate) rendered with JSON
 * escaping, so a value can never break out of the string it is placed in:
 *
 *   {"text": "{{subject}}: {{message.status}}", "host": "{{message.host}}", "details": {{json message}}}
 *
 * Every string of the context is escaped as the inside of a JSON string (quotes, backslashes, control
 * characters, U+2028/2029); numbers and booleans stay as they are; `{{json x}}` writes any value as JSON (quotes
 * included). The result must parse as JSON, or the message fails permanently with the reason (and the template is
 * compiled at init, so a template with a syntax error fails the first invocation, not every message). Without a
 * template the body is the whole context as JSON.
 */
import type { TemplateContext } from '../../common/context';
import { compileTemplate, TemplateError } from '../../common/render';
import { JSON_HEADERS, type RenderedRequest } from './types';

/** A JSON string's inside: JSON.stringify without its quotes, plus U+2028/2029 (valid JSON, but not in JS). */
export function jsonEscape(text: string): string {
  return JSON.stringify(text)
    .slice(1, -1)
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

const originals = new WeakMap<object, unknown>();

/** The context with every string JSON-escaped; each escaped object remembers its original for `{{json}}`. */
function escaped(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return jsonEscape(value);
  if (!value || typeof value !== 'object' || depth > 64) return value;
  const out: Record<string, unknown> | unknown[] = Array.isArray(value)
    ? value.map((v) => escaped(v, depth + 1))
    : Object.fromEntries(Object.entries(value).map(([k, v]) => [k, escaped(v, depth + 1)]));
  originals.set(out, value);
  return out;
}

/** `{{json x}}`: x as JSON, quotes included (x is a value of the escaped context). */
function json(value: unknown): string {
  if (typeof value === 'string') return `"${value}"`;
  if (value && typeof value === 'object') return JSON.stringify(originals.get(value) ?? value);
  return JSON.stringify(value ?? null);
}

export type GenericRenderer = (context: TemplateContext) => RenderedRequest;

const NAME = 'BodyTemplate (BODY_TEMPLATE)';

/** The default body: the context itself. */
function defaultBody(context: TemplateContext): string {
  const { subject, message, attributes, topicArn, messageId, timestamp } = context;
  return JSON.stringify({ subject, message, attributes, topicArn, messageId, timestamp });
}

/**
 * In a JSON template, `{{json message}}}` (an expression closing an object) is read by Handlebars as the end of a
 * triple-stash and refused: a space is put between the expression and the brace (harmless in JSON).
 */
export function separateClosingBraces(source: string): string {
  return source.replace(/(?<!\{)(\{\{(?!\{)[^{}]*\}\})(?=\})/g, '$1 ');
}

export function createGenericRenderer(source: string | undefined): GenericRenderer {
  if (source === undefined) return (context) => ({ body: defaultBody(context), headers: { ...JSON_HEADERS } });
  const render = compileTemplate(separateClosingBraces(source), { name: NAME, escape: false, helpers: { json } });
  return (context) => {
    const body = render(escaped(context) as TemplateContext);
    try {
      JSON.parse(body);
    } catch (e) {
      // The rendered body may hold message data: only the parser's position is reported.
      const where = /position \d+|line \d+ column \d+/.exec((e as Error).message)?.[0];
      throw new TemplateError(
        NAME,
        `it does not render valid JSON${where ? ` (error at ${where})` : ''}: put text values in quotes ("{{subject}}") and other values through {{json ...}}`,
      );
    }
    return { body, headers: { ...JSON_HEADERS } };
  };
}
