/**
 * Sample input shared by the preview commands: a file holding a Lambda SNS event, one SNS message, or the
 * message text itself, turned into the template context every channel renders.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { SNSMessage } from 'aws-lambda';
import { contextFromSns, type TemplateContext } from '../functions/common/context';
import { CloudCronError } from '../functions/common/errors';

/** A preview input that cannot be used (a file that does not exist, a folder that is not one). */
export class PreviewInputError extends CloudCronError {
  override name = 'PreviewInputError';
}

type SnsLike = Partial<Pick<SNSMessage, 'Message' | 'MessageId' | 'TopicArn' | 'Timestamp' | 'MessageAttributes'>> & {
  Subject?: string | null;
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}

/** A value that can only be meant as a file name: it ends in .hbs, or holds a "/" and no "{{". */
export function looksLikePath(value: string): boolean {
  return /\.hbs$/i.test(value.trim()) || (value.includes('/') && !value.includes('{{'));
}

/**
 * A `--*-template` argument: the file it names, or else the template text itself. A value that looks like a path
 * but names no file is an error, never template text (a typo would otherwise be sent as the body).
 */
export function templateArgument(value: string, flag: string): { source: string; name: string } {
  if (isFile(value)) return { source: readFileSync(value, 'utf8'), name: value };
  if (looksLikePath(value)) {
    throw new PreviewInputError(
      `${flag} ${value}: no such file (a value ending in .hbs, or with a "/" and no "{{", is read as a file name; give the template text in quotes to use it as is)`,
    );
  }
  return { source: value, name: flag };
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
