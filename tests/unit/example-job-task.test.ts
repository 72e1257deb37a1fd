/**
 * The example job run as an ECS task (examples/job/src/task-run.ts): its event comes from CLOUD_CRON_PAYLOAD, as the
 * scheduled task's task override sets it (the same names as functions/common/task-contract.ts), and the outcome is
 * the exit code the task monitor reads.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@aws-lambda-powertools/logger';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { loadConfig } from '../../examples/job/src/config';
import { TASK_VARIABLES } from '../../examples/job/src/contract';
import { createHandler } from '../../examples/job/src/job';
import { EXIT_FAILED, EXIT_SUCCEEDED, runAsTask } from '../../examples/job/src/task-run';
import { TASK_ENV } from '../../functions/common/task-contract';

const snsMock = mockClient(SNSClient);
const REPORTS = 'arn:aws:sns:us-east-1:123456789012:reports';
let server: Server;
let base: string;
const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });

beforeAll(async () => {
  server = createServer((req, res) => res.writeHead(req.url === '/down' ? 503 : 200).end('ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  snsMock.reset();
  snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
});

const handler = () =>
  createHandler({ config: loadConfig({ REPORTS }, new SNSClient({ region: 'us-east-1' })), logger });

test("the job's task variables are the scheduled task's contract", () => {
  expect(TASK_VARIABLES).toEqual(TASK_ENV);
});

test('reads the payload from CLOUD_CRON_PAYLOAD and exits 0, endpoints down included', async () => {
  const payload = JSON.stringify({ job: 'nightly', endpoints: [{ url: `${base}/ok` }, { url: `${base}/down` }] });
  const code = await runAsTask({
    env: { CLOUD_CRON_PAYLOAD: payload, CLOUD_CRON_SCHEDULED_TIME: '2030-01-31T02:00:00Z' },
    handler: handler(),
    logger,
  });
  expect(code).toBe(EXIT_SUCCEEDED);
  const [call] = snsMock.commandCalls(PublishCommand);
  expect(call.args[0].input.TopicArn).toBe(REPORTS);
  expect(JSON.parse(call.args[0].input.Message ?? '{}')).toMatchObject({
    job: 'nightly',
    counts: { checked: 2, down: 1 },
  });
});

test.each<[Record<string, string>, string]>([
  [{}, 'no payload'],
  [{ CLOUD_CRON_PAYLOAD: '{not json' }, 'a payload that is not JSON'],
  [{ CLOUD_CRON_PAYLOAD: '{"endpoints":[]}' }, 'an invalid event'],
])('exits 1 on %p (%s)', async (env, _why) => {
  const errors: unknown[] = [];
  const code = await runAsTask({
    env,
    handler: handler(),
    logger: { info: () => undefined, error: (...a: unknown[]) => errors.push(a) } as never,
  });
  expect(code).toBe(EXIT_FAILED);
  expect(errors).toHaveLength(1);
  expect(snsMock.commandCalls(PublishCommand)).toHaveLength(0);
});

test('exits 1 when the report cannot be published', async () => {
  snsMock.on(PublishCommand).rejects(new Error('AuthorizationError'));
  const code = await runAsTask({
    env: { CLOUD_CRON_PAYLOAD: JSON.stringify({ endpoints: [{ url: `${base}/ok` }] }) },
    handler: handler(),
    logger,
  });
  expect(code).toBe(EXIT_FAILED);
});
