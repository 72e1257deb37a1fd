/**
 * The Runs app's figures (issue 12, section 5), as ratios measured in one run:
 *
 * - Recorder, warm per record: the built recorder (dist/runs-recorder) handling a documented success record with a
 *   new request id each time, against the one conditional PutItem of the same item it needs
 *   (bench/baselines/runs-write.ts), in one warm process, against moto_server (bench/children/runs.js).
 * - Watchdog, per tick for 10 and 100 jobs (--runs-moto-sizes for others): the built watchdog judging a 5-minute
 *   window of jobs that all ran, against the bare calls it needs (bench/baselines/runs-reads.ts: the watermark, the
 *   registry, one index query per job with the same concurrency, the new watermark), against moto_server: at most
 *   1.2x at every size. 1,000 jobs on moto take most of an hour on 2 cores (moto's index query scans the table).
 * - Watchdog, cost per job as jobs grow (10 to 10,000): the same tick on the in-memory ledger, whose reads cost what
 *   they return, as DynamoDB's do. On moto both sides grow with the table (moto's index query scans every item of the
 *   table), which says nothing of the watchdog: that growth is reported, the target is on the in-memory figure.
 * - Simulator: a year of rate(5 minutes) (105,120 runs, and the watchdog every 5 minutes) against a month, with the
 *   recorder and the watchdog in process on the in-memory ledger: the time per run must not grow with the window.
 */
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BatchWriteItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { marshall } from '@aws-sdk/util-dynamodb';
import { build } from 'esbuild';
import type { Registration, RunItem } from '../functions/common/runs/ledger';
import { readDestinationEvent, runItemFromRecord } from '../functions/common/runs/records';
import { createRecorder } from '../functions/runs-recorder/recorder';
import { createWatchdog } from '../functions/runs-watchdog/watchdog';
import { buildAll, functionBuilds, ROOT } from '../tooling/build';
import type { Moto } from '../tooling/moto';
import { deployRunsLocally, type LocalRuns } from '../tooling/runs-local';
import { createMemoryStore } from '../tooling/simulator/memory-store';
import { createClock, Simulator } from '../tooling/simulator/simulator';
import { baseEnv } from './lib/env';
import { pairedRatio, type Summary, summarize } from './lib/stats';

export type RunsPlan = {
  recorderIterations: number;
  warmup: number;
  watchdogSizes: number[];
  /** Sizes of the in-memory watchdog series (the per-job flatness figure). */
  watchdogMemorySizes: number[];
  watchdogMemoryRounds: number;
  simulatorMonths: number[];
};

export type WatchdogSize = {
  jobs: number;
  tick: Summary;
  bare: Summary;
  ratio: number;
  perJobMs: number;
  bareperJobMs: number;
};
export type SimulatorRun = { months: number; runs: number; ticks: number; seconds: number; perRunMicros: number };
export type WatchdogMemorySize = { jobs: number; tick: Summary; perJobMs: number };

export type RunsResult = {
  recorder: { handler: Summary; bare: Summary; ratio: number; records: number };
  watchdog: WatchdogSize[];
  /** On moto: cost per job at the largest size over the smallest, for the watchdog and for its bare reads. */
  motoGrowth: { tick: number; bare: number };
  watchdogMemory: WatchdogMemorySize[];
  /** In memory: cost per job at the largest size over the cost per job at the smallest (the flatness target). */
  watchdogGrowth: number;
  simulator: SimulatorRun[];
  /** Time per run of the longest window over the shortest. */
  simulatorGrowth: number;
};

const MIN = 60_000;

async function runChild(env: Record<string, string>, sides: unknown[], plan: { iterations: number; warmup: number }) {
  const child = fork(join(__dirname, 'children', 'runs.js'), [], {
    env,
    execArgv: [],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  try {
    const reply = await new Promise<{ ok: boolean; times?: number[][]; error?: string }>((resolve, reject) => {
      child.once('message', (m) => resolve(m as { ok: boolean; times?: number[][]; error?: string }));
      child.once('exit', (code) => reject(new Error(`runs runner exited (${code}) without an answer:\n${stderr}`)));
      child.send({ sides, ...plan });
    });
    if (!reply.ok || !reply.times) throw new Error(`runs runner failed: ${reply.error}\n${stderr}`);
    return reply.times;
  } finally {
    process.removeListener('exit', kill);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

/** The runs functions and their baselines, built with the recorder's and the watchdog's own esbuild options. */
async function bundles(work: string) {
  await buildAll(ROOT, ['runs-recorder', 'runs-watchdog']);
  const builds = Object.fromEntries(functionBuilds(ROOT).map((b) => [b.name, b]));
  const out: Record<string, string> = {};
  for (const [entry, fn] of [
    ['runs-write', 'runs-recorder'],
    ['runs-reads', 'runs-watchdog'],
  ] as const) {
    out[entry] = join(work, `baseline-${entry}.js`);
    await build({
      ...builds[fn].options,
      entryPoints: [join(ROOT, 'bench', 'baselines', `${entry}.ts`)],
      outfile: out[entry],
      logLevel: 'error',
    });
  }
  return {
    recorder: builds['runs-recorder'].options.outfile as string,
    watchdog: builds['runs-watchdog'].options.outfile as string,
    write: out['runs-write'],
    reads: out['runs-reads'],
  };
}

function clients(moto: Moto) {
  return {
    ddb: new DynamoDBClient(moto.client),
    events: new EventBridgeClient(moto.client),
    sqs: new SQSClient(moto.client),
  };
}

async function recorderBench(
  moto: Moto,
  b: Awaited<ReturnType<typeof bundles>>,
  plan: RunsPlan,
): Promise<RunsResult['recorder']> {
  const runs = await deployRunsLocally(clients(moto), { prefix: `bench-rec-${randomUUID().slice(0, 6)}` });
  const record = JSON.parse(readFileSync(join(ROOT, 'events', 'runs-destination-success.json'), 'utf8'));
  const item: RunItem = runItemFromRecord(
    readDestinationEvent(record),
    { retentionDays: 90, errorMessages: 'scrubbed' },
    new Date(),
  );
  const env = baseEnv({
    ...moto.env,
    AWS_LAMBDA_FUNCTION_NAME: 'cloud-cron-runs-recorder',
    ...runs.env('RecorderFunction'),
  });
  const times = await runChild(
    env,
    [
      { kind: 'recorder', bundle: b.recorder, record, prefix: `rec-${randomUUID().slice(0, 6)}` },
      {
        kind: 'module',
        bundle: b.write,
        options: { table: runs.tableName, item, prefix: `bare-${randomUUID().slice(0, 6)}` },
      },
    ],
    { iterations: plan.recorderIterations, warmup: plan.warmup },
  );
  const [handler, bare] = times;
  return {
    handler: summarize(handler),
    bare: summarize(bare),
    ratio: pairedRatio(handler, bare),
    records: handler.length,
  };
}

/** N jobs on rate(5 minutes), each with the runs of its last 25 minutes: a window where nothing is missed. */
function jobItems(jobs: number, now: number): { registrations: Registration[]; runs: RunItem[] } {
  const anchor = now - 2 * 60 * MIN;
  const since = new Date(anchor).toISOString();
  const registrations: Registration[] = [];
  const runs: RunItem[] = [];
  for (let j = 0; j < jobs; j++) {
    const job = `bench-job-${j}`;
    const registration: Registration = {
      pk: 'JOBS',
      sk: job,
      kind: 'job',
      v: 1,
      job,
      functionArn: `arn:aws:lambda:us-east-1:123456789012:function:${job}`,
      stackId: `arn:aws:cloudformation:us-east-1:123456789012:stack/${job}/1`,
      stackName: job,
      scheduleArn: `arn:aws:scheduler:us-east-1:123456789012:schedule/default/${job}`,
      expression: 'rate(5 minutes)',
      timezone: 'UTC',
      state: 'ENABLED',
      flexibleWindowMinutes: 0,
      rateAnchor: since,
      timeoutSeconds: 60,
      maximumRetryAttempts: 0,
      missedRunGraceMinutes: 5,
      scheduleContext: false,
      scheduleModifiedAt: since,
      since,
      registeredAt: since,
      updatedAt: since,
    };
    registrations.push(registration);
    for (let s = anchor + Math.ceil((now - 25 * MIN - anchor) / (5 * MIN)) * 5 * MIN; s <= now; s += 5 * MIN) {
      const endedAt = new Date(s + 2000).toISOString();
      const requestId = `${job}-${s}`;
      runs.push({
        pk: `JOB#${job}`,
        sk: `RUN#${requestId}#Success`,
        t: `${endedAt}#${requestId}`,
        kind: 'run',
        v: 1,
        job,
        functionArn: registration.functionArn,
        status: 'succeeded',
        condition: 'Success',
        requestId,
        endedAt,
        attempts: 1,
        recordedAt: endedAt,
        expiresAt: 0,
      });
    }
  }
  return { registrations, runs };
}

async function seedJobs(ddb: DynamoDBClient, runs: LocalRuns, jobs: number, now: number): Promise<void> {
  const seeded = jobItems(jobs, now);
  const items: Record<string, unknown>[] = [...seeded.registrations, ...seeded.runs];
  for (let i = 0; i < items.length; i += 25) {
    const batch = items
      .slice(i, i + 25)
      .map((Item) => ({ PutRequest: { Item: marshall(Item, { removeUndefinedValues: true }) } }));
    await ddb.send(new BatchWriteItemCommand({ RequestItems: { [runs.tableName]: batch } }));
  }
}

/**
 * The watchdog's own cost per job as jobs grow: ticks over N jobs that all ran, on the in-memory ledger (reads that
 * cost what they return, as DynamoDB's), in this process. The sizes are measured in rotation, round after round, so
 * that a busy moment of the machine falls on every size alike; in each round a size runs enough ticks for about
 * 2,000 job checks (the watermark set back before each tick), and its time per job is that batch over its checks.
 */
export async function watchdogInMemory(sizes: number[], rounds: number): Promise<WatchdogMemorySize[]> {
  const now = Date.parse('2030-01-01T12:00:00.000Z');
  const from = new Date(now - 5 * MIN).toISOString();
  const event = { 'detail-type': 'Scheduled Event', source: 'aws.events', time: new Date(now).toISOString() };
  const quiet = { info() {}, warn() {}, error() {} };
  const sides = [];
  for (const jobs of sizes) {
    const store = createMemoryStore();
    const seeded = jobItems(jobs, now);
    for (const r of seeded.registrations) await store.putRegistration(r);
    for (const r of seeded.runs) await store.putRun(r);
    const tick = createWatchdog({
      store,
      bus: { async put() {} },
      busName: 'bench',
      retentionDays: 90,
      concurrency: 16,
      clock: () => new Date(now),
      log: quiet,
    });
    const batch = Math.max(1, Math.round(2000 / jobs));
    const run = async () => {
      let elapsed = 0;
      for (let k = 0; k < batch; k++) {
        await store.putWatchdogState({ pk: 'WATCHDOG', sk: 'STATE', checkedUntil: from, updatedAt: from });
        const started = performance.now();
        const summary = await tick(event);
        elapsed += performance.now() - started;
        if (summary.jobs !== jobs || summary.missed.length !== 0) {
          throw new Error(`in-memory watchdog tick: ${JSON.stringify(summary).slice(0, 300)}`);
        }
      }
      return elapsed / (batch * jobs);
    };
    sides.push({ jobs, run, perJob: [] as number[] });
  }
  for (let r = -2; r < rounds; r++) {
    const k = ((r % sides.length) + sides.length) % sides.length;
    for (const side of [...sides.slice(k), ...sides.slice(0, k)]) {
      const perJob = await side.run();
      if (r >= 0) side.perJob.push(perJob);
    }
  }
  return sides.map((side) => {
    const perJob = summarize(side.perJob);
    return {
      jobs: side.jobs,
      tick: summarize(side.perJob.map((t) => t * side.jobs)),
      perJobMs: perJob.median,
    };
  });
}

async function watchdogBench(
  moto: Moto,
  b: Awaited<ReturnType<typeof bundles>>,
  jobs: number,
  iterations: number,
): Promise<WatchdogSize> {
  const c = clients(moto);
  const runs = await deployRunsLocally(c, { prefix: `bench-wd-${jobs}-${randomUUID().slice(0, 6)}` });
  const now = Date.now() - MIN;
  await seedJobs(c.ddb, runs, jobs, now);
  const from = new Date(now - 5 * MIN).toISOString();
  const env = baseEnv({
    ...moto.env,
    AWS_LAMBDA_FUNCTION_NAME: 'cloud-cron-runs-watchdog',
    ...runs.env('WatchdogFunction'),
  });
  const concurrency = Number(env.CONCURRENCY ?? 16);
  // The first index key the watchdog reads for these jobs (missed.ts readFrom: window start - 2 x grace - tolerance).
  const fromT = new Date(now - 5 * MIN - 2 * 6 * MIN - 2.5 * MIN).toISOString();
  const times = await runChild(
    env,
    [
      {
        kind: 'watchdog',
        bundle: b.watchdog,
        sdk: require.resolve('@aws-sdk/client-dynamodb'),
        table: runs.tableName,
        from,
        jobs,
        event: { 'detail-type': 'Scheduled Event', source: 'aws.events', time: new Date(now).toISOString() },
      },
      {
        kind: 'module',
        bundle: b.reads,
        options: { table: runs.tableName, fromT, concurrency, now: new Date(now).toISOString() },
      },
    ],
    { iterations, warmup: 1 },
  );
  const [tick, bare] = times;
  const t = summarize(tick);
  const base = summarize(bare);
  return {
    jobs,
    tick: t,
    bare: base,
    ratio: pairedRatio(tick, bare),
    perJobMs: t.median / jobs,
    bareperJobMs: base.median / jobs,
  };
}

/** A window of rate(5 minutes) with the recorder and the watchdog (every 5 minutes) on the in-memory ledger. */
export async function simulatorRun(months: number): Promise<SimulatorRun> {
  const from = new Date('2030-01-01T00:00:00.000Z');
  const until = new Date(from);
  until.setUTCMonth(until.getUTCMonth() + months);
  const store = createMemoryStore();
  const clock = createClock(from);
  const quiet = { info() {}, warn() {}, error() {} };
  const bus = { async put() {} };
  const recorder = createRecorder({
    store,
    bus,
    busName: 'bench',
    deadLetter: { send: async () => undefined },
    settings: { retentionDays: 400, errorMessages: 'scrubbed' },
    now: () => clock.now(),
    log: quiet,
  });
  const watchdog = createWatchdog({
    store,
    bus,
    busName: 'bench',
    retentionDays: 400,
    concurrency: 1,
    clock: () => clock.now(),
    log: quiet,
  });
  const since = new Date(from.getTime() - MIN).toISOString();
  await store.putRegistration({
    pk: 'JOBS',
    sk: 'every-5-minutes',
    kind: 'job',
    v: 1,
    job: 'every-5-minutes',
    functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:every-5-minutes',
    stackId: 's',
    stackName: 's',
    scheduleArn: 'arn:aws:scheduler:us-east-1:123456789012:schedule/default/s',
    expression: 'rate(5 minutes)',
    timezone: 'UTC',
    state: 'ENABLED',
    flexibleWindowMinutes: 0,
    rateAnchor: from.toISOString(),
    timeoutSeconds: 60,
    maximumRetryAttempts: 2,
    missedRunGraceMinutes: 5,
    scheduleContext: true,
    scheduleModifiedAt: since,
    since,
    registeredAt: since,
    updatedAt: since,
  });
  const started = performance.now();
  const result = await new Simulator({
    from,
    until,
    clock,
    keepRecords: false,
    jobs: [
      {
        name: 'every-5-minutes',
        schedule: {
          expression: 'rate(5 minutes)',
          timezone: 'UTC',
          state: 'ENABLED',
          flexibleWindowMinutes: 0,
          rateAnchor: from.toISOString(),
        },
        scheduleContext: true,
        payload: '{"check":"all"}',
        timeoutSeconds: 60,
        handler: () => ({ ok: true }),
      },
    ],
    deliver: async (record) => {
      await recorder(record);
    },
    watchdog: { rateMinutes: 5, run: (e) => watchdog(e) },
  }).run();
  const seconds = (performance.now() - started) / 1000;
  const missed = result.ticks.reduce((n, t) => n + (t.result as { missed: unknown[] }).missed.length, 0);
  if (missed !== 0) throw new Error(`the simulated job ran every slot, yet the watchdog reported ${missed} missed`);
  const runs = result.invocations.length;
  return { months, runs, ticks: result.ticks.length, seconds, perRunMicros: (seconds * 1e6) / runs };
}

export async function runsBench(
  moto: Moto,
  work: string,
  plan: RunsPlan,
  log: (m: string) => void,
): Promise<RunsResult> {
  const b = await bundles(work);
  log(`runs: recorder warm per record, ${plan.recorderIterations} rounds`);
  const recorder = await recorderBench(moto, b, plan);
  const watchdog: WatchdogSize[] = [];
  for (const jobs of plan.watchdogSizes) {
    const iterations = Math.max(5, Math.round(300 / jobs));
    log(`runs: watchdog tick for ${jobs} jobs, ${iterations} rounds`);
    watchdog.push(await watchdogBench(moto, b, jobs, iterations));
  }
  log(`runs: watchdog ticks for ${plan.watchdogMemorySizes.join(', ')} jobs on the in-memory ledger, in rotation`);
  const watchdogMemory = await watchdogInMemory(plan.watchdogMemorySizes, plan.watchdogMemoryRounds);
  const simulator: SimulatorRun[] = [];
  for (const months of plan.simulatorMonths) {
    log(`runs: simulator, ${months} month(s) of rate(5 minutes)`);
    simulator.push(await simulatorRun(months));
  }
  const first = watchdog[0];
  const last = watchdog[watchdog.length - 1];
  return {
    recorder,
    watchdog,
    motoGrowth: { tick: last.perJobMs / first.perJobMs, bare: last.bareperJobMs / first.bareperJobMs },
    watchdogMemory,
    watchdogGrowth: watchdogMemory[watchdogMemory.length - 1].perJobMs / watchdogMemory[0].perJobMs,
    simulator,
    simulatorGrowth: simulator[simulator.length - 1].perRunMicros / simulator[0].perRunMicros,
  };
}
