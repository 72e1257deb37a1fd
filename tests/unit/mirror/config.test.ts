import { LOOPBACK_SWITCH } from '../../../functions/common/response-url';
import { readConfig } from '../../../functions/mirror/config';

const env = {
  MIRROR_PROJECT_NAME: 'CopyProject-1',
  MIRROR_PENDING_TABLE: 'stack-mirror-pending',
  MIRROR_REPOSITORY_URI: '123456789012.dkr.ecr.us-east-1.amazonaws.com/mirror/app',
  MIRROR_DEAD_LETTER_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/dlq',
  AWS_REGION: 'us-east-1',
};

test('reads every setting once, the repository parsed', () => {
  expect(readConfig(env)).toEqual({
    projectName: 'CopyProject-1',
    pendingTable: 'stack-mirror-pending',
    repository: {
      uri: env.MIRROR_REPOSITORY_URI,
      host: '123456789012.dkr.ecr.us-east-1.amazonaws.com',
      registryId: '123456789012',
      region: 'us-east-1',
      name: 'mirror/app',
    },
    deadLetterQueueUrl: env.MIRROR_DEAD_LETTER_QUEUE_URL,
    responseUrlPolicy: { region: 'us-east-1', allowLoopback: false },
  });
});

test.each(Object.keys(env))('a missing %s is named', (name) => {
  expect(() => readConfig({ ...env, [name]: '' })).toThrow(`environment variable ${name} is required but is not set`);
});

test('a malformed repository URI or queue URL says what is wrong', () => {
  expect(() => readConfig({ ...env, MIRROR_REPOSITORY_URI: 'docker.io/x' })).toThrow(
    /MIRROR_REPOSITORY_URI "docker.io\/x" is not an ECR repository URI/,
  );
  expect(() => readConfig({ ...env, MIRROR_DEAD_LETTER_QUEUE_URL: 'dlq' })).toThrow(/must be an SQS queue URL/);
});

test('the loopback switch is off unless set to true, and only true or false are accepted', () => {
  expect(readConfig({ ...env, [LOOPBACK_SWITCH]: 'true' }).responseUrlPolicy.allowLoopback).toBe(true);
  expect(readConfig({ ...env, [LOOPBACK_SWITCH]: 'false' }).responseUrlPolicy.allowLoopback).toBe(false);
  expect(readConfig({ ...env, [LOOPBACK_SWITCH]: '' }).responseUrlPolicy.allowLoopback).toBe(false);
  expect(() => readConfig({ ...env, [LOOPBACK_SWITCH]: 'yes' })).toThrow(`${LOOPBACK_SWITCH} must be true or false`);
});
