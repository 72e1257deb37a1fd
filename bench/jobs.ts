/**
 * The Jobs app's figures (issue 13, section 4), as ratios measured in one run, against moto_server:
 *
 * - `jobs apply` of N job files (the CLI's own work: read and validate every file, read the table once, write the
 *   new jobs through the shared store), for each size of `applySizes`: the time per job must stay flat as N grows
 *   (largest over smallest). Then a re-apply of the same N unchanged files: its write requests (must be 0) and its
 *   time per job. DynamoDB is answered in process in constant time per request (bench/lib/ddb-memory.ts: moto's
 *   transactions copy the whole table on every call, so on moto this would time moto); requests are counted.
 * - Reconciler, per change: the reconciler (functions/jobs-reconciler) handling a stream batch of new jobs (records
 *   read from the table's real stream beforehand, untimed), against the bare CreateSchedule calls those changes
 *   need (the same requests, the same concurrency, into another group), in alternating rounds.
 * - Dispatcher, warm per run: the dispatcher (functions/jobs-dispatcher) handling a fire of a Lambda job (overlap
 *   allow), against a bare invoke of the same target (Lambda's asynchronous Invoke, on the loopback stand-in in
 *   front of moto) plus the requests a run needs, made directly: the job read, alongside the claim (one
 *   transaction: the job exists and is not paused, the slot counted once, the run item if new), then the outcome
 *   (the run item and the job's last run, in parallel). Alternating, after a warm-up.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { CreateScheduleCommand, CreateScheduleGroupCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { applyJobs } from '../cli/jobs-apply';
import { checkJobFiles } from '../cli/jobs-files';
import type { JobDefinition } from '../functions/common/jobs/definition';
import { scheduleInputText } from '../functions/common/jobs/dispatch-input';
import { createJobsStore, documentClient } from '../functions/common/jobs/store';
import { DEF_SK, jobPk, STATE_SK, slotRunSk } from '../functions/common/jobs/table';
import { planSchedule } from '../functions/jobs-reconciler/schedules';
import { startJobsApp } from '../tooling/jobs-app-local';
import { localDispatcher } from '../tooling/jobs-local';
import type { Moto } from '../tooling/moto';
import { tempDir } from '../tooling/paths';
import { startLambdaStandin } from '../tooling/simulator/lambda-standin';
import { memoryDynamoDB } from './lib/ddb-memory';
import { pairedRatio, type Summary, summarize } from './lib/stats';

export type JobsPlan = {
  applySizes: number[];
  reconcilerRounds: number;
  reconcilerBatch: number;
  dispatcherIterations: number;
  warmup: number;
};

export type ApplySize = {
  jobs: number;
  seconds: number;
  perJobMs: number;
  writes: number;
  reapplySeconds: number;
  reapplyPerJobMs: number;
  /** DynamoDB write requests (TransactWriteItems) of the re-apply. */
  reapplyWrites: number;
};

export type JobsResult = {
  apply: ApplySize[];
  /** Time per job at the largest size over the smallest. */
  applyGrowth: number;
  reconciler: { perChange: Summary; bare: Summary; ratio: number; changes: number };
  dispatcher: { handler: Summary; bare: Summary; ratio: number; runs: number };
};

const ACCOUNT = '123456789012';
const ALLOWED = [`arn:aws:lambda:us-east-1:${ACCOUNT}:function:bench-*`, `arn:aws:sns:us-east-1:${ACCOUNT}:bench-*`];

/** A varied job: cron in a zone, rate, a Lambda target with a payload, an SNS target with attributes. */
export function benchJob(i: number, id = `bench-job-${String(i).padStart(5, '0')}`): JobDefinition {
  const schedule =
    i % 3 === 0
      ? { expression: `cron(${i % 60} ${i % 24} ? * MON-FRI *)`, timezone: 'Europe/Paris' }
      : i % 3 === 1
        ? { expression: `rate(${(i % 50) + 10} minutes)` }
        : { expression: `cron(${i % 60} 6 * * ? *)`, timezone: 'America/New_York', flexibleWindowMinutes: 15 };
  const target =
    i % 2 === 0
      ? {
          type: 'lambda' as const,
          arn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:bench-worker`,
          payload: { shard: i, kind: 'sync' },
        }
      : {
          type: 'sns' as const,
          arn: `arn:aws:sns:us-east-1:${ACCOUNT}:bench-reports`,
          message: { job: id, title: `Report ${i}` },
          attributes: { type: 'report', severity: i % 4 === 1 ? 'warning' : 'info' },
        };
  return { version: 1, id, description: `bench job ${i}`, schedule, target, tags: { team: `t${i % 7}` } };
}

function clients(moto: Moto) {
  const ddb = new DynamoDBClient(moto.client);
  return {
    ddb,
    streams: new DynamoDBStreamsClient(moto.client),
    scheduler: new SchedulerClient(moto.client),
    s3: new S3Client({ ...moto.client, forcePathStyle: true }),
    sqs: new SQSClient(moto.client),
    sns: new SNSClient(moto.client),
  };
}

const prefix = (what: string) => `bench-${what}-${randomUUID().slice(0, 6)}`;

async function applySize(work: string, jobs: number): Promise<ApplySize> {
  // In process, constant time per request (bench/lib/ddb-memory.ts says why not moto); requests counted.
  const mem = memoryDynamoDB();
  {
    const store = createJobsStore(mem.client, 'bench-jobs');
    const dir = join(work, `jobs-${jobs}`);
    mkdirSync(dir, { recursive: true });
    for (let i = 0; i < jobs; i++) {
      const job = benchJob(i);
      writeFileSync(join(dir, `${job.id}.json`), `${JSON.stringify(job, null, 2)}\n`);
    }
    const writes = () => mem.requests.TransactWriteItems ?? 0;
    const once = async () => {
      const before = writes();
      const t0 = performance.now();
      const verdicts = checkJobFiles([dir], { allowedTargetArns: ALLOWED, now: new Date() });
      const bad = verdicts.filter((v) => !v.ok);
      if (bad.length) throw new Error(`bench job files refused: ${bad[0].file}: ${bad[0].errors[0].message}`);
      const result = await applyJobs(
        store,
        verdicts.map((v) => ({ job: v.job!, file: v.file })),
      );
      return { seconds: (performance.now() - t0) / 1000, writes: writes() - before, result };
    };
    const first = await once();
    if (first.result.created.length !== jobs)
      throw new Error(`apply created ${first.result.created.length} of ${jobs}`);
    const again = await once();
    if (again.result.unchanged.length !== jobs)
      throw new Error(`re-apply left ${again.result.unchanged.length} of ${jobs} unchanged`);
    return {
      jobs,
      seconds: first.seconds,
      perJobMs: (first.seconds * 1000) / jobs,
      writes: first.writes,
      reapplySeconds: again.seconds,
      reapplyPerJobMs: (again.seconds * 1000) / jobs,
      reapplyWrites: again.writes,
    };
  }
}

async function pool<T>(items: readonly T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(size, items.length) }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

async function reconcilerBench(moto: Moto, plan: JobsPlan): Promise<JobsResult['reconciler']> {
  const c = clients(moto);
  const app = await startJobsApp(c, { prefix: prefix('rec'), allowedTargetArns: ALLOWED });
  const bareGroup = prefix('bare');
  await c.scheduler.send(new CreateScheduleGroupCommand({ Name: bareGroup }));
  const settings = {
    groupName: bareGroup,
    dispatcherArn: app.jobs.dispatcherArn,
    roleArn: app.jobs.schedulerRoleArn,
    deadLetterArn: app.jobs.dispatchDeadLetterQueueArn,
  };
  const measured: number[] = [];
  const bare: number[] = [];
  let n = 0;
  for (let round = 0; round < plan.reconcilerRounds + 1; round++) {
    const batch = Array.from({ length: plan.reconcilerBatch }, () => benchJob(n, `rec-${n++}`));
    const items = [];
    for (const job of batch) items.push((await app.store.putJob(job, { source: 'cli', now: new Date() })).item);
    const records = app.jobs.stream.filter(await app.jobs.stream.read(), 'ReconcilerFunction');
    // moto writes two stream records per transactional update; the reconciler collapses a batch to one change per job.
    const changed = new Set(records.map((r) => r.dynamodb?.Keys?.pk?.S));
    if (changed.size !== batch.length) throw new Error(`expected ${batch.length} changed jobs, got ${changed.size}`);
    const requests = items.map((item) => {
      const p = planSchedule(item, 0, new Date(), settings);
      if (p.kind !== 'upsert') throw new Error(`bench job ${item.id} has no schedule: ${p.reason}`);
      return p.request;
    });
    const timeReconciler = async () => {
      const t0 = performance.now();
      const r = await app.reconciler.onStream({ Records: records });
      const t = performance.now() - t0;
      if (r.batchItemFailures.length || r.outcomes.some((o) => o.action !== 'created'))
        throw new Error(`the reconciler did not create every schedule: ${JSON.stringify(r.outcomes.slice(0, 3))}`);
      return t;
    };
    const timeBare = async () => {
      const t0 = performance.now();
      // The reconciler's own concurrency (8 schedule calls in flight).
      await pool(requests, 8, async (request) => {
        await c.scheduler.send(new CreateScheduleCommand(request as never));
      });
      return performance.now() - t0;
    };
    let m: number;
    let b: number;
    if (round % 2 === 0) {
      m = await timeReconciler();
      b = await timeBare();
    } else {
      b = await timeBare();
      m = await timeReconciler();
    }
    // Round 0 warms both paths up and is not counted.
    if (round === 0) continue;
    measured.push(m / batch.length);
    bare.push(b / batch.length);
  }
  return {
    perChange: summarize(measured),
    bare: summarize(bare),
    ratio: pairedRatio(measured, bare),
    changes: measured.length * plan.reconcilerBatch,
  };
}

async function dispatcherBench(moto: Moto, plan: JobsPlan): Promise<JobsResult['dispatcher']> {
  const c = clients(moto);
  const app = await startJobsApp(c, { prefix: prefix('disp'), allowedTargetArns: ALLOWED });
  const standin = await startLambdaStandin(moto.endpoint, () => undefined);
  try {
    const lambda = new LambdaClient({ ...moto.client, endpoint: standin.endpoint, maxAttempts: 1 });
    const job = benchJob(0, 'disp-job'); // a Lambda target, overlap allow
    await app.store.putJob(job, { source: 'cli', now: new Date() });
    const target = job.target.arn;
    const payload = JSON.stringify((job.target as { payload?: unknown }).payload ?? {});
    const { dispatch } = localDispatcher(c, app.jobs, {
      clock: { now: () => new Date() },
      targets: {
        async invokeAsync(arn, body) {
          const r = await lambda.send(
            new InvokeCommand({ FunctionName: arn, InvocationType: 'Event', Payload: Buffer.from(body) }),
          );
          return { requestId: r.$metadata.requestId ?? '' };
        },
      },
    });
    const doc = documentClient(c.ddb);
    const TableName = app.jobs.tableName;
    let slot = Date.UTC(2031, 0, 1);
    const nextSlot = () => {
      slot += 60_000;
      return new Date(slot).toISOString();
    };
    const handler = async () => {
      const scheduledTime = nextSlot();
      const input = JSON.parse(scheduleInputText('disp-job', 1)) as Record<string, unknown>;
      Object.assign(input, {
        scheduledTime,
        executionId: `exec-${slot}`,
        attempt: '1',
        scheduleArn: `arn:aws:scheduler:us-east-1:${ACCOUNT}:schedule/${app.jobs.groupName}/disp-job`,
      });
      const t0 = performance.now();
      const out = await dispatch(input);
      const t = performance.now() - t0;
      if (out.outcome !== 'dispatched') throw new Error(`the dispatcher answered ${JSON.stringify(out)}`);
      return t;
    };
    const bareRun = async () => {
      const scheduledTime = nextSlot();
      const sk = `${slotRunSk(scheduledTime)}#bare`;
      const pk = jobPk('disp-job');
      const now = new Date().toISOString();
      const t0 = performance.now();
      // The claim: the job exists and is not paused, the slot is counted once (and the lease taken), the run item
      // is new; the job read alongside.
      const [got] = await Promise.all([
        doc.send(new GetCommand({ TableName, Key: { pk, sk: DEF_SK } })),
        doc.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                ConditionCheck: {
                  TableName,
                  Key: { pk, sk: DEF_SK },
                  ConditionExpression: 'attribute_exists(pk) AND paused = :false',
                  ExpressionAttributeValues: { ':false': false },
                },
              },
              {
                Update: {
                  TableName,
                  Key: { pk, sk: STATE_SK },
                  UpdateExpression: 'ADD bareCount :one SET bareLease = :now',
                  ExpressionAttributeValues: { ':one': 1, ':now': now },
                },
              },
              {
                Put: {
                  TableName,
                  Item: { pk, sk, kind: 'run', status: 'dispatching', scheduledTime },
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
            ],
          }),
        ),
      ]);
      if (!got.Item) throw new Error('the bench job is missing');
      const r = await lambda.send(
        new InvokeCommand({ FunctionName: target, InvocationType: 'Event', Payload: Buffer.from(payload) }),
      );
      // The outcome: on the run item, and as the job's last run.
      await Promise.all([
        doc.send(
          new UpdateCommand({
            TableName,
            Key: { pk, sk },
            UpdateExpression: 'SET #s = :s, requestId = :r',
            ExpressionAttributeNames: { '#s': 'status' },
            ExpressionAttributeValues: { ':s': 'dispatched', ':r': r.$metadata.requestId ?? '' },
          }),
        ),
        doc.send(
          new UpdateCommand({
            TableName,
            Key: { pk, sk: STATE_SK },
            UpdateExpression: 'SET bareLast = :l',
            ExpressionAttributeValues: { ':l': { status: 'dispatched', at: now } },
          }),
        ),
      ]);
      return performance.now() - t0;
    };
    for (let i = 0; i < plan.warmup; i++) {
      await handler();
      await bareRun();
    }
    const measured: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < plan.dispatcherIterations; i++) {
      if (i % 2 === 0) {
        measured.push(await handler());
        bare.push(await bareRun());
      } else {
        bare.push(await bareRun());
        measured.push(await handler());
      }
    }
    return {
      handler: summarize(measured),
      bare: summarize(bare),
      ratio: pairedRatio(measured, bare),
      runs: measured.length,
    };
  } finally {
    await standin.stop();
  }
}

export async function jobsBench(moto: Moto, plan: JobsPlan, log: (m: string) => void): Promise<JobsResult> {
  const work = tempDir('cloudcron-bench-jobs-');
  const apply: ApplySize[] = [];
  for (const size of plan.applySizes) {
    log(`jobs: apply of ${size.toLocaleString('en-US')} job files, then a re-apply of the same files`);
    apply.push(await applySize(work, size));
  }
  log(
    `jobs: reconciler, ${plan.reconcilerRounds} rounds of ${plan.reconcilerBatch} changes, against bare CreateSchedule`,
  );
  const reconciler = await reconcilerBench(moto, plan);
  log(`jobs: dispatcher, ${plan.dispatcherIterations} runs, against a bare invoke and the writes a run needs`);
  const dispatcher = await dispatcherBench(moto, plan);
  const first = apply[0];
  const last = apply[apply.length - 1];
  return { apply, applyGrowth: last.perJobMs / first.perJobMs, reconciler, dispatcher };
}
