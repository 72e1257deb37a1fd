/**
 * The dashboard's local server against moto: what it reads from the Runs ledger and the Jobs table, what it refuses
 * (another Host, a change without the page's token or from another origin, an invalid job with the validator's own
 * problems, an edit without or with a stale ETag), and what its actions do. No browser here (browser.test.ts).
 */

import { request } from 'node:http';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { loadDashboard, type Sources } from '../../../cli/dashboard/data';
import type { DashboardData, JobDetail } from '../../../cli/dashboard/model';
import { type DashboardServer, startDashboardServer } from '../../../cli/dashboard/server';
import { createJobsStore, type JobsStore } from '../../../functions/common/jobs/store';
import { CONFIG_KEY } from '../../../functions/common/jobs/table';
import { validateJobText } from '../../../functions/common/jobs/validate';
import type { Registration } from '../../../functions/common/runs/ledger';
import { createLedgerStore, type LedgerStore } from '../../../functions/common/runs/store';
import { nextRuns } from '../../../functions/common/schedule';
import { createJobsTable } from '../../../tooling/jobs-local';
import { type Moto, startMoto } from '../../../tooling/moto';
import { createRunsTable } from '../../../tooling/runs-local';

const NOW = new Date('2030-01-08T10:00:00Z');
const ALLOWED = ['arn:aws:sns:us-east-1:123456789012:allowed-*'];
let moto: Moto;
let ledger: LedgerStore;
let jobs: JobsStore;
let server: DashboardServer;
const ran: string[] = [];

const registration = (job: string, expression: string): Registration => ({
  pk: 'JOBS',
  sk: job,
  kind: 'job',
  v: 1,
  job,
  functionArn: `arn:aws:lambda:us-east-1:123456789012:function:${job}`,
  stackId: `arn:aws:cloudformation:us-east-1:123456789012:stack/${job}-stack/1`,
  stackName: `${job}-stack`,
  scheduleArn: `arn:aws:scheduler:us-east-1:123456789012:schedule/default/${job}`,
  expression,
  timezone: 'Europe/Paris',
  state: 'ENABLED',
  flexibleWindowMinutes: 0,
  timeoutSeconds: 60,
  maximumRetryAttempts: 2,
  missedRunGraceMinutes: 5,
  scheduleContext: false,
  scheduleModifiedAt: '2030-01-01T00:00:00.000Z',
  since: '2030-01-01T00:00:00.000Z',
  registeredAt: '2030-01-01T00:00:00.000Z',
  updatedAt: '2030-01-01T00:00:00.000Z',
});

const definition = (id: string, expression: string, arn = 'arn:aws:sns:us-east-1:123456789012:allowed-topic') =>
  JSON.stringify({
    version: 1,
    id,
    schedule: { expression, timezone: 'UTC' },
    target: { type: 'sns', arn, message: 'm' },
  });

type Reply = { status: number; body: Record<string, unknown> };

function call(
  method: string,
  path: string,
  o: { body?: string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const url = new URL(path, server.url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname, method, headers: { host: url.host, ...o.headers } },
      (res) => {
        let text = '';
        res.on('data', (d) => {
          text += d;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: text.startsWith('{') ? JSON.parse(text) : { text } }),
        );
      },
    );
    req.on('error', reject);
    req.end(o.body);
  });
}

const change = (method: string, path: string, body?: string, headers: Record<string, string> = {}) =>
  call(method, path, { body, headers: { 'x-cloud-cron-token': server.token, ...headers } });

beforeAll(async () => {
  moto = await startMoto();
  const ddb = new DynamoDBClient(moto.client);
  await createRunsTable(ddb, 'dash-runs');
  await createJobsTable(ddb, 'dash-jobs');
  ledger = createLedgerStore(ddb, 'dash-runs');
  jobs = createJobsStore(ddb, 'dash-jobs');
  await ledger.putRegistration(registration('nightly', 'cron(0 2 * * ? *)'));
  await jobs.writeItems([
    {
      ...CONFIG_KEY,
      groupName: 'g',
      dispatcherArn: 'arn:aws:lambda:us-east-1:123456789012:function:d',
      allowedTargetArns: ALLOWED,
      bucket: 'b',
      prefix: 'jobs/',
      stackId: 's',
      updatedAt: NOW.toISOString(),
    },
  ]);
  const sources: Sources = {
    runs: { store: ledger, name: 'ledger dash-runs' },
    registry: { store: jobs, config: (await jobs.getConfig())!, name: 'jobs table dash-jobs' },
  };
  server = await startDashboardServer(
    {
      sources,
      now: () => NOW,
      actions: {
        async runStackJob(r) {
          ran.push(`stack ${r.job} ${r.functionArn}`);
          return { requestId: 'req-1' };
        },
        async runRegistryJob(id) {
          ran.push(`registry ${id}`);
          return { executionId: 'manual-1' };
        },
      },
    },
    { host: '127.0.0.1', port: 0 },
  );
});

afterAll(async () => {
  await server?.close();
  await moto?.stop();
});

test('it answers only to its own Host (no DNS rebinding) and serves the page with its token', async () => {
  const foreign = await call('GET', '/api/jobs', { headers: { host: 'evil.example:80' } });
  expect(foreign.status).toBe(421);
  const page = await call('GET', '/');
  expect(page.status).toBe(200);
  expect(String(page.body.text)).toContain(`content="${server.token}"`);
  const local = await call('GET', '/api/jobs', { headers: { host: `localhost:${new URL(server.url).port}` } });
  expect(local.status).toBe(200);
});

test('a change needs the page token and, when an Origin is sent, this origin', async () => {
  expect((await call('POST', '/api/jobs/stack%3Anightly/run')).status).toBe(403);
  const other = await change('POST', '/api/jobs/stack%3Anightly/run', undefined, { origin: 'http://evil.example' });
  expect(other.status).toBe(403);
  expect(ran).toEqual([]);
});

test('the job list: a wired stack job with its next runs by the schedule engine', async () => {
  const { body, status } = await call('GET', '/api/jobs');
  expect(status).toBe(200);
  const data = body as unknown as DashboardData;
  const job = data.jobs.find((j) => j.key === 'stack:nightly')!;
  expect(job.schedule).toEqual({
    expression: 'cron(0 2 * * ? *)',
    timezone: 'Europe/Paris',
    words: 'at 02:00 every day',
    state: 'ENABLED',
  });
  expect(job.nextRuns).toEqual(nextRuns('cron(0 2 * * ? *)', 'Europe/Paris', 3, NOW).map((d) => d.toISOString()));
  expect(job.nextRuns[0]).toBe('2030-01-09T01:00:00.000Z');
  expect(job.actions).toEqual({ runNow: true, pause: false, resume: false, edit: false });
});

test("an invalid job is refused with the validator's problems and nothing is written", async () => {
  const text = definition('bad-one', 'cron(0 2 * * * *)');
  const r = await change('POST', '/api/registry', text);
  expect(r.status).toBe(400);
  const verdict = validateJobText(text);
  expect(verdict.ok).toBe(false);
  expect(r.body.errors).toEqual(!verdict.ok && verdict.errors);
  const outside = await change(
    'POST',
    '/api/registry',
    definition('outside', 'rate(1 hour)', 'arn:aws:sns:us-east-1:123456789012:other'),
  );
  expect(outside.status).toBe(400);
  expect(JSON.stringify(outside.body.errors)).toMatch(/AllowedTargetArns|allowed/);
  expect(await jobs.getJobItem('bad-one')).toBeUndefined();
  expect(await jobs.getJobItem('outside')).toBeUndefined();
});

test('create, then edits only with the current ETag', async () => {
  const created = await change('POST', '/api/registry', definition('hourly', 'rate(1 hour)'));
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ outcome: 'created', id: 'hourly' });
  expect((await change('POST', '/api/registry', definition('hourly', 'rate(1 hour)'))).status).toBe(409);
  expect((await change('PUT', '/api/registry/hourly', definition('hourly', 'rate(2 hours)'))).status).toBe(428);
  const stale = await change('PUT', '/api/registry/hourly', definition('hourly', 'rate(2 hours)'), {
    'if-match': '"9-000"',
  });
  expect(stale.status).toBe(412);
  const renamed = await change('PUT', '/api/registry/hourly', definition('other', 'rate(2 hours)'), {
    'if-match': String(created.body.etag),
  });
  expect(renamed.status).toBe(400);
  const ok = await change('PUT', '/api/registry/hourly', definition('hourly', 'rate(2 hours)'), {
    'if-match': String(created.body.etag),
  });
  expect(ok.status).toBe(200);
  expect(ok.body.outcome).toBe('updated');
  expect(JSON.parse((await jobs.getJobItem('hourly'))!.definition).schedule.expression).toBe('rate(2 hours)');
});

test('pause and resume a registry job; run now for both kinds goes to the actions', async () => {
  const paused = await change('POST', '/api/jobs/registry%3Ahourly/pause');
  expect(paused.status).toBe(200);
  expect((paused.body as unknown as JobDetail).job.schedule.state).toBe('PAUSED');
  expect((paused.body as unknown as JobDetail).job.nextRuns).toEqual([]);
  const resumed = await change('POST', '/api/jobs/registry%3Ahourly/resume');
  expect((resumed.body as unknown as JobDetail).job.schedule.state).toBe('ENABLED');
  expect((resumed.body as unknown as JobDetail).job.nextRuns).toHaveLength(3);
  expect((await change('POST', '/api/jobs/stack%3Anightly/pause')).status).toBe(400);
  expect((await change('POST', '/api/jobs/stack%3Anightly/run')).body).toMatchObject({
    status: 'queued',
    requestId: 'req-1',
  });
  expect((await change('POST', '/api/jobs/registry%3Ahourly/run')).status).toBe(202);
  expect((await change('POST', '/api/jobs/registry%3Anone/run')).status).toBe(404);
  expect(ran).toEqual(['stack nightly arn:aws:lambda:us-east-1:123456789012:function:nightly', 'registry hourly']);
  const data = await loadDashboard(
    { runs: { store: ledger, name: 'l' }, registry: { unavailable: 'no Jobs app stack cloud-cron-jobs' } },
    NOW,
  );
  expect(data.sources.registry).toEqual({
    available: false,
    name: 'Jobs app',
    detail: 'no Jobs app stack cloud-cron-jobs',
  });
  expect(data.jobs.map((j) => j.key)).toEqual(['stack:nightly']);
});
