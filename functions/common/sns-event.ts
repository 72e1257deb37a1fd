/**
 * The one event reader of every channel: an SNS event as Lambda hands it to a subscribed function, checked
 * strictly, so that anything else fails loudly (and so lands in the dead-letter queue with the reason) instead of
 * "succeeding" with nothing sent.
 *
 * Refused, with the missing field named: `{}`, `{"Records": []}`, an EventBridge event, an SQS message or a pasted
 * `aws sqs receive-message` body, and any record without an SNS message id, topic ARN or message. A record
 * without a message id must never reach the idempotency store (records would share one key).
 * The error never quotes the message itself (it may hold personal data).
 */
import type { SNSEvent } from 'aws-lambda';
import { contextFromSns, type TemplateContext } from './context';
import { CloudCronError } from './errors';

/** The event is not an SNS notification for this function. Permanent: it ends in the dead-letter queue. */
export class InvalidEventError extends CloudCronError {
  override name = 'InvalidEventError';
  readonly kind = 'message' as const;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$/;

/** What the event looks like instead, to make the error say what was received. */
function looksLike(event: Record<string, unknown>): string {
  if ('detail-type' in event && 'source' in event) return ' (it looks like an EventBridge event)';
  if (Array.isArray(event.Messages)) return ' (it looks like an `aws sqs receive-message` answer)';
  if ('Message' in event && 'TopicArn' in event) return ' (it looks like one SNS message without its Lambda envelope)';
  return '';
}

const HINT = 'only an SNS subscription may invoke this function (events/*.json show the shape)';

/** The template context of every record; throws InvalidEventError naming the first missing or malformed field. */
export function readSnsEvent(event: unknown): TemplateContext[] {
  if (!isObject(event)) throw new InvalidEventError(`the event is not an SNS event (not a JSON object): ${HINT}`);
  const records = event.Records;
  if (!Array.isArray(records)) {
    throw new InvalidEventError(`the event is not an SNS event: field Records is missing${looksLike(event)}; ${HINT}`);
  }
  if (records.length === 0) throw new InvalidEventError(`the event is not an SNS event: Records is empty; ${HINT}`);
  return records.map((record, i) => {
    const at = `Records[${i}]`;
    if (!isObject(record)) throw new InvalidEventError(`${at} is not an object; ${HINT}`);
    if (record.EventSource !== 'aws:sns') {
      const source = typeof record.eventSource === 'string' ? ` (eventSource ${record.eventSource})` : '';
      throw new InvalidEventError(`${at}.EventSource must be "aws:sns"${source}; ${HINT}`);
    }
    const sns = record.Sns;
    if (!isObject(sns)) throw new InvalidEventError(`${at}.Sns is missing; ${HINT}`);
    const field = (name: string) => `${at}.Sns.${name}`;
    if (typeof sns.MessageId !== 'string' || !sns.MessageId.trim()) {
      throw new InvalidEventError(`${field('MessageId')} is missing or empty; ${HINT}`);
    }
    if (typeof sns.TopicArn !== 'string' || !ARN.test(sns.TopicArn)) {
      throw new InvalidEventError(`${field('TopicArn')} is missing or not an SNS topic ARN; ${HINT}`);
    }
    if (typeof sns.Message !== 'string') throw new InvalidEventError(`${field('Message')} is missing; ${HINT}`);
    if (sns.Subject !== undefined && sns.Subject !== null && typeof sns.Subject !== 'string') {
      throw new InvalidEventError(`${field('Subject')} must be a string or null`);
    }
    if (sns.MessageAttributes !== undefined && sns.MessageAttributes !== null && !isObject(sns.MessageAttributes)) {
      throw new InvalidEventError(`${field('MessageAttributes')} must be an object`);
    }
    const s = sns as unknown as SNSEvent['Records'][number]['Sns'];
    return contextFromSns({
      Message: s.Message,
      MessageId: s.MessageId,
      TopicArn: s.TopicArn,
      Timestamp: typeof s.Timestamp === 'string' ? s.Timestamp : '',
      Subject: s.Subject ?? null,
      MessageAttributes: s.MessageAttributes ?? {},
    });
  });
}
