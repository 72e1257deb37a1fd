/**
 * `npm run bench`: measures, on this machine, each figure of docs/benchmarks.md as a ratio against a baseline run
 * in the same session (alternating pairs, medians), and writes docs/benchmarks.md.
 *
 * `npm run bench -- --help` lists the flags (declared once, in `command`).
 *   --update writes the measured sections into docs/benchmarks.md (or --out), keeping the other sections, their
 *   rows of the results table and their machine as they are. --runs-moto-sizes sets the watchdog's job counts on moto
 *   (default 10,100: moto's index query scans the whole table, so a tick there costs jobs²: 1,000 jobs take most of
 *   an hour on 2 cores; the cost per job up to 10,000 is measured on the in-memory ledger).
 *
 * It builds the functions itself (scripts/build.ts), starts its own moto_server, registries and stand-ins on
 * loopback, and stops every process it started, also on Ctrl-C. It is not part of `npm test`.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { defineCommand, exitWith, runCommand, UsageError } from '../cli/args';
import { ROOT } from '../tooling/build';
import { type Moto, startMoto } from '../tooling/moto';
import { tempDir } from '../tooling/paths';
import { burstEmail, burstSms, burstWebhook } from './burst';
import { type ColdResult, coldSeries, coldStart } from './cold';
import { dashboardBench } from './dashboard';
import { jobsBench } from './jobs';
import { buildBundles, buildWithMainFields, FUNCTIONS } from './lib/bundles';
import { baseEnv, templateEnv } from './lib/env';
import { machine } from './lib/machine';
import { type Report, renderConsole, renderMarkdown, type Settings, updateMarkdown } from './lib/report';
import { icuFirstUse, macroCases } from './macro';
import { mirrorCopy, mirrorUnchanged } from './mirror';
import { runsBench } from './runs';
import { scheduleCases } from './schedule';
import { warmEmail, warmSms, warmWebhook } from './warm';

type Cleanup = () => Promise<void> | void;

const SECTIONS = ['cold', 'warm', 'burst', 'mirror', 'macro', 'schedule', 'runs', 'jobs', 'dashboard'] as const;
type Section = (typeof SECTIONS)[number];

export const command = defineCommand({
  name: 'npm run bench --',
  summary:
    'Measures each figure of docs/benchmarks.md as a ratio against a baseline run in the same session (alternating\npairs, medians) and writes docs/benchmarks.md. Starts and stops its own moto_server, registries and stand-ins.',
  flags: {
    quick: { description: 'fewer runs and a smaller image; prints the tables, writes nothing unless --out' },
    only: {
      value: 'SECTIONS',
      description: `some sections only, comma-separated: ${SECTIONS.join(',')} (prints; writes only with --out)`,
    },
    out: { value: 'FILE', description: 'where to write the report (default: docs/benchmarks.md on a full run)' },
    update: {
      description:
        'write the measured sections into docs/benchmarks.md (or --out), keeping the other sections as they are',
    },
    'runs-moto-sizes': {
      value: 'N,...',
      description: "the watchdog's job counts on moto (default 10,100; moto's index query scans the whole table)",
    },
  },
  examples: ['npm run bench', 'npm run bench -- --quick', 'npm run bench -- --only cold,macro --out /tmp/bench.md'],
});

type Args = { quick: boolean; only: Section[]; out?: string; update: boolean; runsMotoSizes?: number[] };

/** The typed arguments from the parsed flags; a wrong value is a UsageError naming the flag and what to give. */
export function args(flags: {
  quick: boolean;
  only: string | undefined;
  out: string | undefined;
  update: boolean;
  'runs-moto-sizes': string | undefined;
}): Args {
  const only = flags.only === undefined ? [...SECTIONS] : (flags.only.split(',').map((s) => s.trim()) as Section[]);
  const unknown = only.filter((s) => !SECTIONS.includes(s));
  if (unknown.length)
    throw new UsageError(`unknown section(s) ${unknown.join(', ')} in --only: use ${SECTIONS.join(', ')}`);
  const text = flags['runs-moto-sizes'];
  let runsMotoSizes: number[] | undefined;
  if (text !== undefined) {
    runsMotoSizes = text.split(',').map((n) => (n.trim() === '' ? Number.NaN : Number(n.trim())));
    if (!runsMotoSizes.every((n) => Number.isInteger(n) && n >= 1 && n <= 10_000))
      throw new UsageError(`--runs-moto-sizes "${text}" must be job counts from 1 to 10000, separated by commas`);
  }
  if (flags.update && flags.quick)
    throw new UsageError('--update writes the report: not with --quick (use --out FILE)');
  return { quick: flags.quick, only, out: flags.out, update: flags.update, runsMotoSizes };
}

function settings(quick: boolean): Settings {
  return quick
    ? {
        quick,
        burstMessages: 200,
        coldPairs: 7,
        esmPairs: 0,
        warmIterations: 60,
        warmup: 10,
        payloadMiB: 20,
        copyPairs: 3,
        presentRuns: 3,
        unchangedRuns: 3,
        macroWarm: 20,
        macroProcesses: 3,
        schedulePairs: 5,
        runsRecorderIterations: 60,
        runsWatchdogSizes: [10, 100],
        runsWatchdogMemorySizes: [10, 100, 1000],
        runsSimulatorMonths: [1, 3],
        jobsApplySizes: [100, 1000],
        jobsReconcilerRounds: 4,
        jobsDispatcherIterations: 40,
        dashboardSizes: [10, 100],
        dashboardIterations: 2,
      }
    : {
        quick,
        burstMessages: 1000,
        coldPairs: 21,
        esmPairs: 11,
        warmIterations: 300,
        warmup: 20,
        payloadMiB: 100,
        copyPairs: 11,
        presentRuns: 7,
        unchangedRuns: 7,
        macroWarm: 50,
        macroProcesses: 9,
        schedulePairs: 11,
        runsRecorderIterations: 300,
        // On moto a tick costs jobs² (its index query scans the table): 1,000 jobs take most of an hour on 2 cores.
        runsWatchdogSizes: [10, 100],
        runsWatchdogMemorySizes: [10, 100, 1000, 10000],
        runsSimulatorMonths: [1, 12],
        jobsApplySizes: [1000, 10000],
        jobsReconcilerRounds: 10,
        jobsDispatcherIterations: 200,
        dashboardSizes: [10, 100, 1000],
        dashboardIterations: 5,
      };
}

function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

async function bench(args: Args): Promise<number> {
  const s = settings(args.quick);
  const cleanups: Cleanup[] = [];
  let cleaning: Promise<void> | undefined;
  const cleanUp = () => {
    cleaning ??= (async () => {
      for (const c of [...cleanups].reverse()) {
        // A stop() that waits for a process already killed by the same Ctrl-C may never return: give each step a
        // bounded time (with a timer that keeps Node alive), then go on with the others.
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<'late'>((resolve) => {
          timer = setTimeout(() => resolve('late'), 10000);
        });
        try {
          if ((await Promise.race([Promise.resolve(c()), late])) === 'late')
            log('a cleanup step did not finish in 10 s');
        } catch (e) {
          log(`cleanup failed: ${(e as Error).message}`);
        } finally {
          clearTimeout(timer);
        }
      }
    })();
    return cleaning;
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    // `on`, not `once`: a Ctrl-C reaches this process twice (from the terminal and relayed by tsx), and a second
    // signal without a handler would kill it before it has stopped what it started.
    process.on(signal, () => {
      if (cleaning) return;
      log(`${signal}: stopping everything the benchmark started`);
      void cleanUp().then(() => process.exit(130));
    });
  }

  const started = Date.now();
  try {
    const report: Report = { machine: machine(), settings: s, date: new Date().toISOString(), sections: args.only };
    const work = tempDir('cloudcron-bench-');
    cleanups.push(() => rmSync(work, { recursive: true, force: true }));
    log(
      "building the functions (scripts/build.ts) and the baselines (bench/baselines) with the templates' esbuild options",
    );
    const bundles = await buildBundles(work);

    if (args.only.includes('cold')) {
      report.cold = [];
      for (const name of FUNCTIONS) {
        log(`cold start: ${name}, ${s.coldPairs} pairs`);
        report.cold.push(coldStart(bundles, name, s.coldPairs));
      }
      log(`cold start: what the email function's cold start is made of, ${s.coldPairs} rounds of 4`);
      report.coldEmailBreakdown = coldSeries(
        [
          { label: 'SES v2 client alone', file: bundles.baselines.email },
          { label: 'required dependencies', file: bundles.baselines['email-deps'] },
          { label: 'email, optional packages left out', file: bundles.emailWithoutOptional },
          { label: 'email as deployed', file: bundles.functions.email },
        ],
        baseEnv(templateEnv(bundles, 'email')),
        s.coldPairs,
      );
      log(`cold start: what the webhook function's cold start is made of, ${s.coldPairs} rounds of 3`);
      report.coldWebhookBreakdown = coldSeries(
        [
          { label: 'HTTPS + Secrets Manager clients alone', file: bundles.baselines.webhook },
          { label: 'required dependencies', file: bundles.baselines['webhook-deps'] },
          { label: 'webhook as deployed', file: bundles.functions.webhook },
        ],
        baseEnv(templateEnv(bundles, 'webhook')),
        s.coldPairs,
      );
      if (s.esmPairs > 0) {
        const dir = join(work, 'esm');
        mkdirSync(dir);
        // The templates set MainFields: module,main; compare with esbuild's default for Node (main,module).
        const esm = await buildWithMainFields(bundles, dir, ['main', 'module']);
        report.coldEsm = [] as ColdResult[];
        for (const name of FUNCTIONS) {
          log(`cold start with esbuild's default main fields (main,module): ${name}, ${s.esmPairs} pairs`);
          report.coldEsm.push(coldStart(bundles, name, s.esmPairs, { files: esm[name] }));
        }
      }
    }

    let moto: Moto | undefined;
    const aws = async () => {
      if (!moto) {
        moto = await startMoto();
        const m = moto;
        cleanups.push(() => m.stop());
      }
      return moto;
    };

    if (args.only.includes('warm')) {
      const plan = { iterations: s.warmIterations, warmup: s.warmup };
      log(`warm per message: email, ${plan.iterations} rounds`);
      const email = await warmEmail(bundles, await aws(), plan);
      log(`warm per message: sms, ${plan.iterations} rounds`);
      const sms = await warmSms(bundles, await aws(), plan);
      log(`warm per message: webhook, ${plan.iterations} rounds`);
      const webhook = await warmWebhook(bundles, await aws(), plan);
      report.warm = [email, sms, webhook];
    }

    if (args.only.includes('burst')) {
      const plan = { messages: s.burstMessages, concurrency: 10, rate: 50, burst: 10, retryDelayMs: 2000 };
      report.burst = [];
      for (const [name, run] of [
        ['email', burstEmail],
        ['sms', burstSms],
        ['webhook', burstWebhook],
      ] as const) {
        log(
          `burst: ${plan.messages} messages to ${name}, ${plan.rate}/s at the target, concurrency ${plan.concurrency}`,
        );
        report.burst.push(await run(bundles, await aws(), plan));
      }
    }

    if (args.only.includes('mirror')) {
      log(`mirror: unchanged digest through the custom resource, ${s.unchangedRuns} cold runs`);
      report.unchanged = await mirrorUnchanged(bundles, await aws(), s.unchangedRuns);
      log(`mirror: copies of a 2 x ${s.payloadMiB} MiB image and of a 2 x 1 MiB one, ${s.copyPairs} rounds each`);
      report.copy = await mirrorCopy(
        {
          payloadBytes: s.payloadMiB * 2 ** 20,
          smallPayloadBytes: 2 ** 20,
          rounds: s.copyPairs,
          alreadyPresentRuns: s.presentRuns,
        },
        cleanups,
      );
    }

    if (args.only.includes('macro')) {
      log(`macro: 3 cases, ${s.macroProcesses} fresh processes and ${s.macroWarm} warm calls each`);
      report.macro = await macroCases(bundles, { processes: s.macroProcesses, warm: s.macroWarm });
      report.icuFirstUseMs = icuFirstUse();
    }

    if (args.only.includes('schedule')) {
      log(`schedule: fire times over a day, a week, a month and a year, ${s.schedulePairs} pairs each`);
      report.schedule = scheduleCases(s.schedulePairs);
    }

    if (args.only.includes('runs')) {
      report.runs = await runsBench(
        await aws(),
        work,
        {
          recorderIterations: s.runsRecorderIterations,
          warmup: s.warmup,
          watchdogSizes: args.runsMotoSizes ?? s.runsWatchdogSizes,
          watchdogMemorySizes: s.runsWatchdogMemorySizes,
          watchdogMemoryRounds: s.quick ? 5 : 15,
          simulatorMonths: s.runsSimulatorMonths,
        },
        log,
      );
    }

    if (args.only.includes('jobs')) {
      report.jobs = await jobsBench(
        await aws(),
        {
          applySizes: s.jobsApplySizes,
          reconcilerRounds: s.jobsReconcilerRounds,
          reconcilerBatch: 25,
          dispatcherIterations: s.jobsDispatcherIterations,
          warmup: s.warmup,
        },
        log,
      );
    }
    if (args.only.includes('dashboard')) {
      report.dashboard = await dashboardBench(
        await aws(),
        { sizes: s.dashboardSizes, iterations: s.dashboardIterations },
        log,
      );
    }

    report.durationSeconds = Math.round((Date.now() - started) / 1000);
    console.log(renderConsole(report));
    const full = !args.quick && args.only.length === SECTIONS.length;
    const out = args.out ?? (full || args.update ? join(ROOT, 'docs', 'benchmarks.md') : undefined);
    if (out) {
      const kept = args.update && !full && existsSync(out);
      writeFileSync(out, kept ? updateMarkdown(readFileSync(out, 'utf8'), report) : renderMarkdown(report));
      log(`wrote ${relative(process.cwd(), out) || out}`);
    } else {
      log(
        'partial or quick run: docs/benchmarks.md left as it is (--update writes these sections into it, --out FILE this report)',
      );
    }
    return 0;
  } finally {
    await cleanUp();
  }
}

if (require.main === module) {
  exitWith(
    runCommand(command, process.argv.slice(2), ({ flags }) => bench(args(flags))),
    'npm run bench',
  );
}
