/**
 * `cloud-cron jobs ...` against moto: the Jobs app deployed locally as its template declares it (tooling/jobs-local),
 * found by its stack's JobsTableName output; the reconciler fed from the table's real stream, so what `apply`, `rm`
 * and `pause` write turns into EventBridge Scheduler schedules in the app's group; `run` going through Lambda's
 * asynchronous Invoke (the local stand-in in front of moto) to the app's dispatcher.
 */
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { S3Client } from '@aws-sdk/client-s3';
import { GetScheduleCommand, ListSchedulesCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { SQSClient } from '@aws-sdk/client-sqs';
import { get, list, pause, resume, rm, runNow } from '../../../cli/jobs-admin';
import { run as applyCommand } from '../../../cli/jobs-apply';
import { run as validateCommand } from '../../../cli/jobs-validate';
import { main } from '../../../cli/main';
import { fileSource } from '../../../functions/common/jobs/table';
import { type LocalJobsApp, startJobsApp } from '../../../tooling/jobs-app-local';
import { type Moto, startMoto } from '../../../tooling/moto';
import { ROOT, tempDir } from '../../../tooling/paths';
import { type LambdaStandin, startLambdaStandin } from '../../../tooling/simulator/lambda-standin';

const EXAMPLES = join(ROOT, 'examples', 'jobs');
const ALLOWED = [
  'arn:aws:lambda:us-east-1:123456789012:function:cloud-cron-demo-*',
  'arn:aws:sns:us-east-1:123456789012:cloud-cron-demo-*',
];

let moto: Moto;
let app: LocalJobsApp;
let standin: LambdaStandin;
let scheduler: SchedulerClient;
let dir: string;
const saved = { ...process.env };

type Captured = { code: number; out: string; err: string };
async function cli(
  command: { run(argv: string[], io?: { out(t: string): void; err(t: string): void }): Promise<number> },
  argv: string[],
): Promise<Captured> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await command.run(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}
const json = <T = Record<string, unknown>>(c: Captured) => JSON.parse(c.out) as T;

async function scheduleNames(): Promise<string[]> {
  const r = await scheduler.send(new ListSchedulesCommand({ GroupName: app.jobs.groupName }));
  return (r.Schedules ?? []).map((s) => s.Name!).sort();
}

const exampleIds = [
  'heartbeat',
  'inventory-sync',
  'launch-announcement',
  'nightly-report',
  'trial-reminders',
  'weekly-digest',
];

beforeAll(async () => {
  moto = await startMoto();
  scheduler = new SchedulerClient(moto.client);
  app = await startJobsApp(
    {
      ddb: new DynamoDBClient(moto.client),
      streams: new DynamoDBStreamsClient(moto.client),
      scheduler,
      s3: new S3Client({ ...moto.client, forcePathStyle: true }),
      sqs: new SQSClient(moto.client),
    },
    { prefix: 'cli', allowedTargetArns: ALLOWED },
  );
  await new CloudFormationClient(moto.client).send(
    new CreateStackCommand({
      StackName: 'cloud-cron-jobs',
      TemplateBody: JSON.stringify({
        Resources: { Placeholder: { Type: 'AWS::SNS::Topic' } },
        Outputs: { JobsTableName: { Value: app.jobs.tableName } },
      }),
    }),
  );
  standin = await startLambdaStandin(moto.endpoint, () => undefined);
  Object.assign(process.env, moto.env, { AWS_ENDPOINT_URL: standin.endpoint });
  dir = tempDir('jobs-cli-');
  cpSync(EXAMPLES, join(dir, 'jobs'), { recursive: true });
});

afterAll(async () => {
  process.env = saved;
  await standin?.stop();
  await moto?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('jobs validate (offline)', () => {
  it('accepts the examples and names each file', async () => {
    const c = await cli({ run: validateCommand }, [EXAMPLES, '--json']);
    expect(c.code).toBe(0);
    const body = json<{ ok: boolean; files: { file: string; ok: boolean; id: string }[] }>(c);
    expect(body.ok).toBe(true);
    expect(body.files.map((f) => f.id).sort()).toEqual(exampleIds);
  });

  it('refuses bad files with the file, the field and the fix, and exits 1', async () => {
    const bad = join(dir, 'bad');
    mkdirSync(bad, { recursive: true });
    writeFileSync(
      join(bad, 'a.json'),
      JSON.stringify({
        version: 1,
        id: 'a',
        schedule: { expression: 'cron(0 8 * * * *)' },
        target: { type: 'lambda' },
      }),
    );
    writeFileSync(join(bad, 'b.json'), '{"version": 1,\n  "id": "b",\n  "schedule": }');
    writeFileSync(
      join(bad, 'c.json'),
      readFileSync(join(EXAMPLES, 'heartbeat.json'), 'utf8').replace('"heartbeat"', '"a"'),
    );
    const c = await cli({ run: validateCommand }, [bad]);
    expect(c.code).toBe(1);
    expect(c.out).toMatch(/a\.json: schedule\.expression: /);
    expect(c.out).toMatch(/a\.json: target\.arn: is required/);
    expect(c.out).toMatch(/b\.json: .*line 3/);
    expect(c.out).toMatch(/c\.json: id: "a" is also defined by .*a\.json/);
    expect(c.out).toMatch(/3 of 3 job file\(s\) invalid/);
    const j = json<{ files: { errors: { path: string; code: string }[] }[] }>(
      await cli({ run: validateCommand }, [join(bad, 'a.json'), '--json']),
    );
    expect(j.files[0].errors.map((e) => e.path)).toEqual(expect.arrayContaining(['schedule.expression', 'target.arn']));
  });

  it('checks targets against patterns given offline', async () => {
    const c = await cli({ run: validateCommand }, [
      join(EXAMPLES, 'weekly-digest.json'),
      '--allowed-target-arn',
      ALLOWED[0],
    ]);
    expect(c.code).toBe(1);
    expect(c.out).toMatch(/target\.arn: .* is not allowed by this Jobs app's AllowedTargetArns/);
  });

  it('says what is wrong with a path', async () => {
    const c = await cli({ run: validateCommand }, [join(dir, 'nowhere')]);
    expect(c.code).toBe(1);
    expect(c.err).toMatch(/cannot read .*nowhere: no such file or folder/);
  });
});

describe('jobs apply, get, list against moto', () => {
  it('creates every job, and the reconciler makes their schedules from the stream', async () => {
    const c = await cli({ run: applyCommand }, [join(dir, 'jobs'), '--json']);
    expect(c.code).toBe(0);
    const r = json<{ created: string[]; writes: number; applied: boolean }>(c);
    expect(r.created).toEqual(exampleIds);
    expect(r.writes).toBe(6);
    const outcomes = await app.reconcile();
    expect(
      outcomes
        .filter((o) => o.action === 'created')
        .map((o) => o.id)
        .sort(),
    ).toEqual(exampleIds);
    expect(await scheduleNames()).toEqual(exampleIds);
    const once = await scheduler.send(
      new GetScheduleCommand({ GroupName: app.jobs.groupName, Name: 'launch-announcement' }),
    );
    expect(once.ActionAfterCompletion).toBe('DELETE');
    expect(once.ScheduleExpressionTimezone).toBe('Europe/Paris');
  });

  it('a second apply of the same files writes nothing: no write, no stream record, no schedule call', async () => {
    const c = await cli({ run: applyCommand }, [join(dir, 'jobs')]);
    expect(c.code).toBe(0);
    expect(c.out).toMatch(/0 created, 0 updated, 6 unchanged, 0 deleted/);
    const j = json<{ writes: number; unchanged: string[] }>(
      await cli({ run: applyCommand }, [join(dir, 'jobs'), '--json']),
    );
    expect(j.writes).toBe(0);
    expect(j.unchanged).toEqual(exampleIds);
    expect(await app.reconcile()).toEqual([]);
  });

  it('key order and whitespace do not count as a change', async () => {
    const file = join(dir, 'jobs', 'heartbeat.json');
    const def = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    const reordered = Object.fromEntries(Object.entries(def).reverse());
    writeFileSync(file, JSON.stringify(reordered));
    const j = json<{ writes: number }>(await cli({ run: applyCommand }, [join(dir, 'jobs'), '--json']));
    expect(j.writes).toBe(0);
  });

  it('get --definition gives back exactly what the file defined (round trip), get --json the job view', async () => {
    for (const id of exampleIds) {
      const c = await cli(get, [id, '--definition']);
      expect(c.code).toBe(0);
      expect(JSON.parse(c.out)).toEqual(JSON.parse(readFileSync(join(EXAMPLES, `${id}.json`), 'utf8')));
    }
    const v = json<{ job: { id: string; source: string; schedule: { state: string; nextRun: string } } }>(
      await cli(get, ['nightly-report', '--json']),
    );
    expect(v.job).toMatchObject({ id: 'nightly-report', source: 'cli', schedule: { state: 'ENABLED' } });
    expect(Date.parse(v.job.schedule.nextRun)).toBeGreaterThan(Date.now());
    const text = await cli(get, ['trial-reminders']);
    expect(text.out).toMatch(/runs\s+0\/3/);
    expect(text.out).toMatch(/schedule\s+active/);
  });

  it('list shows every job, as a table and as the job views', async () => {
    const c = await cli(list, []);
    expect(c.code).toBe(0);
    expect(c.out.split('\n')[0]).toMatch(/^ID\s+STATE\s+SCHEDULE\s+NEXT RUN\s+RUNS\s+LAST RUN\s+SOURCE$/);
    for (const id of exampleIds) expect(c.out).toMatch(new RegExp(`^${id}\\s`, 'm'));
    const j = json<{ version: number; jobs: { id: string; definition: unknown }[] }>(await cli(list, ['--json']));
    expect(j.version).toBe(1);
    expect(j.jobs.map((x) => x.id)).toEqual(exampleIds);
  });

  it('a changed file updates its job and its schedule', async () => {
    const file = join(dir, 'jobs', 'nightly-report.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace('cron(0 2 * * ? *)', 'cron(30 3 * * ? *)'));
    const j = json<{ updated: string[]; writes: number }>(
      await cli({ run: applyCommand }, [join(dir, 'jobs'), '--json']),
    );
    expect(j).toMatchObject({ updated: ['nightly-report'], writes: 1 });
    const outcomes = await app.reconcile();
    expect(outcomes).toEqual([expect.objectContaining({ id: 'nightly-report', action: 'updated' })]);
    const s = await scheduler.send(new GetScheduleCommand({ GroupName: app.jobs.groupName, Name: 'nightly-report' }));
    expect(s.ScheduleExpression).toBe('cron(30 3 * * ? *)');
  });

  it('an invalid file or a target outside AllowedTargetArns refuses the whole apply: nothing is written', async () => {
    const before = json<{ jobs: { id: string; version: number }[] }>(await cli(list, ['--json'])).jobs;
    const extra = join(dir, 'jobs', 'zz-outside.json');
    writeFileSync(
      extra,
      JSON.stringify({
        version: 1,
        id: 'zz-outside',
        schedule: { expression: 'rate(1 hour)' },
        target: { type: 'lambda', arn: 'arn:aws:lambda:us-east-1:123456789012:function:payroll' },
      }),
    );
    const file = join(dir, 'jobs', 'heartbeat.json');
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, original.replace('cron(30 6 * * ? *)', 'cron(45 6 * * ? *)'));
    const c = await cli({ run: applyCommand }, [join(dir, 'jobs')]);
    expect(c.code).toBe(1);
    expect(c.out).toMatch(/zz-outside\.json: target\.arn: .*function:payroll is not allowed/);
    expect(c.err).toMatch(/1 of 7 job file\(s\) refused: nothing was written/);
    const after = json<{ jobs: { id: string; version: number }[] }>(await cli(list, ['--json'])).jobs;
    expect(after).toEqual(before);
    expect(await app.reconcile()).toEqual([]);
    rmSync(extra);
    writeFileSync(file, original);
  });

  it('--dry-run says what would change and writes nothing', async () => {
    rmSync(join(dir, 'jobs', 'heartbeat.json'));
    const j = json<{ deleted: string[]; writes: number; applied: boolean }>(
      await cli({ run: applyCommand }, [join(dir, 'jobs'), '--prune', '--dry-run', '--json']),
    );
    expect(j).toMatchObject({ deleted: ['heartbeat'], writes: 0, applied: false });
    expect(await scheduleNames()).toContain('heartbeat');
  });

  it('--prune deletes the CLI-made jobs no file defines, and their schedules go', async () => {
    const c = await cli({ run: applyCommand }, [join(dir, 'jobs'), '--prune']);
    expect(c.code).toBe(0);
    expect(c.out).toMatch(/deleted\s+heartbeat/);
    await app.reconcile();
    expect(await scheduleNames()).not.toContain('heartbeat');
    expect((await cli(get, ['heartbeat'])).code).toBe(1);
  });

  it('a job a file in S3 owns cannot be changed or deleted from the CLI, and --prune leaves it alone', async () => {
    const def = JSON.parse(readFileSync(join(EXAMPLES, 'heartbeat.json'), 'utf8'));
    const owner = fileSource('cli-jobs-files', 'jobs/heartbeat.json');
    await app.store.putJob({ ...def, id: 'from-file' }, { source: owner, now: new Date() });
    const file = join(dir, 'jobs', 'from-file.json');
    writeFileSync(file, JSON.stringify({ ...def, id: 'from-file', description: 'taken over?' }));
    const c = await cli({ run: applyCommand }, [join(dir, 'jobs')]);
    expect(c.code).toBe(1);
    expect(c.out).toMatch(/job from-file is defined by the file s3:\/\/cli-jobs-files\/jobs\/heartbeat\.json/);
    expect(c.err).toMatch(/nothing was written/);
    rmSync(file);
    const pruned = json<{ deleted: string[] }>(
      await cli({ run: applyCommand }, [join(dir, 'jobs'), '--prune', '--json']),
    );
    expect(pruned.deleted).toEqual([]);
    const r = await cli(rm, ['from-file']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/change or delete that file instead/);
  });
});

describe('jobs pause, resume, rm, run', () => {
  it('pause disables the schedule (any job, a file-made one too); resume enables it', async () => {
    const p = json<{ changed: boolean; job: { schedule: { state: string } } }>(
      await cli(pause, ['weekly-digest', '--json']),
    );
    expect(p).toMatchObject({ changed: true, job: { schedule: { state: 'PAUSED' } } });
    await app.reconcile();
    const s = await scheduler.send(new GetScheduleCommand({ GroupName: app.jobs.groupName, Name: 'weekly-digest' }));
    expect(s.State).toBe('DISABLED');
    expect((await cli(pause, ['weekly-digest'])).out).toMatch(/already paused/);
    expect((await cli(pause, ['from-file'])).code).toBe(0);
    expect((await cli(resume, ['weekly-digest'])).out).toMatch(/^resumed\s+weekly-digest/);
    await app.reconcile();
    const again = await scheduler.send(
      new GetScheduleCommand({ GroupName: app.jobs.groupName, Name: 'weekly-digest' }),
    );
    expect(again.State).toBe('ENABLED');
    // A pause is not part of the definition: the next apply leaves it alone (and writes nothing).
    const j = json<{ writes: number }>(await cli({ run: applyCommand }, [join(dir, 'jobs'), '--json']));
    expect(j.writes).toBe(0);
  });

  it('rm deletes jobs and their schedules; a missing job is an error unless --if-exists', async () => {
    const c = await cli(rm, ['launch-announcement', '--json']);
    expect(json(c)).toMatchObject({ ok: true, deleted: ['launch-announcement'] });
    await app.reconcile();
    expect(await scheduleNames()).not.toContain('launch-announcement');
    const missing = await cli(rm, ['launch-announcement']);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/job launch-announcement does not exist/);
    expect((await cli(rm, ['launch-announcement', '--if-exists'])).code).toBe(0);
  });

  it("run invokes the app's dispatcher asynchronously with a manual input", async () => {
    const c = await cli(runNow, ['nightly-report', '--json']);
    expect(c.code).toBe(0);
    const r = json<{ executionId: string; status: string }>(c);
    expect(r.status).toBe('queued');
    await standin.settled();
    const inv = standin.invocations[standin.invocations.length - 1];
    expect(inv.functionName).toBe('cli-jobs-dispatcher');
    expect(JSON.parse(inv.payload)).toMatchObject({
      v: 1,
      job: 'nightly-report',
      trigger: 'manual',
      executionId: r.executionId,
    });
    const none = await cli(runNow, ['no-such-job']);
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/job no-such-job does not exist/);
  });

  it('a table that is not found says which flag to fix', async () => {
    const c = await cli(list, ['--jobs-stack', 'nope']);
    expect(c.code).toBe(1);
    expect(c.err).toMatch(/cannot read the Jobs app's stack nope .*--jobs-stack or --jobs-table/);
  });
});

describe('the command line convention', () => {
  it('--help on stdout exit 0 for every jobs command; an unknown one exits 2', async () => {
    for (const sub of ['validate', 'apply', 'list', 'get', 'rm', 'pause', 'resume', 'run']) {
      const out: string[] = [];
      const log = jest.spyOn(console, 'log').mockImplementation((t: string) => void out.push(t));
      try {
        expect(await main(['jobs', sub, '--help'])).toBe(0);
      } finally {
        log.mockRestore();
      }
      expect(out.join('\n')).toMatch(new RegExp(`usage: cloud-cron jobs ${sub}`));
    }
    const err = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(await main(['jobs', 'frobnicate'])).toBe(2);
      expect(await main(['jobs', 'apply', '--bogus', 'x'])).toBe(2);
      expect(await main(['jobs', 'get'])).toBe(2);
    } finally {
      err.mockRestore();
    }
  });
});
