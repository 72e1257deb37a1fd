/**
 * The watchdog's configuration, read once at init from the environment template-runs.yaml sets.
 */
import { intEnv, requiredEnv } from '../common/config';
import { ConfigurationError } from '../common/errors';

type Env = Record<string, string | undefined>;

export type WatchdogConfig = {
  tableName: string;
  busName: string;
  retentionDays: number;
  /** Jobs checked at the same time (DynamoDB queries in flight). */
  concurrency: number;
};

export function loadConfig(env: Env = process.env): WatchdogConfig {
  const retentionDays = intEnv('RETENTION_DAYS', 90, env);
  if (retentionDays < 1 || retentionDays > 3650) {
    throw new ConfigurationError(`RETENTION_DAYS (parameter RetentionDays) must be 1-3650, got ${retentionDays}`);
  }
  const concurrency = intEnv('CONCURRENCY', 16, env);
  if (concurrency < 1 || concurrency > 64) {
    throw new ConfigurationError(`CONCURRENCY must be 1-64, got ${concurrency}`);
  }
  return {
    tableName: requiredEnv('RUNS_TABLE_NAME', env),
    busName: requiredEnv('RUNS_BUS_NAME', env),
    retentionDays,
    concurrency,
  };
}
