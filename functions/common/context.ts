/**
 * The template context every notification channel renders, built from one SNS record.
 *
 *   {{subject}}          the SNS subject, or '' when none was given
 *   {{message}}          the message parsed as JSON when it is a JSON object, otherwise its text
 *   {{attributes.NAME}}  message attributes (String and Number values as text; Binary omitted)
 *   {{topicArn}} {{messageId}} {{timestamp}}
 */
import type { SNSEventRecord, SNSMessage } from 'aws-lambda';

export type TemplateContext = {
  subject: string;
  message: string | Record<string, unknown>;
  /** The raw message text, whatever its shape. */
  rawMessage: string;
  attributes: Record<string, string>;
  topicArn: string;
  messageId: string;
  timestamp: string;
};

/**
 * How deep a JSON message is kept: deeper values are replaced by a marker. A 6 KB message nested 3,000 levels deep
 * would otherwise render (indented) to tens of megabytes, and deeper ones overflow the stack of every renderer.
 */
export const MAX_MESSAGE_DEPTH = 16;
export const DEPTH_MARKER = `[… cut by Cloud Cron: nested deeper than ${MAX_MESSAGE_DEPTH} levels]`;

/** `value` with everything below `depth` levels replaced by DEPTH_MARKER. Iterates at most `depth` deep. */
export function limitDepth(value: unknown, depth = MAX_MESSAGE_DEPTH): unknown {
  if (!value || typeof value !== 'object') return value;
  if (depth <= 0) return DEPTH_MARKER;
  if (Array.isArray(value)) return value.map((v) => limitDepth(v, depth - 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = limitDepth(v, depth - 1);
  return out;
}

/**
 * Parses the message as a JSON object when it is one (cut at MAX_MESSAGE_DEPTH levels); any other text (or JSON
 * that is not an object) stays text.
 */
export function parseMessage(text: string): string | Record<string, unknown> {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) return text;
  try {
    const value: unknown = JSON.parse(trimmed);
    if (!value || typeof value !== 'object' || Array.isArray(value)) return text;
    return limitDepth(value, MAX_MESSAGE_DEPTH + 1) as Record<string, unknown>;
  } catch {
    return text;
  }
}

export function contextFromSns(
  sns: Pick<SNSMessage, 'Message' | 'MessageId' | 'TopicArn' | 'Timestamp'> & {
    Subject?: string | null;
    MessageAttributes?: SNSMessage['MessageAttributes'];
  },
): TemplateContext {
  const attributes: Record<string, string> = {};
  for (const [name, attr] of Object.entries(sns.MessageAttributes ?? {})) {
    if (attr && attr.Type !== 'Binary' && typeof attr.Value === 'string') attributes[name] = attr.Value;
  }
  return {
    subject: sns.Subject ?? '',
    message: parseMessage(sns.Message ?? ''),
    rawMessage: sns.Message ?? '',
    attributes,
    topicArn: sns.TopicArn,
    messageId: sns.MessageId,
    timestamp: sns.Timestamp,
  };
}

export function contextFromRecord(record: SNSEventRecord): TemplateContext {
  return contextFromSns(record.Sns);
}
