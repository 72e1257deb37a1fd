/**
 * Reads the job's configuration once, at init: the SNS topics, one environment variable each (see contract.ts).
 * The CloudCron macro sets them from the scheduled job's SnsTopics parameter, e.g.
 * `SnsTopics=REPORTS=arn:aws:sns:...:reports,ALERTS=arn:aws:sns:...:alerts`.
 */
import { type MessageType, TOPIC_VARIABLES } from './contract';
import { ConfigurationError } from './errors';

export type Topic = { variable: string; arn: string; fifo: boolean };
export type JobConfig = { topics: Partial<Record<MessageType, Topic>>; defaultJobName: string };

const TOPIC_ARN = /^arn:aws(-cn|-us-gov)?:sns:[a-z]{2}(-[a-z]+)+-\d{1,2}:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;

export function loadConfig(env: Record<string, string | undefined> = process.env): JobConfig {
  const topics: JobConfig['topics'] = {};
  for (const [type, variable] of Object.entries(TOPIC_VARIABLES) as [MessageType, string][]) {
    const arn = env[variable]?.trim();
    if (!arn) continue;
    if (!TOPIC_ARN.test(arn)) {
      throw new ConfigurationError(
        `environment variable ${variable} must be an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>), got "${arn}"`,
      );
    }
    topics[type] = { variable, arn, fifo: arn.endsWith('.fifo') };
  }
  if (!topics.report && !topics.alert) {
    const names = Object.values(TOPIC_VARIABLES).join(' or ');
    throw new ConfigurationError(
      `no topic to publish to: set ${names}, e.g. deploy the scheduled job with ` +
        `SnsTopics=REPORTS=<reports topic ARN>,ALERTS=<alerts topic ARN>`,
    );
  }
  return { topics, defaultJobName: env.AWS_LAMBDA_FUNCTION_NAME?.trim() || 'health-check' };
}
