/**
 * The Jobs app's front doors against moto: the HTTP API (its handler in this process, fed the HTTP API v2 events
 * of events/jobs-api-*.json: moto has no API Gateway data plane) and job files (real S3 objects, S3's own
 * notifications on the files queue, the built file sync and status writer) write the jobs table; its real stream,
 * filtered as the template's FilterCriteria say, drives the built reconciler, which creates, replaces and deletes
 * the schedules in moto's EventBridge Scheduler. A refused write changes nothing.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetScheduleCommand, ListSchedulesCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2WithIAMAuthorizer, APIGatewayProxyStructuredResultV2, SQSEvent } from 'aws-lambda';
import { INPUT_VERSION } from '../../../functions/common/jobs/dispatch-input';
import { createJobsStore } from '../../../functions/common/jobs/store';
import { compilePatterns } from '../../../functions/common/jobs/targets';
import { createApi } from '../../../functions/jobs-api/api';
import type { FileOutcome } from '../../../functions/jobs-files/files';
import { buildAll } from '../../../tooling/build';
import { invokeBundle } from '../../../tooling/invoke';
import { BAD_JOBS } from '../../../tooling/jobs-fixtures';
import { deployJobsLocally, type LocalJobs } from '../../../tooling/jobs-local';
import { type Moto, startMoto } from '../../../tooling/moto';
import { EVENTS, ROOT } from '../../../tooling/paths';
import { drain } from '../../../tooling/runs-local';

type ApiEvent = APIGatewayProxyEventV2WithIAMAuthorizer;
const sample = (name: string) => JSON.parse(readFileSync(join(EVENTS, `${name}.json`), 'utf8')) as ApiEvent;

const ACCOUNT = '123456789012';
const ALLOWED = [`arn:aws:lambda:us-east-1:${ACCOUNT}:function:reports-*`, `arn:aws:sns:us-east-1:${ACCOUNT}:alerts`];

let moto: Moto;
let jobs: LocalJobs;
let scheduler: SchedulerClient;
let s3: S3Client;
let sqs: SQSClient;
let api: ReturnType<typeof createApi>;
const manualRuns: unknown[] = [];

beforeAll(async () => {
  await buildAll(ROOT, ['jobs-reconciler', 'jobs-files', 'jobs-status']);
  moto = await startMoto();
  const ddb = new DynamoDBClient(moto.client);
  scheduler = new SchedulerClient(moto.client);
  s3 = new S3Client({ ...moto.client, forcePathStyle: true });
  sqs = new SQSClient(moto.client);
  jobs = await deployJobsLocally(
    { ddb, streams: new DynamoDBStreamsClient(moto.client), scheduler, s3, sqs },
    { prefix: 'doors', allowedTargetArns: ALLOWED },
  );
  api = createApi({
    store: createJobsStore(ddb, jobs.tableName),
    allowed: compilePatterns(ALLOWED),
    async runNow(input) {
      manualRuns.push(input);
    },
    newId: randomUUID,
    now: () => new Date(),
    log: { info: () => undefined, warn: () => undefined },
  });
}, 180000);

afterAll(async () => {
  await moto?.stop();
});

/** Hands the stream's new records to a built stream function, filtered as its event source mapping would. */
async function streamTo(name: 'jobs-reconciler' | 'jobs-status', logicalId: string, records: unknown[]) {
  const filtered = jobs.stream.filter(records as never, logicalId);
  if (filtered.length === 0) return { batchItemFailures: [] };
  const [r] = await invokeBundle<{ batchItemFailures: unknown[] }>(name, [{ Records: filtered }], {
    ...moto.env,
    ...jobs.env(logicalId),
  });
  if (!r.ok) throw new Error(`${name} failed: ${r.error.name}: ${r.error.message}\n${r.logs}`);
  expect(r.result.batchItemFailures).toEqual([]);
  return r.result;
}

/** What Lambda's mappings would do next: the new stream records to the reconciler and the status writer. */
async function settle(): Promise<void> {
  const records = await jobs.stream.read();
  await streamTo('jobs-reconciler', 'ReconcilerFunction', records);
  await streamTo('jobs-status', 'StatusFunction', records);
  // The reconciler's and status writer's own writes (schedule records) reach the status writer only.
  const more = await jobs.stream.read();
  expect(jobs.stream.filter(more, 'ReconcilerFunction')).toEqual([]);
  await streamTo('jobs-status', 'StatusFunction', more);
}

async function call(
  base: string,
  change: { body?: unknown; headers?: Record<string, string>; id?: string; query?: Record<string, string> } = {},
): Promise<APIGatewayProxyStructuredResultV2 & { json: Record<string, unknown> }> {
  const event = sample(base);
  if (change.body !== undefined)
    event.body = typeof change.body === 'string' ? change.body : JSON.stringify(change.body);
  if (change.headers) event.headers = { ...event.headers, ...change.headers };
  if (change.id) {
    event.pathParameters = { id: change.id };
    event.rawPath = event.rawPath.replace('nightly-report', change.id);
    event.requestContext.http.path = event.rawPath;
  }
  if (change.query) event.queryStringParameters = change.query;
  const r = await api(event);
  return { ...r, json: r.body ? (JSON.parse(r.body) as Record<string, unknown>) : {} };
}

async function schedule(name: string) {
  try {
    return await scheduler.send(new GetScheduleCommand({ Name: name, GroupName: jobs.groupName }));
  } catch (e) {
    if ((e as Error).name === 'ResourceNotFoundException') return undefined;
    throw e;
  }
}

async function scheduleNames(): Promise<string[]> {
  const r = await scheduler.send(new ListSchedulesCommand({ GroupName: jobs.groupName }));
  return (r.Schedules ?? []).map((s) => s.Name!).sort();
}

const definitionOf = (name: string) => JSON.parse(sample(name).body!) as Record<string, unknown>;

describe('the HTTP API', () => {
  test('POST creates the job and the reconciler its schedule; GET returns the definition unchanged', async () => {
    const created = await call('jobs-api-create');
    expect(created.statusCode).toBe(201);
    expect(created.headers?.location).toBe('/jobs/nightly-report');
    const etag = created.headers?.etag as string;
    await settle();
    const s = await schedule('nightly-report');
    expect(s).toMatchObject({
      ScheduleExpression: 'cron(0 2 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Paris',
      State: 'ENABLED',
      ActionAfterCompletion: 'NONE',
      Description: 'The nightly sales report',
      Target: {
        Arn: jobs.dispatcherArn,
        RoleArn: jobs.schedulerRoleArn,
        DeadLetterConfig: { Arn: jobs.dispatchDeadLetterQueueArn },
      },
    });
    expect(JSON.parse(s!.Target!.Input!)).toEqual({
      v: INPUT_VERSION,
      job: 'nightly-report',
      version: 1,
      scheduledTime: '<aws.scheduler.scheduled-time>',
      executionId: '<aws.scheduler.execution-id>',
      attempt: '<aws.scheduler.attempt-number>',
      scheduleArn: '<aws.scheduler.schedule-arn>',
    });
    const got = await call('jobs-api-get');
    expect(got.statusCode).toBe(200);
    expect(got.headers?.etag).toBe(etag);
    const job = got.json.job as Record<string, unknown>;
    expect(job.definition).toEqual(definitionOf('jobs-api-create'));
    expect(job.source).toBe('api');
    expect(job.updatedBy).toBe('arn:aws:iam::123456789012:user/platform-admin');
    expect((job.schedule as { reconciled: { status: string } }).reconciled.status).toBe('active');
    const list = await call('jobs-api-list');
    expect((list.json.jobs as { definition: unknown }[]).map((j) => j.definition)).toEqual([
      definitionOf('jobs-api-create'),
    ]);
    // The same definition again writes nothing (and so changes no schedule).
    const again = await call('jobs-api-replace', {
      body: sample('jobs-api-create').body,
      headers: { 'if-match': etag },
    });
    expect(again.statusCode).toBe(200);
    expect(again.json.outcome).toBe('unchanged');
    expect(jobs.stream.filter(await jobs.stream.read(), 'ReconcilerFunction')).toEqual([]);
  });

  test('PUT needs the current ETag; with it the schedule is replaced', async () => {
    const without = await call('jobs-api-replace', { headers: { 'if-match': '' } });
    // An empty If-Match is not the ETag: refused, nothing written.
    expect(without.statusCode).toBe(412);
    const stale = await call('jobs-api-replace');
    expect(stale.statusCode).toBe(412);
    expect(stale.json.message).toMatch(/changed since you read it/);
    const e = sample('jobs-api-replace');
    delete (e.headers as Record<string, string>)['if-match'];
    const noHeader = await api(e);
    expect(noHeader.statusCode).toBe(428);
    await settle();
    expect((await schedule('nightly-report'))?.ScheduleExpression).toBe('cron(0 2 * * ? *)');

    const etag = (await call('jobs-api-get')).headers?.etag as string;
    const replaced = await call('jobs-api-replace', { headers: { 'if-match': etag } });
    expect(replaced.statusCode).toBe(200);
    expect(replaced.json.outcome).toBe('updated');
    expect(replaced.headers?.etag).not.toBe(etag);
    await settle();
    const s = await schedule('nightly-report');
    expect(s?.ScheduleExpression).toBe('cron(30 3 * * ? *)');
    expect(JSON.parse(s!.Target!.Input!).version).toBe(2);
  });

  test('pause disables the schedule, resume enables it; run now hands the dispatcher a manual input', async () => {
    expect((await call('jobs-api-pause')).statusCode).toBe(200);
    await settle();
    expect((await schedule('nightly-report'))?.State).toBe('DISABLED');
    expect(((await call('jobs-api-get')).json.job as { schedule: { state: string } }).schedule.state).toBe('PAUSED');
    expect((await call('jobs-api-resume')).statusCode).toBe(200);
    await settle();
    expect((await schedule('nightly-report'))?.State).toBe('ENABLED');
    const run = await call('jobs-api-run');
    expect(run.statusCode).toBe(202);
    expect(manualRuns).toEqual([
      {
        v: 1,
        job: 'nightly-report',
        trigger: 'manual',
        executionId: run.json.executionId,
        requestedAt: run.json.requestedAt,
      },
    ]);
    expect((await call('jobs-api-run', { id: 'no-such-job' })).statusCode).toBe(404);
  });

  test('a target outside AllowedTargetArns, or any bad definition, is refused with the field path and writes nothing', async () => {
    const outside = {
      ...definitionOf('jobs-api-create'),
      id: 'elsewhere',
      target: { type: 'lambda', arn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:payroll-export` },
    };
    const refused = await call('jobs-api-create', { body: outside });
    expect(refused.statusCode).toBe(400);
    expect(refused.json.errors).toEqual([
      expect.objectContaining({
        path: 'target.arn',
        code: 'target.arn.not-allowed',
        message: expect.stringMatching(
          /^target\.arn: .*payroll-export is not allowed by this Jobs app's AllowedTargetArns/,
        ),
      }),
    ]);
    const broken = await call('jobs-api-create', { body: '{"version": 1, "id": "broken",\n "schedule": {' });
    expect(broken.statusCode).toBe(400);
    expect((broken.json.errors as { message: string }[])[0].message).toMatch(/line 2/);
    const bad = await call('jobs-api-create', {
      body: { version: 1, id: 'bad', schedule: { expression: 'cron(0 8 * * * *)' }, target: { type: 'sns' } },
    });
    expect((bad.json.errors as { path: string }[]).map((p) => p.path).sort()).toEqual([
      'schedule.expression',
      'target.arn',
      'target.message',
    ]);
    expect((await call('jobs-api-get', { id: 'elsewhere' })).statusCode).toBe(404);
    await settle();
    expect(await scheduleNames()).toEqual(['nightly-report']);
  });

  test('every bad definition of the shared list is refused with 400, naming its field, and writes nothing', async () => {
    const misses: string[] = [];
    for (const [what, definition, path, code] of BAD_JOBS) {
      const r = await call('jobs-api-create', { body: JSON.stringify(definition) });
      const errors = (r.json.errors ?? []) as { path: string; code: string; message: string }[];
      const hit = errors.find((e) => e.code === code && e.path === path);
      if (r.statusCode !== 400 || !hit || (path && !hit.message.startsWith(`${path}: `))) misses.push(what);
    }
    expect(misses).toEqual([]);
    expect(BAD_JOBS.length).toBeGreaterThanOrEqual(40);
    await settle();
    expect(await scheduleNames()).toEqual(['nightly-report']);
  });

  test('DELETE removes the job, and the reconciler its schedule', async () => {
    expect((await call('jobs-api-delete', { headers: { 'if-match': '"9-000000000000"' } })).statusCode).toBe(412);
    expect((await call('jobs-api-delete')).statusCode).toBe(204);
    await settle();
    expect(await schedule('nightly-report')).toBeUndefined();
    expect((await call('jobs-api-get')).statusCode).toBe(404);
    expect((await call('jobs-api-delete')).statusCode).toBe(404);
  });
});

describe('job files', () => {
  const key = (name: string) => `${jobs.prefix}team a/${name}.json`;
  const put = (name: string, body: unknown) =>
    s3.send(
      new PutObjectCommand({
        Bucket: jobs.bucket,
        Key: key(name),
        Body: typeof body === 'string' ? body : JSON.stringify(body, null, 2),
      }),
    );

  /** S3's notifications of the files queue, handed to the built file sync as Lambda's SQS mapping would. */
  async function sync(): Promise<FileOutcome[]> {
    const bodies = await drain<unknown>(sqs, jobs.filesQueueUrl);
    const event: SQSEvent = {
      Records: bodies.map((b, i) => ({
        messageId: `m-${i}`,
        receiptHandle: `r-${i}`,
        body: JSON.stringify(b),
        attributes: {} as never,
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:doors-jobs-files',
        awsRegion: 'us-east-1',
      })),
    };
    const [r] = await invokeBundle<{ batchItemFailures: unknown[] }>('jobs-files', [event], {
      ...moto.env,
      ...jobs.env('FilesFunction'),
    });
    if (!r.ok) throw new Error(`file sync failed: ${r.error.message}\n${r.logs}`);
    expect(r.result.batchItemFailures).toEqual([]);
    await settle();
    // The outcomes are logged per file; the table and the schedules are what the assertions read.
    return [];
  }

  async function status(name: string): Promise<Record<string, unknown> | undefined> {
    try {
      const r = await s3.send(new GetObjectCommand({ Bucket: jobs.bucket, Key: `${key(name)}.status` }));
      return JSON.parse(await r.Body!.transformToString()) as Record<string, unknown>;
    } catch (e) {
      if ((e as Error).name === 'NoSuchKey') return undefined;
      throw e;
    }
  }

  const weekly = {
    version: 1,
    id: 'weekly-alerts',
    schedule: { expression: 'cron(0 9 ? * MON *)', timezone: 'America/New_York' },
    target: {
      type: 'sns',
      arn: `arn:aws:sns:us-east-1:${ACCOUNT}:alerts`,
      message: { title: 'Weekly digest' },
      attributes: { type: 'digest' },
    },
    maxRuns: 10,
  };

  test('adding a file creates the job (owned by the file) and its schedule; the status object shows it', async () => {
    await put('weekly', weekly);
    await sync();
    const s = await schedule('weekly-alerts');
    expect(s).toMatchObject({
      ScheduleExpression: 'cron(0 9 ? * MON *)',
      ScheduleExpressionTimezone: 'America/New_York',
    });
    const got = await call('jobs-api-get', { id: 'weekly-alerts' });
    const job = got.json.job as Record<string, unknown>;
    expect(job.definition).toEqual(weekly);
    expect(job.source).toBe(`s3://${jobs.bucket}/${key('weekly')}`);
    const st = await status('weekly');
    expect(st).toMatchObject({ status: 'accepted', file: `s3://${jobs.bucket}/${key('weekly')}` });
    expect((st!.job as { runs: unknown; schedule: { nextRun: string } }).runs).toEqual({
      count: 0,
      maxRuns: 10,
      last: null,
      finished: null,
    });
    expect((st!.job as { schedule: { nextRun: string } }).schedule.nextRun).toMatch(/T1[34]:00:00\.000Z$/);
    // The API may pause a file's job, not change or delete it.
    const etag = got.headers?.etag as string;
    const other = { ...weekly, maxRuns: 2 };
    const refused = await call('jobs-api-replace', { id: 'weekly-alerts', body: other, headers: { 'if-match': etag } });
    expect(refused.statusCode).toBe(409);
    expect(refused.json.message).toMatch(/defined by the file s3:\/\/.*: change or delete that file instead/);
    expect((await call('jobs-api-delete', { id: 'weekly-alerts' })).statusCode).toBe(409);
    expect((await call('jobs-api-pause', { id: 'weekly-alerts' })).statusCode).toBe(200);
    await settle();
    expect((await schedule('weekly-alerts'))?.State).toBe('DISABLED');
    expect((await call('jobs-api-resume', { id: 'weekly-alerts' })).statusCode).toBe(200);
    await settle();
    expect((await schedule('weekly-alerts'))?.State).toBe('ENABLED');
  });

  test('changing the file replaces the schedule; the same content again writes nothing', async () => {
    await put('weekly', { ...weekly, schedule: { expression: 'cron(0 10 ? * TUE *)', timezone: 'America/New_York' } });
    await sync();
    expect((await schedule('weekly-alerts'))?.ScheduleExpression).toBe('cron(0 10 ? * TUE *)');
    await put(
      'weekly',
      JSON.stringify({ ...weekly, schedule: { timezone: 'America/New_York', expression: 'cron(0 10 ? * TUE *)' } }),
    );
    await sync();
    const job = (await call('jobs-api-get', { id: 'weekly-alerts' })).json.job as { version: number };
    expect(job.version).toBe(2);
  });

  test('an invalid file is refused beside it, and the previous version of its job keeps running', async () => {
    await put('weekly', { ...weekly, schedule: { expression: 'cron(0 25 ? * TUE *)' }, maxRuns: 0 });
    await sync();
    expect((await schedule('weekly-alerts'))?.ScheduleExpression).toBe('cron(0 10 ? * TUE *)');
    const st = await status('weekly');
    expect(st?.status).toBe('refused');
    expect((st!.errors as { path: string }[]).map((e) => e.path).sort()).toEqual(['maxRuns', 'schedule.expression']);
    expect((st!.job as { version: number }).version).toBe(2);
    // A target outside AllowedTargetArns is refused the same way.
    await put('elsewhere', {
      ...weekly,
      id: 'elsewhere',
      target: { ...weekly.target, arn: `arn:aws:sns:us-east-1:${ACCOUNT}:payroll` },
    });
    await sync();
    expect(await schedule('elsewhere')).toBeUndefined();
    expect(((await status('elsewhere'))!.errors as { code: string }[]).map((e) => e.code)).toEqual([
      'target.arn.not-allowed',
    ]);
  });

  test('a message that is no S3 notification goes to the files dead-letter queue with its reason', async () => {
    const [r] = await invokeBundle<{ batchItemFailures: unknown[] }>(
      'jobs-files',
      [{ Records: [{ messageId: 'odd-1', body: '{"hello": "world"}', eventSource: 'aws:sqs' }] }],
      { ...moto.env, ...jobs.env('FilesFunction') },
    );
    if (!r.ok) throw new Error(r.error.message);
    expect(r.result.batchItemFailures).toEqual([]);
    const [letter] = await drain<{ reason: string; messageId: string; body: string }>(
      sqs,
      jobs.filesDeadLetterQueueUrl,
    );
    expect(letter).toMatchObject({ messageId: 'odd-1', body: '{"hello": "world"}' });
    expect(letter.reason).toMatch(/not an S3 event notification/);
  });

  test('every bad definition of the shared list, as a file, is refused beside it naming its field', async () => {
    const names = BAD_JOBS.map((_, i) => `bad-${i}`);
    for (const [i, [, definition]] of BAD_JOBS.entries()) await put(names[i], JSON.stringify(definition));
    await sync();
    const misses: string[] = [];
    for (const [i, [what, , path, code]] of BAD_JOBS.entries()) {
      const st = await status(names[i]);
      const errors = (st?.errors ?? []) as { path: string; code: string }[];
      if (st?.status !== 'refused' || !errors.some((e) => e.code === code && e.path === path)) misses.push(what);
    }
    expect(misses).toEqual([]);
    // No job was made from any of them (weekly-alerts, from its own file, is the only job of a file).
    const list = await call('jobs-api-list', { query: { limit: '100' } });
    expect((list.json.jobs as { id: string; source: string }[]).filter((j) => j.source.startsWith('s3://'))).toEqual([
      expect.objectContaining({ id: 'weekly-alerts' }),
    ]);
  });

  test('deleting the file deletes its job, its schedule and its status object', async () => {
    await s3.send(new DeleteObjectCommand({ Bucket: jobs.bucket, Key: key('weekly') }));
    await sync();
    expect(await schedule('weekly-alerts')).toBeUndefined();
    expect((await call('jobs-api-get', { id: 'weekly-alerts' })).statusCode).toBe(404);
    expect(await status('weekly')).toBeUndefined();
  });
});
