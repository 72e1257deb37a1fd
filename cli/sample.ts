/**
 * Sample input shared by the preview commands: a file holding a Lambda SNS event, one SNS message, or the
 * message text itself, turned into the template context every channel renders.
 */
import { existsSync, statSync } from 'node:fs';
import type { SNSMessage } from 'aws-lambda';
import { contextFromSns, type TemplateContext } from '../functions/common/context';

type SnsLike = Partial<Pick<SNSMessage, 'Message' | 'MessageId' | 'TopicArn' | 'Timestamp' | 'MessageAttributes'>> & {
  Subject?: string | null;
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}

/** The template context for a sample file's text; `subject` overrides the sample's own. */
export function sampleContext(text: string, subject?: string): TemplateContext {
  let sns: SnsLike = { Message: text };
  try {
    const parsed: unknown = JSON.parse(text);
    const records = isObject(parsed) && Array.isArray(parsed.Records) ? parsed.Records : undefined;
    if (records && isObject(records[0]) && isObject(records[0].Sns)) sns = records[0].Sns as SnsLike;
    else if (isObject(parsed) && typeof parsed.Message === 'string') sns = parsed as SnsLike;
  } catch {
    // not JSON: the file is the message text
  }
  return contextFromSns({
    Message: sns.Message ?? '',
    Subject: subject ?? sns.Subject ?? null,
    MessageId: sns.MessageId ?? '00000000-0000-0000-0000-000000000000',
    TopicArn: sns.TopicArn ?? 'arn:aws:sns:us-east-1:123456789012:preview',
    Timestamp: sns.Timestamp ?? new Date().toISOString(),
    MessageAttributes: sns.MessageAttributes ?? {},
  });
}
