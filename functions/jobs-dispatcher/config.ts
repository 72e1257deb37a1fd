/**
 * The dispatcher's settings, read once at init from the environment template-jobs.yaml sets. Every failure names
 * the variable and the template parameter behind it.
 */
import { listEnv, optionalEnv, requiredEnv } from '../common/config';
import { ConfigurationError } from '../common/errors';
import { compilePatterns, patternProblems, type TargetPatterns } from '../common/jobs/targets';

type Env = Record<string, string | undefined>;

export type DispatcherConfig = {
  tableName: string;
  groupName: string;
  allowed: TargetPatterns;
  runRetentionDays: number;
  runsTableName?: string;
  runsRetentionDays: number;
  deadLetterQueueUrl: string;
};

function days(name: string, parameter: string, env: Env, fallback: number): number {
  const raw = optionalEnv(name, env);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 3650) {
    throw new ConfigurationError(
      `environment variable ${name} (parameter ${parameter}) must be 1-3650 days, got "${raw}"`,
    );
  }
  return Number(raw);
}

export function loadConfig(env: Env = process.env): DispatcherConfig {
  const patterns = listEnv('ALLOWED_TARGET_ARNS', env);
  const problems = patternProblems(patterns);
  if (problems.length) {
    throw new ConfigurationError(
      `environment variable ALLOWED_TARGET_ARNS (parameter AllowedTargetArns): ${problems.join('; ')}`,
    );
  }
  const runsTable = optionalEnv('RUNS_TABLE_NAME', env);
  return {
    tableName: requiredEnv('JOBS_TABLE_NAME', env),
    groupName: requiredEnv('SCHEDULE_GROUP_NAME', env),
    allowed: compilePatterns(patterns),
    runRetentionDays: days('RUN_RETENTION_DAYS', 'RunRetentionDays', env, 30),
    ...(runsTable ? { runsTableName: runsTable } : {}),
    runsRetentionDays: days('RUNS_RETENTION_DAYS', 'RunsRetentionDays', env, 90),
    deadLetterQueueUrl: requiredEnv('DEAD_LETTER_QUEUE_URL', env),
  };
}
