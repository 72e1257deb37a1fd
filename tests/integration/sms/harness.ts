/**
 * Shared set-up for the SMS integration tests: the environment template-sms.yaml gives the function (parameters
 * and resource names substituted), the secret and the idempotency table in moto as the template defines them,
 * and SNS events from events/.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SNSEvent } from 'aws-lambda';
import { buildAll } from '../../../tooling/build';
import { readTemplate } from '../../../tooling/cfn';
import { createIdempotencyTable as createTableAsDeclared } from '../../../tooling/idempotency-table';
import type { Moto } from '../../../tooling/moto';
import { DIST, EVENTS, ROOT } from '../../../tooling/paths';
import { functionEnvironment } from '../../../tooling/template-env';

export const ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`;
export const AUTH_TOKEN = 'test-auth-token-0f1e2d3c4b5a69788796a5b4c3d2e1f0';
export const API_KEY_SID = `SK${'fedcba9876543210'.repeat(2)}`;
export const API_KEY_SECRET = 'test-api-key-secret-9a8b7c6d5e4f';

const template = readTemplate('template-sms.yaml');

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((f) => newestMtime(join(path, f))));
}

/**
 * Builds dist/sms once for all SMS integration test files. buildAll empties dist/sms before building, so two test
 * files building at once (Jest runs files in parallel) could make one of them invoke a missing or half-written
 * bundle: a lock serialises the builds, and a bundle newer than its sources is not rebuilt.
 */
export async function buildSms(): Promise<void> {
  const lock = join(tmpdir(), 'cloud-cron-sms-build.lock');
  const deadline = Date.now() + 120000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`could not take the build lock ${lock}`);
      const held = statSync(lock, { throwIfNoEntry: false });
      if (held && Date.now() - held.mtimeMs > 120000) rmSync(lock, { recursive: true, force: true }); // left by a killed run
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    const bundle = join(DIST, 'sms', 'index.js');
    const sources = ['functions/sms', 'functions/common', 'template-sms.yaml', 'package-lock.json'].map((p) =>
      join(ROOT, p),
    );
    const fresh =
      existsSync(bundle) && statSync(bundle).mtimeMs > Math.max(...sources.filter(existsSync).map(newestMtime));
    if (!fresh) await buildAll(ROOT, ['sms']);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** The function's environment exactly as template-sms.yaml sets it, Refs to parameters and resources resolved. */
export function templateEnv(params: Record<string, string>, resources: Record<string, string>): Record<string, string> {
  return functionEnvironment(template, 'SmsFunction', { parameters: params, resources });
}

export async function createTwilioSecret(moto: Moto, name: string, value: unknown): Promise<string> {
  const client = new SecretsManagerClient(moto.client);
  const out = await client.send(
    new CreateSecretCommand({ Name: name, SecretString: typeof value === 'string' ? value : JSON.stringify(value) }),
  );
  return out.ARN as string;
}

/** The idempotency table, with the key schema the template declares. */
export async function createIdempotencyTable(moto: Moto, name: string): Promise<void> {
  await createTableAsDeclared(dynamo(moto), name, template);
}

export async function idempotencyRecords(moto: Moto, table: string): Promise<Record<string, unknown>[]> {
  const out = await dynamo(moto).send(new ScanCommand({ TableName: table }));
  return (out.Items ?? []) as Record<string, unknown>[];
}

function dynamo(moto: Moto): DynamoDBClient {
  return new DynamoDBClient(moto.client);
}

/** An event from events/, optionally with another SNS MessageId (a different message) or message text. */
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

/** Powertools Logger lines (JSON) from a bundle's output. */
export function logLines(logs: string): Record<string, unknown>[] {
  return logs
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
