/**
 * The mirror function's settings, read and validated once at init. Every failure names the variable (and the
 * template resource that sets it), so a broken deployment says what to fix before the first request.
 */
import { ConfigurationError } from '../common/errors';
import { type ResponseUrlPolicy, readResponseUrlPolicy } from '../common/response-url';
import { type EcrRepository, parseRepositoryUri } from './image-ref';

type Env = Record<string, string | undefined>;

export type MirrorConfig = {
  /** The CodeBuild project that copies images (and whose build events this function answers). */
  projectName: string;
  /** The DynamoDB table that holds pending CloudFormation requests while their copy build runs. */
  pendingTable: string;
  /** This mirror's own destination repository: the only one it reports, tags or deletes images in. */
  repository: EcrRepository;
  /** Where requests that cannot be answered at all (unusable ResponseURL) are recorded, with their reason. */
  deadLetterQueueUrl: string;
  /**
   * The function's region (CloudFormation's response bucket for it is the only ResponseURL accepted) and the
   * test-only loopback switch (common/response-url.ts LOOPBACK_SWITCH).
   */
  responseUrlPolicy: ResponseUrlPolicy;
};

function required(env: Env, name: string, setBy: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigurationError(`environment variable ${name} is required but is not set (${setBy})`);
  return value;
}

export function readConfig(env: Env = process.env): MirrorConfig {
  const repositoryUri = required(
    env,
    'MIRROR_REPOSITORY_URI',
    'the template sets it to the destination repository URI',
  );
  let repository: EcrRepository;
  try {
    repository = parseRepositoryUri(repositoryUri, 'MIRROR_REPOSITORY_URI');
  } catch (e) {
    throw new ConfigurationError((e as Error).message, { cause: e });
  }
  const queueUrl = required(env, 'MIRROR_DEAD_LETTER_QUEUE_URL', 'the template sets it to the DeadLetterQueue URL');
  if (!/^https?:\/\/\S+$/.test(queueUrl)) {
    throw new ConfigurationError(`MIRROR_DEAD_LETTER_QUEUE_URL must be an SQS queue URL, got "${queueUrl}"`);
  }
  return {
    projectName: required(env, 'MIRROR_PROJECT_NAME', 'the template sets it to the CopyProject name'),
    pendingTable: required(env, 'MIRROR_PENDING_TABLE', 'the template sets it to the PendingRequests table name'),
    repository,
    deadLetterQueueUrl: queueUrl,
    responseUrlPolicy: readResponseUrlPolicy(env),
  };
}
