/**
 * Typed access to the topics the CloudCron macro gave the function: one environment variable per `SnsTopics` entry
 * (`SnsTopics=ALERTS=arn:...,REPORTS=arn:...` gives ALERTS and REPORTS). Read once, at init: a topic the code
 * expects but the deployment did not give fails then, naming the variable, before any run does any work.
 */
import { createHash } from 'node:crypto';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { ConfigurationError, InvalidMessageError, PublishError } from './errors';
import { type MessageOptions, prepareMessage } from './message';

/** What publishing needs of an SNS client: `send` (an SNSClient, or a test double). */
export type SnsSender = Pick<SNSClient, 'send'>;

export type PublishOptions = MessageOptions & {
  /** The `job` attribute of this message, when one function runs several jobs. Default: loadTopics' job. */
  job?: string;
  /** FIFO topics only: the message group (default: the job's name, made safe). */
  groupId?: string;
  /** FIFO topics only: the deduplication id (default: a SHA-256 of type, subject and message, like content-based deduplication). */
  deduplicationId?: string;
};

export type PublishResult = {
  variable: string;
  topicArn: string;
  messageId: string;
  /** FIFO topics only. */
  sequenceNumber?: string;
  /** Bytes counted against SNS's 256 KiB (message and attributes). */
  bytes: number;
};

export type Topic = {
  /** The environment variable it came from, e.g. ALERTS. */
  readonly variable: string;
  readonly arn: string;
  readonly fifo: boolean;
  /**
   * Publishes one message: a string as it is, anything else as JSON; with the `job`, `type` and `severity` attributes
   * and the job's own, and the subject. Refuses (InvalidMessageError, nothing sent) what SNS would refuse; a failed
   * publish is a PublishError naming the variable, with the SDK's error as its cause.
   */
  publish(message: unknown, options?: PublishOptions): Promise<PublishResult>;
};

/** Required topics are always there; optional ones may be undefined (their variable was not set). */
export type Topics<R extends string, O extends string = never> = { readonly [K in R]: Topic } & {
  readonly [K in O]?: Topic;
};

export type TopicsOptions = {
  /**
   * The `job` attribute of every message. Default: the JOB_NAME variable, else AWS_LAMBDA_FUNCTION_NAME (the
   * function's name), else "cloud-cron-job".
   */
  job?: string;
  /** Default: one SNSClient for the process, with timeouts (honours AWS_REGION and AWS_ENDPOINT_URL). */
  sns?: SnsSender;
  /** Default: process.env. */
  env?: Record<string, string | undefined>;
};

/** An SNS topic ARN as the macro accepts it (any partition, `.fifo` allowed). */
export const TOPIC_ARN =
  /^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b|aws-iso-e|aws-iso-f|aws-eusc):sns:([a-z]{2}(?:-[a-z]+)+-\d{1,2}):(\d{12}):([A-Za-z0-9_-]{1,256}|[A-Za-z0-9_-]{1,251}\.fifo)$/;
/** A variable name as the macro accepts it. */
const VARIABLE = /^[A-Za-z][A-Za-z0-9_]+$/;

let sharedClient: SNSClient | undefined;
/** Created on first use, once per process: timeouts so a stuck connection cannot eat the run's time. */
function defaultClient(): SNSClient {
  sharedClient ??= new SNSClient({
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 3_000, requestTimeout: 10_000 },
  });
  return sharedClient;
}

const hint = (name: string) =>
  `deploy the scheduled job with SnsTopics=${name}=<topic ARN> (the CloudCron macro sets one variable per entry; Terraform: sns_topics = { ${name} = aws_sns_topic.x.arn })`;

function readTopic(name: string, env: Record<string, string | undefined>): { arn: string } | undefined {
  if (!VARIABLE.test(name)) {
    throw new ConfigurationError(
      `"${name}" cannot be a topic variable: use a letter, then at least one more letter, digit or underscore (e.g. ALERTS)`,
    );
  }
  const arn = env[name]?.trim();
  if (!arn) return undefined;
  if (!TOPIC_ARN.test(arn)) {
    throw new ConfigurationError(
      `environment variable ${name} must be an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>), got "${arn.slice(0, 300)}": ${hint(name)}`,
    );
  }
  return { arn };
}

function createTopic(variable: string, arn: string, job: string, sns: () => SnsSender): Topic {
  const fifo = arn.endsWith('.fifo');
  return {
    variable,
    arn,
    fifo,
    async publish(message, options = {}) {
      const name = options.job === undefined ? job : options.job.trim();
      if (!name) throw new InvalidMessageError(`the job name of the message to ${variable} is empty`);
      const prepared = prepareMessage(variable, name, message, options);
      const fifoFields = fifo
        ? {
            MessageGroupId: (options.groupId ?? name)
              .replace(/[^\w!"#$%&'()*+,./:;<=>?@[\\\]^`{|}~-]/g, '-')
              .slice(0, 128),
            MessageDeduplicationId:
              options.deduplicationId ??
              createHash('sha256')
                .update(`${options.type ?? ''}\n${prepared.Subject ?? ''}\n${prepared.Message}`)
                .digest('hex'),
          }
        : {};
      let output: { MessageId?: string; SequenceNumber?: string };
      try {
        output = await sns().send(
          new PublishCommand({
            TopicArn: arn,
            Message: prepared.Message,
            Subject: prepared.Subject,
            MessageAttributes: prepared.MessageAttributes,
            ...fifoFields,
          }),
        );
      } catch (cause) {
        throw new PublishError(`could not publish to ${variable} (${arn}): ${(cause as Error)?.message ?? cause}`, {
          cause,
        });
      }
      return {
        variable,
        topicArn: arn,
        messageId: output.MessageId ?? '',
        ...(output.SequenceNumber ? { sequenceNumber: output.SequenceNumber } : {}),
        bytes: prepared.bytes,
      };
    },
  };
}

/** The job name messages carry in their `job` attribute. */
export function jobName(options: Pick<TopicsOptions, 'job' | 'env'> = {}): string {
  const env = options.env ?? process.env;
  const name = (options.job ?? env.JOB_NAME ?? env.AWS_LAMBDA_FUNCTION_NAME ?? '').trim() || 'cloud-cron-job';
  if (name.length > 256)
    throw new ConfigurationError(`the job name must be at most 256 characters, got ${name.length}`);
  return name;
}

/**
 * Reads the topics the job publishes to, once, at init.
 *
 *   const topics = loadTopics(['ALERTS', 'REPORTS']);                          // both required
 *   const topics = loadTopics({ required: ['ALERTS'], optional: ['REPORTS'] }); // topics.REPORTS may be undefined
 *
 * Throws ConfigurationError naming the variable when a required one is missing, or any is not a topic ARN.
 */
export function loadTopics<const R extends string, const O extends string = never>(
  names: readonly R[] | { required?: readonly R[]; optional?: readonly O[] },
  options: TopicsOptions = {},
): Topics<R, O> {
  const env = options.env ?? process.env;
  const required: readonly string[] = Array.isArray(names) ? names : ((names as { required?: R[] }).required ?? []);
  const optional: readonly string[] = Array.isArray(names) ? [] : ((names as { optional?: O[] }).optional ?? []);
  if (required.length + optional.length === 0) {
    throw new ConfigurationError('loadTopics needs at least one topic variable name, e.g. loadTopics(["ALERTS"])');
  }
  const job = jobName(options);
  const sns = () => options.sns ?? defaultClient();
  const topics: Record<string, Topic> = {};
  const missing: string[] = [];
  for (const [name, isRequired] of [
    ...required.map((n) => [n, true] as const),
    ...optional.map((n) => [n, false] as const),
  ]) {
    if (Object.hasOwn(topics, name) || missing.includes(name)) {
      throw new ConfigurationError(`topic variable ${name} is listed twice`);
    }
    const found = readTopic(name, env);
    if (found) topics[name] = createTopic(name, found.arn, job, sns);
    else if (isRequired) missing.push(name);
  }
  if (missing.length > 0) {
    throw new ConfigurationError(
      `environment variable${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not set: ${hint(missing[0])}`,
    );
  }
  return Object.freeze(topics) as Topics<R, O>;
}
