/**
 * The example job (examples/job): checks endpoints served by a loopback HTTP server and publishes to a mocked SNS.
 * Asserts what is published, to which topic, with which subject and attributes; how failures of every kind are
 * reported; that bad events and bad configuration are refused with a message naming what to fix; and that the
 * channel templates and filter policies of examples/parent/template.yaml fit the messages the job publishes.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { PublishCommand, type PublishCommandInput, SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { loadConfig } from '../../examples/job/src/config';
import type { CheckResult, JobMessage, JobResult } from '../../examples/job/src/contract';
import { createHandler } from '../../examples/job/src/job';
import { buildMessage, subjectOf } from '../../examples/job/src/messages';
import { contextFromSns } from '../../functions/common/context';
import { compileTemplate } from '../../functions/common/render';
import { loadTemplate } from '../../tooling/cfn-yaml';
import { ROOT } from '../../tooling/paths';

const REPORTS = 'arn:aws:sns:us-east-1:123456789012:cloud-cron-example-reports';
const ALERTS = 'arn:aws:sns:us-east-1:123456789012:cloud-cron-example-alerts';
const ENV = {
  REPORTS,
  ALERTS,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_LAMBDA_FUNCTION_NAME: 'cloud-cron-example-JobFunction-abc',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
};
const JOB_MODULE = '../../examples/job/src/index';

type Handler = (event: unknown, context: Context) => Promise<JobResult>;
const snsMock = mockClient(SNSClient);
let handler: Handler;
let server: Server;
let base: string;
let closedPort: number;

function context(requestId = 'req-1', remainingMs = 60_000): Context {
  return {
    awsRequestId: requestId,
    functionName: ENV.AWS_LAMBDA_FUNCTION_NAME,
    getRemainingTimeInMillis: () => remainingMs,
  } as unknown as Context;
}

function route(req: IncomingMessage, res: ServerResponse): void {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  switch (path) {
    case '/ok':
      res.writeHead(200, { 'content-type': 'text/plain' }).end('status: green');
      return;
    case '/slow':
      setTimeout(() => res.writeHead(200).end('late'), 250);
      return;
    case '/unavailable':
      res.writeHead(503).end('maintenance');
      return;
    case '/moved':
      res.writeHead(302, { location: '/ok' }).end();
      return;
    case '/private':
      if (req.headers.authorization === `Basic ${Buffer.from('user:hunter2').toString('base64')}`)
        res.writeHead(200).end('ok');
      else res.writeHead(401).end('who are you?');
      return;
    case '/hang':
      return; // never answers
    default:
      res.writeHead(404).end('not found');
  }
}

function listen(s: Server): Promise<number> {
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port)));
}

beforeAll(async () => {
  Object.assign(process.env, ENV);
  server = createServer(route);
  base = `http://127.0.0.1:${await listen(server)}`;
  const closed = createServer();
  closedPort = await listen(closed);
  await new Promise((resolve) => closed.close(resolve));
  ({ handler } = (await import(JOB_MODULE)) as { handler: Handler });
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

let nextId = 0;
beforeEach(() => {
  snsMock.reset();
  snsMock.on(PublishCommand).callsFake(async () => ({ MessageId: `msg-${++nextId}` }));
});

function publishes(): PublishCommandInput[] {
  return snsMock.commandCalls(PublishCommand).map((c) => c.args[0].input);
}

function published(topic: string): { input: PublishCommandInput; message: JobMessage } {
  const found = publishes().filter((p) => p.TopicArn === topic);
  expect(found).toHaveLength(1);
  return { input: found[0], message: JSON.parse(found[0].Message ?? '') as JobMessage };
}

function attributes(input: PublishCommandInput): Record<string, string> {
  return Object.fromEntries(
    Object.entries(input.MessageAttributes ?? {}).map(([k, v]) => [k, `${v.DataType}:${v.StringValue}`]),
  );
}

function byName(results: CheckResult[], name: string): CheckResult {
  const found = results.find((r) => r.name === name);
  if (!found) throw new Error(`no result named ${name} in ${JSON.stringify(results)}`);
  return found;
}

/** A handler wired like index.ts, with another environment (the SNS client is the mocked class). */
function handlerWith(env: Record<string, string | undefined>): Handler {
  const config = loadConfig({ ...ENV, ...env }, new SNSClient({ region: 'us-east-1' }));
  return createHandler({ config, logger: new Logger({ logLevel: 'SILENT' }) });
}

describe('publishing', () => {
  test('all endpoints up: one report to REPORTS, severity info, no alert', async () => {
    const result = await handler(
      { job: 'website', endpoints: [{ name: 'home', url: `${base}/ok` }, { url: `${base}/moved` }] },
      context(),
    );
    expect(publishes()).toHaveLength(1);
    const { input, message } = published(REPORTS);
    expect(input.Subject).toBe('website: all 2 endpoints up');
    expect(attributes(input)).toEqual({
      type: 'String:report',
      severity: 'String:info',
      job: 'String:website',
      down: 'Number:0',
    });
    expect(message).toMatchObject({
      version: 1,
      type: 'report',
      severity: 'info',
      job: 'website',
      title: 'website: all 2 endpoints up',
      counts: { checked: 2, up: 2, slow: 0, down: 0 },
    });
    expect(message.summary).toMatch(/^all 2 up, slowest \d+ ms$/);
    expect(Date.parse(message.runAt)).not.toBeNaN();
    expect(message.results.map((r) => [r.name, r.status, r.httpStatus, r.reason])).toEqual([
      ['home', 'up', 200, null],
      [`127.0.0.1:${new URL(base).port}/moved`, 'up', 200, null], // redirect followed; default name host+path
    ]);
    expect(result.published).toEqual([
      { type: 'report', variable: 'REPORTS', topicArn: REPORTS, messageId: expect.stringMatching(/^msg-/) },
    ]);
    expect(result.severity).toBe('info');
  });

  test('a critical endpoint down and one slow: a critical alert listing only them, and the full report', async () => {
    const result = await handler(
      {
        job: 'api',
        slowMs: 100,
        endpoints: [
          { name: 'home', url: `${base}/ok`, slowMs: 5000 },
          { name: 'checkout', url: `${base}/unavailable` },
          { name: 'search', url: `${base}/slow` },
        ],
      },
      context(),
    );
    expect(publishes()).toHaveLength(2);
    const alert = published(ALERTS);
    expect(alert.input.Subject).toBe('[CRITICAL] api: 1 of 3 endpoints down, 1 slow');
    expect(attributes(alert.input)).toEqual({
      type: 'String:alert',
      severity: 'String:critical',
      job: 'String:api',
      down: 'Number:1',
    });
    expect(alert.message.type).toBe('alert');
    expect(alert.message.results.map((r) => r.name)).toEqual(['checkout', 'search']);
    expect(byName(alert.message.results, 'checkout')).toMatchObject({
      status: 'down',
      httpStatus: 503,
      reason: 'HTTP 503, expected 2xx',
      critical: true,
    });
    const slow = byName(alert.message.results, 'search');
    expect(slow.status).toBe('slow');
    expect(slow.latencyMs).toBeGreaterThanOrEqual(200);
    expect(slow.reason).toMatch(/^\d+ ms, slower than 100 ms$/);
    expect(alert.message.summary).toMatch(/^DOWN checkout \(HTTP 503\); SLOW search \(\d+ ms\)$/);

    const report = published(REPORTS);
    expect(report.input.Subject).toBe('api: 1 of 3 endpoints down, 1 slow');
    expect(attributes(report.input)).toMatchObject({ type: 'String:report', severity: 'String:critical' });
    expect(report.message.results.map((r) => r.status)).toEqual(['up', 'down', 'slow']);
    expect(report.message.counts).toEqual({ checked: 3, up: 1, slow: 1, down: 1 });
    expect(result.published.map((p) => [p.type, p.variable])).toEqual([
      ['alert', 'ALERTS'],
      ['report', 'REPORTS'],
    ]);
  });

  test('only a non-critical endpoint down: severity warning', async () => {
    await handler(
      { job: 'docs', endpoints: [{ name: 'docs', url: `${base}/unavailable`, critical: false }] },
      context(),
    );
    expect(attributes(published(ALERTS).input).severity).toBe('String:warning');
    expect(published(ALERTS).input.Subject).toBe('[WARNING] docs: 1 of 1 endpoint down');
    expect(published(REPORTS).message.severity).toBe('warning');
  });

  test('report "on-problem" publishes nothing when all is up; "never" publishes the alert only', async () => {
    await handler({ report: 'on-problem', endpoints: [{ url: `${base}/ok` }] }, context());
    expect(publishes()).toHaveLength(0);
    await handler({ report: 'never', endpoints: [{ url: `${base}/unavailable` }] }, context());
    expect(publishes().map((p) => p.TopicArn)).toEqual([ALERTS]);
  });

  test('the job name defaults to the function name', async () => {
    const result = await handler({ endpoints: [{ url: `${base}/ok` }] }, context());
    expect(result.job).toBe(ENV.AWS_LAMBDA_FUNCTION_NAME);
    expect(attributes(published(REPORTS).input).job).toBe(`String:${ENV.AWS_LAMBDA_FUNCTION_NAME}`);
  });
});

describe('failure kinds are results, with a reason', () => {
  test('timeout, connection refused, unexpected status, missing text, and an accepted non-2xx status', async () => {
    const started = Date.now();
    const result = await handler(
      {
        job: 'kinds',
        endpoints: [
          { name: 'hang', url: `${base}/hang`, timeoutMs: 200 },
          { name: 'refused', url: `http://127.0.0.1:${closedPort}/` },
          { name: 'missing', url: `${base}/nowhere` },
          { name: 'text', url: `${base}/ok`, contains: 'status: red' },
          { name: 'maintenance', url: `${base}/unavailable`, expectStatus: [503] },
          { name: 'head', url: `${base}/ok`, method: 'HEAD', expectStatus: 200 },
        ],
      },
      context(),
    );
    expect(Date.now() - started).toBeLessThan(5000);
    const r = (name: string) => byName(result.results, name);
    expect(r('hang')).toMatchObject({
      status: 'down',
      httpStatus: null,
      latencyMs: null,
      reason: 'timeout after 200 ms',
    });
    expect(r('refused')).toMatchObject({ status: 'down', httpStatus: null, reason: 'connection refused' });
    expect(r('missing')).toMatchObject({ status: 'down', httpStatus: 404, reason: 'HTTP 404, expected 2xx' });
    expect(r('text')).toMatchObject({ status: 'down', httpStatus: 200, reason: 'body does not contain "status: red"' });
    expect(r('maintenance')).toMatchObject({ status: 'up', httpStatus: 503, reason: null });
    expect(r('head')).toMatchObject({ status: 'up', httpStatus: 200 });
    expect(result.counts).toEqual({ checked: 6, up: 2, slow: 0, down: 4 });
    expect(attributes(published(ALERTS).input).down).toBe('Number:4');
  });

  test('a body that contains the text is up', async () => {
    const result = await handler({ endpoints: [{ url: `${base}/ok`, contains: 'green' }] }, context());
    expect(result.results[0]).toMatchObject({ status: 'up', reason: null });
  });

  test('checks stop at the Lambda deadline instead of running past it', async () => {
    // 3 s margin for publishing: with 3.2 s left, a check gets at most about 200 ms.
    const started = Date.now();
    const result = await handler({ endpoints: [{ url: `${base}/hang`, timeoutMs: 60_000 }] }, context('req', 3200));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(result.results[0].reason).toMatch(/^timeout after \d+ ms$/);
  });

  test('credentials in a URL are sent as Basic auth; they, query strings and fragments never reach messages', async () => {
    const port = new URL(base).port;
    const result = await handler(
      {
        endpoints: [
          { name: 'private', url: `http://user:hunter2@127.0.0.1:${port}/private?token=s3cr3t#frag` },
          { name: 'wrong', url: `http://user:wrong@127.0.0.1:${port}/private?token=s3cr3t` },
          { name: 'refused', url: `http://user:hunter2@127.0.0.1:${closedPort}/x?token=s3cr3t` },
        ],
      },
      context(),
    );
    expect(result.results.map((r) => [r.name, r.status, r.httpStatus])).toEqual([
      ['private', 'up', 200],
      ['wrong', 'down', 401],
      ['refused', 'down', null],
    ]);
    expect(result.results[0].url).toBe(`http://127.0.0.1:${port}/private`);
    expect(publishes()).toHaveLength(2);
    for (const p of publishes()) expect(`${p.Subject} ${p.Message}`).not.toMatch(/hunter2|wrong@|s3cr3t|user|frag/);
  });
});

describe('subjects', () => {
  test('a non-ASCII job name gives a printable ASCII subject', async () => {
    await handler({ job: 'Überwachung ✓ shop', endpoints: [{ url: `${base}/unavailable` }] }, context());
    expect(published(ALERTS).input.Subject).toBe('[CRITICAL] Uberwachung ? shop: 1 of 1 endpoint down');
    expect(published(REPORTS).input.Subject).toBe('Uberwachung ? shop: 1 of 1 endpoint down');
  });

  test('titles say how many endpoints are down and slow', () => {
    const r = (status: CheckResult['status']): CheckResult => ({
      name: `e-${status}-${Math.random()}`,
      url: 'https://e.example/',
      status,
      httpStatus: 200,
      latencyMs: 5,
      reason: null,
      critical: true,
    });
    const title = (statuses: CheckResult['status'][]) =>
      buildMessage('report', 'web', '2030-01-01T00:00:00.000Z', statuses.map(r)).title;
    expect(title(['up'])).toBe('web: the endpoint is up');
    expect(title(['up', 'up'])).toBe('web: all 2 endpoints up');
    expect(title(['slow'])).toBe('web: 1 of 1 endpoint slow');
    expect(title(['up', 'slow', 'slow'])).toBe('web: 2 of 3 endpoints slow');
    expect(title(['down', 'slow', 'up'])).toBe('web: 1 of 3 endpoints down, 1 slow');
    expect(title(['down', 'down'])).toBe('web: 2 of 2 endpoints down');
  });

  test('subjects longer than 100 characters are cut with an ellipsis', () => {
    const results: CheckResult[] = Array.from({ length: 100 }, (_, i) => ({
      name: `e${i}`,
      url: `https://e${i}.example/`,
      status: 'down',
      httpStatus: 500,
      latencyMs: 3,
      reason: 'HTTP 500, expected 2xx',
      critical: true,
    }));
    const message = buildMessage('alert', 'x'.repeat(64), '2030-01-01T00:00:00.000Z', results);
    const subject = subjectOf(message);
    expect(subject).toHaveLength(100);
    expect(subject).toBe(`[CRITICAL] ${'x'.repeat(64)}: 100 of 100 endpoints...`);
  });
});

describe('invalid events are refused with what to fix', () => {
  const cases: [string, unknown, RegExp][] = [
    ['no event', undefined, /the event must be a JSON object with an "endpoints" list/],
    ['a string', 'check', /the event must be a JSON object/],
    ['no endpoints', {}, /"endpoints" must be a list of 1 to 100 endpoints/],
    ['empty endpoints', { endpoints: [] }, /"endpoints" must be a list of 1 to 100/],
    ['too many', { endpoints: Array.from({ length: 101 }, (_, i) => ({ url: `https://e${i}.example` })) }, /1 to 100/],
    [
      'unknown field',
      { endpoints: [{ url: 'https://a.example' }], timeout: 5 },
      /the event has unknown field "timeout"/,
    ],
    ['endpoint not an object', { endpoints: ['https://a.example'] }, /endpoints\[0\] must be an object/],
    ['no url', { endpoints: [{ name: 'a' }] }, /endpoints\[0\]\.url is required/],
    ['bad url', { endpoints: [{ url: 'not a url' }] }, /endpoints\[0\]\.url is not a valid URL: "not a url"/],
    [
      'ftp',
      { endpoints: [{ url: 'ftp://a.example/' }] },
      /endpoints\[0\]\.url must be an http:\/\/ or https:\/\/ URL, got ftp:/,
    ],
    [
      'endpoint typo',
      { endpoints: [{ url: 'https://a.example', timeout: 5 }] },
      /endpoints\[0\] has unknown field "timeout"/,
    ],
    [
      'method',
      { endpoints: [{ url: 'https://a.example', method: 'POST' }] },
      /endpoints\[0\]\.method must be "GET" or "HEAD"/,
    ],
    [
      'status',
      { endpoints: [{ url: 'https://a.example', expectStatus: [200, 600] }] },
      /expectStatus\[1\] must be a whole number from 100 to 599/,
    ],
    [
      'empty status',
      { endpoints: [{ url: 'https://a.example', expectStatus: [] }] },
      /expectStatus must not be an empty list/,
    ],
    [
      'head+contains',
      { endpoints: [{ url: 'https://a.example', method: 'HEAD', contains: 'x' }] },
      /contains needs the body/,
    ],
    [
      'timeout',
      { endpoints: [{ url: 'https://a.example', timeoutMs: 50 }] },
      /endpoints\[0\]\.timeoutMs must be a whole number from 100 to 60000, got 50/,
    ],
    [
      'global slowMs',
      { slowMs: 0, endpoints: [{ url: 'https://a.example' }] },
      /^slowMs must be a whole number from 1/,
    ],
    ['critical', { endpoints: [{ url: 'https://a.example', critical: 'yes' }] }, /critical must be true or false/],
    [
      'report',
      { report: 'daily', endpoints: [{ url: 'https://a.example' }] },
      /"report" must be "always", "on-problem" or "never"/,
    ],
    [
      'concurrency',
      { concurrency: 50, endpoints: [{ url: 'https://a.example' }] },
      /concurrency must be a whole number from 1 to 20/,
    ],
    ['job', { job: '', endpoints: [{ url: 'https://a.example' }] }, /job must be a non-empty string/],
    [
      'duplicate names',
      { endpoints: [{ url: 'https://a.example/x' }, { url: 'https://a.example/x?b=1' }] },
      /endpoints\[1\] has the same name as endpoints\[0\]/,
    ],
  ];
  test.each(cases)('%s', async (_name, event, message) => {
    const error = await handler(event, context()).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.name).toBe('InvalidEventError');
    expect(error?.message).toMatch(message);
    expect(publishes()).toHaveLength(0);
  });
});

describe('publish failures fail the run, naming the topic', () => {
  test('the alert fails, the report is still published, the error names ALERTS and keeps the cause', async () => {
    const denied = Object.assign(new Error('User is not authorized to perform: SNS:Publish'), {
      name: 'AuthorizationErrorException',
    });
    snsMock.on(PublishCommand, { TopicArn: ALERTS }).rejects(denied);
    const error = await handler({ endpoints: [{ name: 'x', url: `${base}/unavailable` }] }, context()).then(
      () => undefined,
      (e: unknown) => e as Error & { cause?: unknown },
    );
    expect(error?.name).toBe('PublishError');
    expect(error?.message).toContain(`could not publish the alert to ALERTS (${ALERTS})`);
    expect(error?.message).toContain('not authorized');
    expect(error?.cause).toBe(denied);
    expect(
      publishes()
        .map((p) => p.TopicArn)
        .sort(),
    ).toEqual([ALERTS, REPORTS].sort());
  });
});

describe('configuration', () => {
  async function loadWith(env: Record<string, string | undefined>): Promise<{ handler: Handler }> {
    const saved = { ...process.env };
    Object.assign(process.env, env);
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k];
    try {
      let loaded: { handler: Handler } | undefined;
      await jest.isolateModulesAsync(async () => {
        loaded = (await import(JOB_MODULE)) as { handler: Handler };
      });
      return loaded!;
    } finally {
      process.env = saved;
    }
  }

  test('no topic at all fails at init with what to set', async () => {
    await expect(loadWith({ REPORTS: undefined, ALERTS: undefined })).rejects.toThrow(
      /no topic to publish to: set REPORTS or ALERTS, e\.g\. deploy the scheduled job with SnsTopics=REPORTS=/,
    );
  });

  test('a value that is not a topic ARN fails at init naming the variable', async () => {
    await expect(loadWith({ ALERTS: 'alerts' })).rejects.toThrow(
      'environment variable ALERTS must be an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>), got "alerts"',
    );
  });

  test('with ALERTS only, the job alerts and publishes no report', async () => {
    const result = await handlerWith({ REPORTS: undefined })(
      { endpoints: [{ url: `${base}/unavailable` }] },
      context(),
    );
    expect(publishes().map((p) => p.TopicArn)).toEqual([ALERTS]);
    expect(result.published.map((p) => p.variable)).toEqual(['ALERTS']);
  });

  test('with REPORTS only, problems still reach the report, and no alert is attempted', async () => {
    const result = await handlerWith({ ALERTS: '' })({ endpoints: [{ url: `${base}/unavailable` }] }, context());
    expect(publishes().map((p) => p.TopicArn)).toEqual([REPORTS]);
    expect(result.severity).toBe('critical');
  });

  test('a FIFO topic gets a message group per job and a deduplication id per run and type', async () => {
    const fifo = 'arn:aws:sns:eu-west-1:210987654321:reports.fifo';
    await handlerWith({ REPORTS: fifo })({ job: 'nightly run', endpoints: [{ url: `${base}/ok` }] }, context('req-42'));
    const input = publishes()[0];
    expect(input.TopicArn).toBe(fifo);
    expect(input.MessageGroupId).toBe('nightly-run');
    expect(input.MessageDeduplicationId).toBe('req-42-report');
    expect(publishes()).toHaveLength(1);
  });
});

describe('the job context (ScheduleContext=true)', () => {
  const envelope = (payload: unknown, over: Record<string, string> = {}) => ({
    payload,
    cloudCron: {
      scheduledTime: '2030-01-07T07:00:00Z',
      executionId: '1b7e0c5a-6d2f-4e8a-9c3b-5f1d2e3a4b6c',
      attempt: '1',
      scheduleArn: 'arn:aws:scheduler:us-east-1:123456789012:schedule/default/website',
      trigger: 'schedule',
      ...over,
    },
  });

  test("the envelope's payload is the event; the slot is in the result and in every message", async () => {
    const result = await handler(envelope({ job: 'website', endpoints: [{ url: `${base}/unavailable` }] }), context());
    expect(result.scheduledTime).toBe('2030-01-07T07:00:00.000Z');
    expect(published(REPORTS).message.scheduledTime).toBe('2030-01-07T07:00:00.000Z');
    expect(published(ALERTS).message.scheduledTime).toBe('2030-01-07T07:00:00.000Z');
  });

  test('without it, scheduledTime is null and an envelope-looking payload is still validated as the payload', async () => {
    const result = await handler({ endpoints: [{ url: `${base}/ok` }] }, context());
    expect(result.scheduledTime).toBeNull();
    expect(published(REPORTS).message.scheduledTime).toBeNull();
    const error = await handler({ payload: {}, cloudCron: 'x' }, context()).catch((e: Error) => e);
    expect((error as Error).message).toMatch(/the event has unknown fields "payload", "cloudCron"/);
  });

  test('on a FIFO topic, retries of one slot publish the same deduplication id, whatever the request id', async () => {
    const fifo = 'arn:aws:sns:eu-west-1:210987654321:reports.fifo';
    const run = handlerWith({ REPORTS: fifo });
    const event = envelope({ job: 'nightly', endpoints: [{ url: `${base}/ok` }] });
    await run(event, context('req-1'));
    await run(envelope(event.payload, { attempt: '2' }), context('req-2'));
    await run(envelope(event.payload, { scheduledTime: '2030-01-08T07:00:00Z' }), context('req-3'));
    const ids = publishes().map((p) => p.MessageDeduplicationId);
    expect(ids[0]).toBe('nightly#2030-01-07T07:00:00.000Z-report');
    expect(ids[1]).toBe(ids[0]);
    expect(ids[2]).not.toBe(ids[0]);
  });
});

describe('the parent template renders and routes these messages', () => {
  type App = { Properties: { Parameters: Record<string, unknown> } };
  const parent = loadTemplate(join(ROOT, 'examples', 'parent', 'template.yaml'));
  const app = (id: string) => (parent.Resources[id] as unknown as App).Properties.Parameters;
  const param = (name: string) =>
    String((parent.Parameters?.[name] as { Default?: unknown } | undefined)?.Default ?? '');

  function snsRecordOf(input: PublishCommandInput) {
    return contextFromSns({
      Message: input.Message ?? '',
      MessageId: 'm-1',
      TopicArn: input.TopicArn ?? '',
      Timestamp: '2030-01-01T00:00:00.000Z',
      Subject: input.Subject,
      MessageAttributes: Object.fromEntries(
        Object.entries(input.MessageAttributes ?? {}).map(([k, v]) => [
          k,
          { Type: v.DataType ?? 'String', Value: v.StringValue ?? '' },
        ]),
      ),
    });
  }

  /** SNS filter policies in their simplest form: every key lists the exact string values it accepts. */
  function matches(policyJson: string, input: PublishCommandInput): boolean {
    if (policyJson === '') return true;
    const policy = JSON.parse(policyJson) as Record<string, unknown[]>;
    return Object.entries(policy).every(([key, allowed]) => {
      if (!allowed.every((v) => typeof v === 'string'))
        throw new Error(`the test matcher only knows exact strings: ${key}`);
      const value = input.MessageAttributes?.[key]?.StringValue;
      return value !== undefined && allowed.includes(value);
    });
  }

  test('email text and HTML templates show every failing endpoint; the SMS is one line with the summary', async () => {
    await handler(
      {
        job: 'shop',
        slowMs: 100,
        endpoints: [
          { name: 'home', url: `${base}/ok`, slowMs: 5000 },
          { name: 'checkout', url: `${base}/unavailable` },
          { name: 'search', url: `${base}/slow` },
        ],
      },
      context(),
    );
    const report = snsRecordOf(published(REPORTS).input);
    const text = compileTemplate(String(app('ReportEmail').TextTemplate), { name: 'TextTemplate', escape: false })(
      report,
    );
    expect(text).toContain('shop: 1 of 3 endpoints down, 1 slow\n');
    expect(text).toMatch(/- home: up, HTTP 200 in \d+ ms\n/);
    expect(text).toMatch(/- checkout: down, HTTP 503 in \d+ ms \(HTTP 503, expected 2xx\)\n/);
    expect(text).toContain('(HTTP 503, expected 2xx)');
    expect(text).toMatch(/- search: slow, HTTP 200 in \d+ ms \(\d+ ms, slower than 100 ms\)/);
    expect(text).toContain(`${base}/unavailable`);
    expect(text).toContain('3 checked, 1 up, 1 slow, 1 down at ');

    const html = compileTemplate(String(app('ReportEmail').HtmlTemplate), { name: 'HtmlTemplate', escape: true })(
      report,
    );
    expect(html).toContain('<h2 style="margin:0 0 8px">shop: 1 of 3 endpoints down, 1 slow</h2>');
    expect(html).toContain(`<a href="${base}/unavailable">checkout</a>`);
    expect(html.match(/<tr>/g)).toHaveLength(4); // header + 3 endpoints

    const alert = snsRecordOf(published(ALERTS).input);
    const sms = compileTemplate(String(app('AlertSms').MessageTemplate), { name: 'MessageTemplate', escape: false })(
      alert,
    );
    expect(sms).toMatch(
      /^\[CRITICAL\] shop: 1 of 3 endpoints down, 1 slow - DOWN checkout \(HTTP 503\); SLOW search \(\d+ ms\)$/,
    );
  });

  test('default filter policies: problem reports are emailed, routine ones are not; only critical alerts are texted', async () => {
    await handler({ endpoints: [{ url: `${base}/ok` }] }, context());
    const routine = published(REPORTS).input;
    snsMock.resetHistory();
    await handler({ endpoints: [{ url: `${base}/unavailable`, critical: false }] }, context());
    const warningReport = published(REPORTS).input;
    const warningAlert = published(ALERTS).input;
    snsMock.resetHistory();
    await handler({ endpoints: [{ url: `${base}/unavailable` }] }, context());
    const criticalAlert = published(ALERTS).input;

    const email = param('EmailFilterPolicy');
    const sms = param('SmsFilterPolicy');
    expect(matches(email, routine)).toBe(false);
    expect(matches(email, warningReport)).toBe(true);
    expect(matches(email, warningAlert)).toBe(false);
    expect(matches(sms, warningAlert)).toBe(false);
    expect(matches(sms, criticalAlert)).toBe(true);
  });
});
