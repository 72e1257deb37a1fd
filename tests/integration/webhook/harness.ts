/**
 * Shared set-up for the webhook integration tests: the environment template-webhook.yaml gives the function,
 * secrets and the idempotency table in moto as the template defines them, and SNS events from events/.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SNSEvent } from 'aws-lambda';
import { buildAll } from '../../../tooling/build';
import { readTemplate } from '../../../tooling/cfn';
import { createIdempotencyTable } from '../../../tooling/idempotency-table';
import type { Moto } from '../../../tooling/moto';
import { EVENTS, ROOT } from '../../../tooling/paths';
import { functionEnvironment } from '../../../tooling/template-env';

export const template = readTemplate('template-webhook.yaml');

export async function buildWebhook(): Promise<void> {
  await buildAll(ROOT, ['webhook']);
}

export function webhookEnv(
  moto: Moto,
  params: Record<string, string>,
  table: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    ...moto.env,
    AWS_LAMBDA_FUNCTION_NAME: 'cloud-cron-webhook-test',
    ...functionEnvironment(template, 'WebhookFunction', {
      parameters: { SnsTopicArn: 'arn:aws:sns:us-east-1:123456789012:cloud-cron-alerts', ...params },
      resources: { IdempotencyTable: table },
    }),
    ...extra,
  };
}

export async function createSecret(moto: Moto, name: string, value: unknown): Promise<string> {
  const out = await new SecretsManagerClient(moto.client).send(
    new CreateSecretCommand({ Name: name, SecretString: typeof value === 'string' ? value : JSON.stringify(value) }),
  );
  return out.ARN as string;
}

export async function createTable(moto: Moto, name: string): Promise<string> {
  return createIdempotencyTable(new DynamoDBClient(moto.client), name, template);
}

export function snsEvent(
  file: string,
  overrides: { messageId?: string; message?: string; subject?: string } = {},
): SNSEvent {
  const event = JSON.parse(readFileSync(join(EVENTS, file), 'utf8')) as SNSEvent;
  const sns = event.Records[0].Sns;
  if (overrides.messageId) sns.MessageId = overrides.messageId;
  if (overrides.message !== undefined) sns.Message = overrides.message;
  if (overrides.subject !== undefined) sns.Subject = overrides.subject;
  return event;
}

export function logLines(logs: string): Record<string, unknown>[] {
  return logs
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
