/**
 * The dashboard's figure (issue 15): the page's data (`GET /api/jobs`: cli/dashboard/data.ts loadDashboard) for 10,
 * 100 and 1,000 jobs against moto_server, half of them stack jobs wired to the Runs app (each with 10 runs in the
 * ledger), half registry jobs of the Jobs app, as a ratio against the bare DynamoDB reads that data needs
 * (the registry of wired jobs; per stack job its newest entries and its missed slots; the jobs table's list
 * partitions, the states in batches of 100 keys, per registry job its runs; the same concurrency). Both sides run in
 * this process, alternating. The cost per job must stay flat as jobs grow.
 */
import { randomUUID } from 'node:crypto';
import { BatchWriteItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { loadDashboard, READ_CONCURRENCY, type Sources } from '../cli/dashboard/data';
import { HISTORY_LENGTH } from '../cli/dashboard/model';
import { createJobsStore } from '../functions/common/jobs/store';
import { LIST_INDEX, LIST_SHARDS, SCHEDULE_SK, STATE_SK } from '../functions/common/jobs/table';
import type { Registration } from '../functions/common/runs/ledger';
import { createLedgerStore } from '../functions/common/runs/store';
import { createJobsTable } from '../tooling/jobs-local';
import type { Moto } from '../tooling/moto';
import { createRunsTable } from '../tooling/runs-local';
import { pairedRatio, type Summary, summarize } from './lib/stats';

export type DashboardPlan = { sizes: number[]; iterations: number };
export type DashboardSize = {
  jobs: number;
  page: Summary;
  bare: Summary;
  ratio: number;
  perJobMs: number;
  barePerJobMs: number;
};
export type DashboardResult = { sizes: DashboardSize[]; growth: number };

const MIN = 60_000;

async function writeAll(ddb: DynamoDBClient, table: string, items: Record<string, unknown>[]) {
  for (let i = 0; i < items.length; i += 25) {
    const batch = items
      .slice(i, i + 25)
      .map((Item) => ({ PutRequest: { Item: marshall(Item, { removeUndefinedValues: true }) } }));
    await ddb.send(new BatchWriteItemCommand({ RequestItems: { [table]: batch } }));
  }
}

function registration(job: string, since: string): Registration {
  return {
    pk: 'JOBS',
    sk: job,
    kind: 'job',
    v: 1,
    job,
    functionArn: `arn:aws:lambda:us-east-1:123456789012:function:${job}`,
    stackId: `arn:aws:cloudformation:us-east-1:123456789012:stack/${job}/1`,
    stackName: job,
    scheduleArn: `arn:aws:scheduler:us-east-1:123456789012:schedule/default/${job}`,
    expression: 'cron(0/15 * * * ? *)',
    timezone: 'Europe/Paris',
    state: 'ENABLED',
    flexibleWindowMinutes: 0,
    timeoutSeconds: 60,
    maximumRetryAttempts: 0,
    missedRunGraceMinutes: 5,
    scheduleContext: false,
    scheduleModifiedAt: since,
    since,
    registeredAt: since,
    updatedAt: since,
  };
}

async function seed(ddb: DynamoDBClient, runsTable: string, jobsTable: string, jobs: number, now: number) {
  const since = new Date(now - 24 * 60 * MIN).toISOString();
  const items: Record<string, unknown>[] = [];
  for (let j = 0; j < jobs / 2; j++) {
    const job = `bench-stack-${j}`;
    items.push(registration(job, since));
    for (let r = 0; r < 10; r++) {
      const endedAt = new Date(now - (r + 1) * 15 * MIN + 2000).toISOString();
      const requestId = `${job}-${r}`;
      items.push({
        pk: `JOB#${job}`,
        sk: `RUN#${requestId}#Success`,
        t: `${endedAt}#${requestId}`,
        kind: 'run',
        v: 1,
        job,
        functionArn: `arn:aws:lambda:us-east-1:123456789012:function:${job}`,
        status: r === 3 ? 'failed' : 'succeeded',
        condition: r === 3 ? 'RetriesExhausted' : 'Success',
        requestId,
        endedAt,
        attempts: 1,
        recordedAt: endedAt,
        expiresAt: 0,
      });
    }
  }
  await writeAll(ddb, runsTable, items);
  const store = createJobsStore(ddb, jobsTable);
  const at = new Date(now);
  let next = 0;
  const worker = async () => {
    for (let j = next++; j < jobs / 2; j = next++) {
      await store.putJob(
        {
          version: 1,
          id: `bench-registry-${j}`,
          schedule: { expression: 'rate(1 hour)', timezone: 'UTC' },
          target: { type: 'sns', arn: 'arn:aws:sns:us-east-1:123456789012:bench', message: 'm' },
        },
        { source: 'cli', now: at, createOnly: true },
      );
    }
  };
  // One at a time: moto_server answers 500 to concurrent TransactWriteItems on one table now and then.
  await worker();
}

/** The reads the page's data needs, written out bare with the same concurrency. */
function bareReads(ddb: DynamoDBClient, runsTable: string, jobsTable: string, now: number) {
  const doc = DynamoDBDocumentClient.from(ddb);
  const queryAll = async (input: QueryCommandInput, limit = Number.POSITIVE_INFINITY) => {
    const items: Record<string, unknown>[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await doc.send(
        new QueryCommand({ ...input, ExclusiveStartKey, ...(Number.isFinite(limit) ? { Limit: limit } : {}) }),
      );
      items.push(...((page.Items ?? []) as Record<string, unknown>[]));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey && items.length < limit);
    return items;
  };
  const each = async <T>(list: T[], fn: (x: T) => Promise<unknown>) => {
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < list.length; i = next++) await fn(list[i]);
    };
    await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, list.length) }, worker));
  };
  const missedFrom = `MISSED#${new Date(now - 7 * 24 * 60 * MIN).toISOString()}`;
  return async () => {
    const registrations = await queryAll({
      TableName: runsTable,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': 'JOBS' },
    });
    await each(registrations, async (r) => {
      await Promise.all([
        queryAll(
          {
            TableName: runsTable,
            IndexName: 'byTime',
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': `JOB#${r.job}` },
            ScanIndexForward: false,
          },
          HISTORY_LENGTH,
        ),
        queryAll({
          TableName: runsTable,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':pk': `JOB#${r.job}`, ':from': missedFrom, ':to': 'MISSED#~' },
        }),
      ]);
    });
    const shards = await Promise.all(
      Array.from({ length: LIST_SHARDS }, (_, s) =>
        queryAll({
          TableName: jobsTable,
          IndexName: LIST_INDEX,
          KeyConditionExpression: 'lpk = :lpk',
          ExpressionAttributeValues: { ':lpk': `JOBS#${s}` },
        }),
      ),
    );
    const ids = shards.flat().map((i) => String(i.id));
    for (let i = 0; i < ids.length; i += 50) {
      const Keys = ids.slice(i, i + 50).flatMap((id) => [
        { pk: `JOB#${id}`, sk: STATE_SK },
        { pk: `JOB#${id}`, sk: SCHEDULE_SK },
      ]);
      await doc.send(new BatchGetCommand({ RequestItems: { [jobsTable]: { Keys } } }));
    }
    await each(ids, (id) =>
      doc.send(
        new QueryCommand({
          TableName: jobsTable,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :run)',
          ExpressionAttributeValues: { ':pk': `JOB#${id}`, ':run': 'RUN#' },
          ScanIndexForward: false,
          Limit: HISTORY_LENGTH,
        }),
      ),
    );
  };
}

async function size(moto: Moto, jobs: number, iterations: number): Promise<DashboardSize> {
  const ddb = new DynamoDBClient(moto.client);
  const id = randomUUID().slice(0, 6);
  const runsTable = await createRunsTable(ddb, `bench-dash-runs-${jobs}-${id}`);
  const jobsTable = `bench-dash-jobs-${jobs}-${id}`;
  await createJobsTable(ddb, jobsTable);
  const now = Date.now();
  await seed(ddb, runsTable, jobsTable, jobs, now);
  const sources: Sources = {
    runs: { store: createLedgerStore(ddb, runsTable), name: runsTable },
    registry: { store: createJobsStore(ddb, jobsTable), name: jobsTable },
  };
  const bare = bareReads(ddb, runsTable, jobsTable, now);
  const page: number[] = [];
  const base: number[] = [];
  const time = async (fn: () => Promise<unknown>) => {
    const t = performance.now();
    await fn();
    return performance.now() - t;
  };
  // One warm-up round of each, then alternating pairs (which side goes first alternates too).
  const check = await loadDashboard(sources, new Date(now));
  if (check.jobs.length !== jobs) throw new Error(`the page's data has ${check.jobs.length} jobs, seeded ${jobs}`);
  await bare();
  for (let i = 0; i < iterations; i++) {
    if (i % 2 === 0) {
      page.push(await time(() => loadDashboard(sources, new Date(now))));
      base.push(await time(bare));
    } else {
      base.push(await time(bare));
      page.push(await time(() => loadDashboard(sources, new Date(now))));
    }
  }
  const p = summarize(page);
  const b = summarize(base);
  return {
    jobs,
    page: p,
    bare: b,
    ratio: pairedRatio(page, base),
    perJobMs: p.median / jobs,
    barePerJobMs: b.median / jobs,
  };
}

export async function dashboardBench(moto: Moto, plan: DashboardPlan, log: (line: string) => void = () => undefined) {
  const sizes: DashboardSize[] = [];
  for (const jobs of plan.sizes) {
    log(`dashboard: the page's data for ${jobs} jobs, ${plan.iterations} rounds`);
    sizes.push(await size(moto, jobs, plan.iterations));
  }
  const first = sizes[0];
  const last = sizes[sizes.length - 1];
  return { sizes, growth: last.perJobMs / first.perJobMs } satisfies DashboardResult;
}

if (require.main === module) {
  // `npx tsx bench/dashboard.ts [SIZES]`: this section alone, printed (npm run bench -- --only dashboard also writes it).
  void (async () => {
    const { startMoto } = await import('../tooling/moto');
    const moto = await startMoto();
    try {
      const sizes = (process.argv[2] ?? '10,100,1000').split(',').map(Number);
      const iterations = Number(process.argv[3] ?? 5);
      const r = await dashboardBench(moto, { sizes, iterations }, (l) => console.error(l));
      for (const s of r.sizes)
        console.log(
          `${s.jobs} jobs: page ${s.page.median.toFixed(0)} ms, bare reads ${s.bare.median.toFixed(0)} ms, ratio ${s.ratio.toFixed(2)}x, ${s.perJobMs.toFixed(2)} ms per job`,
        );
      console.log(`cost per job at ${sizes.at(-1)} jobs over ${sizes[0]} jobs: ${r.growth.toFixed(2)}x`);
    } finally {
      await moto.stop();
    }
  })();
}
