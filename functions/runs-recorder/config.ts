/**
 * The recorder's configuration, read once at init from the environment template-runs.yaml sets. Every failure
 * names the variable and the template parameter behind it.
 */
import { intEnv, requiredEnv } from '../common/config';
import { ConfigurationError } from '../common/errors';
import type { RecorderSettings } from '../common/runs/records';

type Env = Record<string, string | undefined>;

export type RecorderConfig = RecorderSettings & { tableName: string; busName: string; deadLetterQueueUrl: string };

export function loadConfig(env: Env = process.env): RecorderConfig {
  const retentionDays = intEnv('RETENTION_DAYS', 90, env);
  if (retentionDays < 1 || retentionDays > 3650) {
    throw new ConfigurationError(`RETENTION_DAYS (parameter RetentionDays) must be 1-3650, got ${retentionDays}`);
  }
  const errorMessages = (env.ERROR_MESSAGES ?? 'scrubbed').trim();
  if (errorMessages !== 'scrubbed' && errorMessages !== 'none') {
    throw new ConfigurationError(
      `ERROR_MESSAGES (parameter ErrorMessages) must be "scrubbed" or "none", got "${errorMessages}"`,
    );
  }
  return {
    tableName: requiredEnv('RUNS_TABLE_NAME', env),
    busName: requiredEnv('RUNS_BUS_NAME', env),
    deadLetterQueueUrl: requiredEnv('DEAD_LETTER_QUEUE_URL', env),
    retentionDays,
    errorMessages,
  };
}
