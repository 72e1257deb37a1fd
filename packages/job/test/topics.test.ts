/** Typed topics from the macro's variables: init checks, and what publish sends (aws-sdk-client-mock). */
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { ConfigurationError, InvalidMessageError, jobName, loadTopics, PublishError } from '../src/index';

const ALERTS = 'arn:aws:sns:us-east-1:123456789012:alerts';
const REPORTS = 'arn:aws:sns:us-east-1:123456789012:reports';
const env = { ALERTS, REPORTS, AWS_LAMBDA_FUNCTION_NAME: 'nightly-JobFunction-x1' };
const sns = mockClient(SNSClient);
const client = new SNSClient({ region: 'us-east-1' });

beforeEach(() => {
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
});

describe('loading', () => {
  test('required and optional topics, typed', () => {
    const topics = loadTopics({ required: ['ALERTS'], optional: ['REPORTS', 'AUDIT'] }, { env, sns: client });
    expect(topics.ALERTS).toMatchObject({ variable: 'ALERTS', arn: ALERTS, fifo: false });
    expect(topics.REPORTS?.arn).toBe(REPORTS);
    expect(topics.AUDIT).toBeUndefined();
    expect(Object.isFrozen(topics)).toBe(true);
  });

  test('a missing required topic fails at init, naming the variable and how to set it', () => {
    expect(() => loadTopics(['ALERTS', 'PAGER', 'OPS'], { env })).toThrow(
      new ConfigurationError(
        'environment variables PAGER, OPS are not set: deploy the scheduled job with SnsTopics=PAGER=<topic ARN> (the CloudCron macro sets one variable per entry; Terraform: sns_topics = { PAGER = aws_sns_topic.x.arn })',
      ),
    );
    expect(() => loadTopics(['PAGER'], { env: { PAGER: '  ' } })).toThrow(/environment variable PAGER is not set/);
  });

  test('a value that is not a topic ARN fails at init, naming the variable', () => {
    expect(() => loadTopics(['ALERTS'], { env: { ALERTS: 'arn:aws:sqs:us-east-1:123456789012:alerts' } })).toThrow(
      /^environment variable ALERTS must be an SNS topic ARN \(arn:aws:sns:<region>:<account>:<name>\), got "arn:aws:sqs:/,
    );
    // Even an optional one: a wrong value is a deployment mistake, not an absent topic.
    expect(() => loadTopics({ optional: ['REPORTS'] }, { env: { REPORTS: 'reports' } })).toThrow(ConfigurationError);
  });

  test('bad names, duplicates and an empty list are refused', () => {
    expect(() => loadTopics(['alerts-topic'], { env })).toThrow(/"alerts-topic" cannot be a topic variable/);
    expect(() => loadTopics({ required: ['ALERTS'], optional: ['ALERTS'] }, { env })).toThrow(/listed twice/);
    expect(() => loadTopics([], { env })).toThrow(/at least one topic variable name/);
  });

  test('the job name: the option, else JOB_NAME, else the function name', () => {
    expect(jobName({ job: 'disk-check', env })).toBe('disk-check');
    expect(jobName({ env: { ...env, JOB_NAME: 'from-env' } })).toBe('from-env');
    expect(jobName({ env })).toBe('nightly-JobFunction-x1');
    expect(jobName({ env: {} })).toBe('cloud-cron-job');
  });
});

describe('publishing', () => {
  test('publish sends the topic, JSON body, safe subject and the attributes', async () => {
    const topics = loadTopics(['ALERTS'], { env, sns: client, job: 'disk-check' });
    const result = await topics.ALERTS.publish(
      { host: 'db-1', free: 4 },
      { type: 'alert', severity: 'critical', subject: 'db-1: disk\n4% free', attributes: { free: 4 } },
    );
    expect(result).toEqual({ variable: 'ALERTS', topicArn: ALERTS, messageId: 'm-1', bytes: expect.any(Number) });
    const input = sns.commandCalls(PublishCommand)[0].args[0].input;
    expect(input).toEqual({
      TopicArn: ALERTS,
      Message: '{"host":"db-1","free":4}',
      Subject: 'db-1: disk 4% free',
      MessageAttributes: {
        job: { DataType: 'String', StringValue: 'disk-check' },
        type: { DataType: 'String', StringValue: 'alert' },
        severity: { DataType: 'String', StringValue: 'critical' },
        free: { DataType: 'Number', StringValue: '4' },
      },
    });
  });

  test('a refused message never reaches SNS', async () => {
    const topics = loadTopics(['ALERTS'], { env, sns: client });
    await expect(topics.ALERTS.publish('x'.repeat(300_000))).rejects.toBeInstanceOf(InvalidMessageError);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  test('an SNS failure is a PublishError naming the variable, with the SDK error as cause', async () => {
    const denied = Object.assign(new Error('User is not authorized to perform: SNS:Publish'), {
      name: 'AuthorizationError',
    });
    sns.on(PublishCommand).rejects(denied);
    const topics = loadTopics(['ALERTS'], { env, sns: client });
    const error = (await topics.ALERTS.publish('x').catch((e: unknown) => e)) as PublishError;
    expect(error).toBeInstanceOf(PublishError);
    expect(error.message).toBe(
      `could not publish to ALERTS (${ALERTS}): User is not authorized to perform: SNS:Publish`,
    );
    expect(error.cause).toBe(denied);
  });

  test('FIFO topics get a message group (the job) and a content deduplication id, or the given ones', async () => {
    const fifo = 'arn:aws:sns:eu-west-1:210987654321:reports.fifo';
    const topics = loadTopics(['REPORTS'], { env: { REPORTS: fifo }, sns: client, job: 'nightly run' });
    await topics.REPORTS.publish('a', { type: 'report' });
    await topics.REPORTS.publish('a', { type: 'report' });
    await topics.REPORTS.publish('b', { type: 'report', groupId: 'g', deduplicationId: 'd' });
    const inputs = sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
    expect(inputs[0].MessageGroupId).toBe('nightly-run');
    expect(inputs[0].MessageDeduplicationId).toMatch(/^[0-9a-f]{64}$/);
    expect(inputs[1].MessageDeduplicationId).toBe(inputs[0].MessageDeduplicationId);
    expect(inputs[2]).toMatchObject({ MessageGroupId: 'g', MessageDeduplicationId: 'd' });
  });
});
