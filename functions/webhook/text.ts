/**
 * Text helpers shared by the presets: cutting to a vendor's limit with a visible marker, one-line titles, the
 * message's fields, and severities.
 */
import type { TemplateContext } from '../common/context';
import { defaultText, headerSafe, topicName } from '../common/render';

/** Cuts `text` to at most `max` characters (code points are never split), ending with "…" when cut. */
export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

/** The title of a notification: the SNS subject, else "Notification from <topic>". One line. */
export function title(context: TemplateContext): string {
  return headerSafe(context.subject) || `Notification from ${topicName(context.topicArn)}`;
}

/** The message as readable text: text as it is, a JSON object as aligned "name  value" lines. */
export function bodyText(context: TemplateContext): string {
  return defaultText(context, { footer: false }).trim();
}

export type Field = { name: string; value: string };

/** A JSON object message as name/value pairs (nested values as compact JSON); undefined for a text message. */
export function fields(context: TemplateContext): Field[] | undefined {
  const { message } = context;
  if (typeof message === 'string') return undefined;
  return Object.entries(message).map(([name, v]) => ({
    name,
    value: v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v),
  }));
}

export const SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

const ALIASES: Record<string, Severity> = {
  critical: 'critical',
  crit: 'critical',
  fatal: 'critical',
  emergency: 'critical',
  alert: 'critical',
  p1: 'critical',
  sev1: 'critical',
  error: 'error',
  err: 'error',
  high: 'error',
  failure: 'error',
  failed: 'error',
  p2: 'error',
  sev2: 'error',
  warning: 'warning',
  warn: 'warning',
  medium: 'warning',
  p3: 'warning',
  sev3: 'warning',
  info: 'info',
  information: 'info',
  notice: 'info',
  low: 'info',
  ok: 'info',
  success: 'info',
  debug: 'info',
  p4: 'info',
  p5: 'info',
  sev4: 'info',
};

/**
 * The severity of a message: its `attribute` message attribute (or, for a JSON message, the field of the same
 * name), mapped to critical | error | warning | info with the usual aliases; `fallback` when absent or unknown.
 */
export function severityOf(context: TemplateContext, attribute: string, fallback: Severity): Severity {
  const fromMessage = typeof context.message === 'object' ? context.message[attribute] : undefined;
  const raw = context.attributes[attribute] ?? (typeof fromMessage === 'string' ? fromMessage : undefined);
  return (raw && ALIASES[raw.trim().toLowerCase()]) || fallback;
}

/** "sent by Cloud Cron from topic X at T" */
export function footer(context: TemplateContext): string {
  const parts = [`topic ${topicName(context.topicArn)}`];
  if (context.timestamp) parts.push(`at ${context.timestamp}`);
  return `Cloud Cron, ${parts.join(' ')}`;
}
