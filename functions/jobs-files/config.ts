/**
 * The file sync's settings, read once at init from the environment template-jobs.yaml sets. Every failure names
 * the variable and the template parameter behind it.
 */
import { listEnv, optionalEnv, requiredEnv } from '../common/config';
import { ConfigurationError } from '../common/errors';
import { compilePatterns, patternProblems, type TargetPatterns } from '../common/jobs/targets';

type Env = Record<string, string | undefined>;

export type FilesConfig = {
  tableName: string;
  bucket: string;
  prefix: string;
  allowed: TargetPatterns;
  deadLetterQueueUrl: string;
};

/** The prefix job files live under: empty (the whole bucket) or ending with "/". */
export const PREFIX = /^$|^[A-Za-z0-9!_.*'()/-]{1,200}\/$/;

export function loadConfig(env: Env = process.env): FilesConfig {
  const patterns = listEnv('ALLOWED_TARGET_ARNS', env);
  const problems = patternProblems(patterns);
  if (problems.length) {
    throw new ConfigurationError(
      `environment variable ALLOWED_TARGET_ARNS (parameter AllowedTargetArns): ${problems.join('; ')}`,
    );
  }
  const prefix = optionalEnv('JOBS_PREFIX', env) ?? '';
  if (!PREFIX.test(prefix)) {
    throw new ConfigurationError(
      `environment variable JOBS_PREFIX (parameter JobsPrefix) must be empty or end with "/", got "${prefix}"`,
    );
  }
  return {
    tableName: requiredEnv('JOBS_TABLE_NAME', env),
    bucket: requiredEnv('JOBS_BUCKET', env),
    prefix,
    allowed: compilePatterns(patterns),
    deadLetterQueueUrl: requiredEnv('DEAD_LETTER_QUEUE_URL', env),
  };
}
