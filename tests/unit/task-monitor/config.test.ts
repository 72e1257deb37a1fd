import { ConfigurationError } from '../../../functions/common/errors';
import { readConfig } from '../../../functions/task-monitor/config';

const ENV = {
  TASK_FAMILY: 'cloud-cron-nightly-export',
  CLUSTER_ARN: 'arn:aws:ecs:us-east-1:123456789012:cluster/jobs',
  CONTAINER_NAME: 'job',
  TASK_TIMEOUT_MINUTES: '90',
  PREVENT_OVERLAP: 'true',
  FAILURE_TOPIC_ARN: '',
  RUNS_EVENT_BUS_ARN: '',
  LOG_GROUP_NAME: '/aws/ecs/cloud-cron/nightly-export',
  LOG_STREAM_PREFIX: 'task',
  IDEMPOTENCY_TABLE: 'table',
};

test('reads the template settings; empty optional ones are absent', () => {
  expect(readConfig(ENV)).toEqual({
    family: 'cloud-cron-nightly-export',
    clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/jobs',
    containerName: 'job',
    timeoutMinutes: 90,
    preventOverlap: true,
    logGroupName: '/aws/ecs/cloud-cron/nightly-export',
    logStreamPrefix: 'task',
    idempotencyTable: 'table',
  });
});

test.each([
  [{ TASK_TIMEOUT_MINUTES: '0' }, /TASK_TIMEOUT_MINUTES \(template parameter TaskTimeoutMinutes\) must be 1-43200/],
  [{ TASK_TIMEOUT_MINUTES: 'soon' }, /TASK_TIMEOUT_MINUTES must be a whole number/],
  [{ PREVENT_OVERLAP: 'yes' }, /PREVENT_OVERLAP \(template parameter PreventOverlap\) must be true or false/],
  [{ CLUSTER_ARN: 'jobs' }, /CLUSTER_ARN \(template parameter ClusterArn\) must look like arn:aws:ecs:/],
  [
    { FAILURE_TOPIC_ARN: 'arn:aws:sqs:us-east-1:123456789012:q' },
    /FAILURE_TOPIC_ARN \(template parameter FailureTopicArn\)/,
  ],
  [{ RUNS_EVENT_BUS_ARN: 'bus' }, /RUNS_EVENT_BUS_ARN \(template parameter RunsEventBusArn\)/],
  [{ CONTAINER_NAME: '' }, /CONTAINER_NAME is required/],
])('refuses %p at init, naming the variable', (change, message) => {
  const read = () => readConfig({ ...ENV, ...change });
  expect(read).toThrow(ConfigurationError);
  expect(read).toThrow(message);
});
