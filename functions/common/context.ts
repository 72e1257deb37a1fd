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

/** Parses the message as a JSON object when it is one; any other text (or JSON that is not an object) stays text. */
export function parseMessage(text: string): string | Record<string, unknown> {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) return text;
  try {
    const value: unknown = JSON.parse(trimmed);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : text;
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
