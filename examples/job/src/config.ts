/**
 * Reads the job's configuration once, at init: the SNS topics, one environment variable each (see contract.ts), through
 * the job-author library. The CloudCron macro sets them from the scheduled job's SnsTopics parameter, e.g.
 * `SnsTopics=REPORTS=arn:aws:sns:...:reports,ALERTS=arn:aws:sns:...:alerts`.
 */
import { ConfigurationError, loadTopics, type SnsSender, type Topic } from '@cloud-cron/job';
import { type MessageType, TOPIC_VARIABLES } from './contract';

export type { Topic };
export type JobConfig = { topics: Partial<Record<MessageType, Topic>>; defaultJobName: string };

/**
 * Both topics are optional, but at least one must be set. A value that is not a topic ARN fails here, naming the
 * variable (the library's check).
 */
export function loadConfig(env: Record<string, string | undefined> = process.env, sns?: SnsSender): JobConfig {
  const defaultJobName = env.AWS_LAMBDA_FUNCTION_NAME?.trim() || 'health-check';
  const loaded = loadTopics(
    { optional: [TOPIC_VARIABLES.report, TOPIC_VARIABLES.alert] },
    { env, job: defaultJobName, ...(sns ? { sns } : {}) },
  );
  const topics: JobConfig['topics'] = {};
  if (loaded.REPORTS) topics.report = loaded.REPORTS;
  if (loaded.ALERTS) topics.alert = loaded.ALERTS;
  if (!topics.report && !topics.alert) {
    const names = Object.values(TOPIC_VARIABLES).join(' or ');
    throw new ConfigurationError(
      `no topic to publish to: set ${names}, e.g. deploy the scheduled job with ` +
        `SnsTopics=REPORTS=<reports topic ARN>,ALERTS=<alerts topic ARN>`,
    );
  }
  return { topics, defaultJobName };
}
