/**
 * Turns the measurements into docs/benchmarks.md (and a short table on the console). Every number in the report
 * comes from the run that writes it, except the "before" figures of the changes section, which were measured once
 * when the changes were made and are quoted as such.
 */

import type { BurstResult } from '../burst';
import type { ColdResult, SeriesResult } from '../cold';
import type { DashboardResult } from '../dashboard';
import type { JobsResult } from '../jobs';
import type { MacroCase } from '../macro';
import type { CopyResult, CopySeries, UnchangedResult } from '../mirror';
import type { RunsResult } from '../runs';
import type { ScheduleResult } from '../schedule';
import type { WarmResult } from '../warm';
import type { Machine } from './machine';
import type { Summary } from './stats';

export type Settings = {
  quick: boolean;
  coldPairs: number;
  esmPairs: number;
  warmIterations: number;
  warmup: number;
  payloadMiB: number;
  copyPairs: number;
  presentRuns: number;
  unchangedRuns: number;
  macroWarm: number;
  macroProcesses: number;
  burstMessages: number;
  schedulePairs: number;
  runsRecorderIterations: number;
  runsWatchdogSizes: number[];
  runsWatchdogMemorySizes: number[];
  runsSimulatorMonths: number[];
  jobsApplySizes: number[];
  jobsReconcilerRounds: number;
  jobsDispatcherIterations: number;
  dashboardSizes: number[];
  dashboardIterations: number;
};

export type Report = {
  machine: Machine;
  settings: Settings;
  date: string;
  sections: string[];
  durationSeconds?: number;
  cold?: ColdResult[];
  coldEmailBreakdown?: SeriesResult;
  coldWebhookBreakdown?: SeriesResult;
  coldEsm?: ColdResult[];
  warm?: WarmResult[];
  burst?: BurstResult[];
  unchanged?: UnchangedResult;
  copy?: CopyResult;
  macro?: MacroCase[];
  schedule?: ScheduleResult;
  /** The first `Intl.DateTimeFormat` with a time zone in a fresh process (ICU loading its data). */
  icuFirstUseMs?: number;
  runs?: RunsResult;
  jobs?: JobsResult;
  dashboard?: DashboardResult;
};

export const TARGETS = {
  cold: 1.3,
  warm: 1.15,
  warmWebhookFloor: 1.2,
  copy: 1.1,
  unchangedMs: 2000,
  macroMs: 50,
  scheduleGrowth: 1.5,
  recorder: 1.2,
  watchdog: 1.2,
  watchdogGrowth: 1.2,
  simulatorGrowth: 1.2,
  jobsApplyGrowth: 1.2,
  jobsReconciler: 1.2,
  jobsDispatcher: 1.2,
  dashboardGrowth: 1.2,
} as const;

/** What each warm figure's bare call is. */
const BARE_NAMES: Record<string, string> = { email: 'SendEmail', sms: 'messages.create', webhook: 'POST' };

type Row = { figure: string; measured: string; baseline: string; ratio: string; target: string; met: boolean };

export function ms(value: number): string {
  if (value >= 100) return `${Math.round(value)} ms`;
  if (value >= 10) return `${value.toFixed(1)} ms`;
  return `${value.toFixed(2)} ms`;
}

function spread(s: Summary): string {
  return `${ms(s.median)} (${ms(s.min).replace(' ms', '')}–${ms(s.max)})`;
}

export function size(bytes: number): string {
  return bytes >= 2 ** 20 ? `${(bytes / 2 ** 20).toFixed(2)} MiB` : `${Math.round(bytes / 1024)} KiB`;
}

const ratio = (r: number) => `${r.toFixed(2)}×`;
/** A time difference, with its sign. */
const signed = (d: number) => (d < 0 ? `−${ms(-d)}` : `+${ms(d)}`);
/** A difference of medians; within noise when it is not positive. */
const added = (d: number) => (d > 0 ? ms(d) : 'no measurable time (within the noise)');
const verdict = (met: boolean) => (met ? 'met' : '**missed**');

const BASELINE_NAMES: Record<string, string> = {
  email: 'SES v2 client alone',
  sms: '`twilio` client alone',
  mirror: 'ECR + CodeBuild clients alone',
  macro: 'Powertools Logger alone',
  'email-deps': 'SES v2 + DynamoDB clients, Powertools Idempotency and Logger',
  webhook: 'HTTPS client + Secrets Manager client',
  'webhook-deps': 'HTTPS + Secrets Manager clients, DynamoDB client, Powertools Idempotency and Logger',
};

function rows(r: Report): Row[] {
  const out: Row[] = [];
  for (const c of r.cold ?? []) {
    out.push({
      figure: `Cold start, ${c.name} (${size(c.bytes)} vs ${size(c.baselineBytes)})`,
      measured: spread(c.require),
      baseline: `${spread(c.baselineRequire)} ${BASELINE_NAMES[c.baseline]}`,
      ratio: ratio(c.ratio),
      target: `≤ ${TARGETS.cold}×`,
      met: c.ratio <= TARGETS.cold,
    });
  }
  for (const w of r.warm ?? []) {
    // The webhook's target (issue 18) is against the floor: the bare POST plus the idempotency writes.
    if (w.name === 'webhook') {
      out.push({
        figure: 'Warm per message, webhook (against the floor)',
        measured: spread(w.handler),
        baseline: `${spread(w.floor)} bare POST + idempotency writes`,
        ratio: ratio(w.floorRatio),
        target: `≤ ${TARGETS.warmWebhookFloor}×`,
        met: w.floorRatio <= TARGETS.warmWebhookFloor,
      });
      continue;
    }
    out.push({
      figure: `Warm per message, ${w.name}`,
      measured: spread(w.handler),
      baseline: `${spread(w.bare)} bare ${BARE_NAMES[w.name]}`,
      ratio: ratio(w.ratio),
      target: `≤ ${TARGETS.warm}×`,
      met: w.ratio <= TARGETS.warm,
    });
  }
  for (const b of r.burst ?? []) {
    out.push({
      figure: `Burst of ${b.messages}, ${b.name} (target throttled at ${b.plan.rate}/s)`,
      measured: `${b.throughput.toFixed(1)} msg/s; ${b.duplicates} duplicates, ${b.deadLettered} in the DLQ, ${b.lost} lost`,
      baseline: '—',
      ratio: '—',
      target: '0 lost, 0 duplicates, 0 in the DLQ',
      met: b.lost === 0 && b.duplicates === 0 && b.deadLettered === 0 && b.deliveredAndKept === 0,
    });
  }
  if (r.copy) {
    out.push({
      figure: `Mirror copy, ${size(r.copy.copiedBytes)} platform of a ${size(r.copy.imageBytes)} image`,
      measured: spread(r.copy.buildspec),
      baseline: `${spread(r.copy.bare)} skopeo copy`,
      ratio: ratio(r.copy.ratio),
      target: `≤ ${TARGETS.copy}×`,
      met: r.copy.ratio <= TARGETS.copy,
    });
    out.push({
      figure: 'Mirror, buildspec run when the digest is already present',
      measured: spread(r.copy.alreadyPresent),
      baseline: '—',
      ratio: '—',
      target: 'no copy',
      met: true,
    });
  }
  if (r.unchanged) {
    out.push({
      figure: 'Mirror, unchanged digest through the custom resource (cold process, no build)',
      measured: spread(r.unchanged.cold),
      baseline: '—',
      ratio: '—',
      target: `< ${TARGETS.unchangedMs / 1000} s, every run`,
      met: r.unchanged.cold.max < TARGETS.unchangedMs && r.unchanged.builds === 0,
    });
  }
  for (const m of r.macro ?? []) {
    out.push({
      figure: `Macro, ${m.name}${m.expect === 'failure' ? ' (refused: 4 KB)' : ''}`,
      measured: `first ${spread(m.first)}; warm ${spread(m.warm)}`,
      baseline: '—',
      ratio: '—',
      target: `< ${TARGETS.macroMs} ms, first and warm (medians)`,
      met: m.first.median < TARGETS.macroMs && m.warm.median < TARGETS.macroMs,
    });
  }
  for (const g of r.schedule?.growth ?? []) {
    const year = r.schedule!.cases.find((c) => c.expression === g.expression && c.days === 365)!;
    out.push({
      figure: `Schedule fires, a year of ${g.expression} (${g.timezone}): ${year.fires.toLocaleString('en-US')} fires`,
      measured: `${spread(year.measured)}; ${year.perFireUs.toFixed(2)} µs per fire`,
      baseline: `${ms(year.baseline.median)} as many Dates, bare loop`,
      ratio: `${year.ratio.toFixed(1)}×`,
      target: `per fire ≤ ${TARGETS.scheduleGrowth}× a day's (linear): ${g.yearOverDay.toFixed(2)}×`,
      met: g.yearOverDay <= TARGETS.scheduleGrowth,
    });
  }
  if (r.runs) {
    const x = r.runs;
    out.push({
      figure: 'Runs recorder, warm per destination record',
      measured: spread(x.recorder.handler),
      baseline: `${spread(x.recorder.bare)} bare conditional PutItem`,
      ratio: ratio(x.recorder.ratio),
      target: `≤ ${TARGETS.recorder}×`,
      met: x.recorder.ratio <= TARGETS.recorder,
    });
    for (const w of x.watchdog) {
      out.push({
        figure: `Runs watchdog, one tick for ${w.jobs} jobs`,
        measured: `${spread(w.tick)} (${ms(w.perJobMs)}/job)`,
        baseline: `${spread(w.bare)} bare reads`,
        ratio: ratio(w.ratio),
        target: `≤ ${TARGETS.watchdog}×`,
        met: w.ratio <= TARGETS.watchdog,
      });
    }
    const first = x.watchdogMemory[0];
    const last = x.watchdogMemory[x.watchdogMemory.length - 1];
    out.push({
      figure: `Runs watchdog, cost per job at ${last.jobs.toLocaleString('en-US')} jobs over ${first.jobs} jobs (in-memory ledger)`,
      measured: `${ms(last.perJobMs)} vs ${ms(first.perJobMs)}`,
      baseline: '—',
      ratio: ratio(x.watchdogGrowth),
      target: `≤ ${TARGETS.watchdogGrowth}× (flat)`,
      met: x.watchdogGrowth <= TARGETS.watchdogGrowth,
    });
    const a = x.simulator[0];
    const b = x.simulator[x.simulator.length - 1];
    out.push({
      figure: `Simulator, ${b.runs} runs (${b.months} months of rate(5 minutes)) over ${a.runs} runs`,
      measured: `${b.seconds.toFixed(1)} s (${b.perRunMicros.toFixed(0)} µs/run) vs ${a.seconds.toFixed(1)} s`,
      baseline: '—',
      ratio: ratio(x.simulatorGrowth),
      target: `≤ ${TARGETS.simulatorGrowth}× per run (linear)`,
      met: x.simulatorGrowth <= TARGETS.simulatorGrowth,
    });
  }
  if (r.jobs) {
    const x = r.jobs;
    for (const a of x.apply) {
      out.push({
        figure: `jobs apply, ${a.jobs.toLocaleString('en-US')} files, then again unchanged`,
        measured: `${a.seconds.toFixed(2)} s (${ms(a.perJobMs)}/job); again: ${a.reapplySeconds.toFixed(2)} s, ${a.reapplyWrites} writes`,
        baseline: '—',
        ratio: '—',
        target: 're-apply writes nothing',
        met: a.reapplyWrites === 0 && a.writes === a.jobs,
      });
    }
    const first = x.apply[0];
    const last = x.apply[x.apply.length - 1];
    out.push({
      figure: `jobs apply, time per job at ${last.jobs.toLocaleString('en-US')} files over ${first.jobs.toLocaleString('en-US')}`,
      measured: `${ms(last.perJobMs)} vs ${ms(first.perJobMs)}`,
      baseline: '—',
      ratio: ratio(x.applyGrowth),
      target: `≤ ${TARGETS.jobsApplyGrowth}× (flat)`,
      met: x.applyGrowth <= TARGETS.jobsApplyGrowth,
    });
    out.push({
      figure: 'Jobs reconciler, per change (stream batch of new jobs)',
      measured: spread(x.reconciler.perChange),
      baseline: `${spread(x.reconciler.bare)} bare CreateSchedule`,
      ratio: ratio(x.reconciler.ratio),
      target: `≤ ${TARGETS.jobsReconciler}×`,
      met: x.reconciler.ratio <= TARGETS.jobsReconciler,
    });
    out.push({
      figure: 'Jobs dispatcher, warm per run (Lambda target)',
      measured: spread(x.dispatcher.handler),
      baseline: `${spread(x.dispatcher.bare)} bare invoke + the run's writes`,
      ratio: ratio(x.dispatcher.ratio),
      target: `≤ ${TARGETS.jobsDispatcher}×`,
      met: x.dispatcher.ratio <= TARGETS.jobsDispatcher,
    });
  }
  if (r.dashboard) {
    const d = r.dashboard;
    for (const z of d.sizes) {
      out.push({
        figure: `Dashboard, the page's data for ${z.jobs} jobs`,
        measured: `${spread(z.page)} (${ms(z.perJobMs)}/job)`,
        baseline: `${spread(z.bare)} bare reads`,
        ratio: ratio(z.ratio),
        target: 'informational',
        met: true,
      });
    }
    const first = d.sizes[0];
    const last = d.sizes[d.sizes.length - 1];
    out.push({
      figure: `Dashboard, cost per job at ${last.jobs} jobs over ${first.jobs} jobs`,
      measured: `${ms(last.perJobMs)} vs ${ms(first.perJobMs)}`,
      baseline: '—',
      ratio: ratio(d.growth),
      target: `≤ ${TARGETS.dashboardGrowth}× (flat)`,
      met: d.growth <= TARGETS.dashboardGrowth,
    });
  }
  return out;
}

function jobsSection(r: Report): string {
  if (!r.jobs) return '';
  const x = r.jobs;
  const s = r.settings;
  return [
    '## 7. Jobs app',
    '',
    "- **`jobs apply`**: the CLI's own work (`applyJobs` of `cli/jobs-apply.ts` after `checkJobFiles`: read and validate",
    `  every file, read the table once, write each new job through the shared store), for ${s.jobsApplySizes.map((n) => n.toLocaleString('en-US')).join(' and ')} generated`,
    '  job files (`benchJob` in `bench/jobs.ts`: cron in a zone, rate, Lambda and SNS targets), then the same files',
    '  again. DynamoDB is answered in this process in constant time per request (`bench/lib/ddb-memory.ts`), with the',
    "  whole SDK stack running: moto's `TransactWriteItems` deep-copies every table it touches on each call (measured:",
    '  37 ms a transaction on a 50-item table, 318 ms at 600 items), so on moto this figure would time moto. Write',
    '  requests are counted: one per new job, none on the re-apply.',
    `- **Reconciler, per change**: the reconciler handling stream batches of 25 new jobs (the table's real stream on`,
    `  moto, read beforehand and untimed), against the bare \`CreateSchedule\` calls the same changes need (same requests,`,
    `  same concurrency of 8, into another group), ${s.jobsReconcilerRounds} rounds alternating sides after a warm-up round. The`,
    '  reconciler also records what it did per job (one `BatchWriteItem` per 25 changes): that is its overhead.',
    `- **Dispatcher, warm per run**: the dispatcher handling a fire of a Lambda job (overlap allow), against the requests a`,
    '  run needs made directly: the job read alongside the claim (one transaction: job exists and not paused, slot counted',
    '  once, run item if new), the asynchronous `Invoke` of the target (the loopback Lambda stand-in in front of moto),',
    `  then the outcome (run item and the job's last run, in parallel). ${s.jobsDispatcherIterations} runs, sides alternating.`,
    '',
    table(
      ['Figure', 'Measured', 'Baseline', 'Ratio'],
      [
        ...x.apply.map((a) => [
          `apply ${a.jobs.toLocaleString('en-US')} files (${a.writes} writes); again unchanged (${a.reapplyWrites} writes)`,
          `${a.seconds.toFixed(2)} s, ${ms(a.perJobMs)}/job; ${a.reapplySeconds.toFixed(2)} s, ${ms(a.reapplyPerJobMs)}/job`,
          '—',
          '—',
        ]),
        ['Reconciler per change', spread(x.reconciler.perChange), spread(x.reconciler.bare), ratio(x.reconciler.ratio)],
        ['Dispatcher per run', spread(x.dispatcher.handler), spread(x.dispatcher.bare), ratio(x.dispatcher.ratio)],
      ],
      ['---', '---:', '---:', '---:'],
    ),
    '',
    `Time per job of an apply, ${x.apply[x.apply.length - 1].jobs.toLocaleString('en-US')} files over ${x.apply[0].jobs.toLocaleString('en-US')}: ${ratio(x.applyGrowth)}.`,
  ].join('\n');
}

function dashboardSection(r: Report): string {
  if (!r.dashboard) return '';
  const s = r.settings;
  return [
    '## 8. Dashboard',
    '',
    `- **The page's data** (\`GET /api/jobs\`: \`cli/dashboard/data.ts\` \`loadDashboard\`) for ${s.dashboardSizes.join(', ')} jobs,`,
    '  half stack jobs wired to the Runs app (10 runs each in the ledger), half registry jobs of the Jobs app, against',
    '  `moto_server`, against the bare DynamoDB reads that data needs (`bench/dashboard.ts`: the registrations, per stack',
    "  job its newest entries and its missed slots, the jobs table's list partitions, the states in batches, per registry",
    `  job its runs; the same concurrency), ${s.dashboardIterations} alternating rounds in one process. The cost per job must stay flat as jobs grow.`,
  ].join('\n');
}

function runsSection(r: Report): string {
  if (!r.runs) return '';
  const x = r.runs;
  const s = r.settings;
  return [
    '## 6. Runs app',
    '',
    '- **Recorder, warm per record**: the built recorder (`dist/runs-recorder`) handling the documented success record',
    '  (`events/runs-destination-success.json`), a new request id each time, against the one write it needs: the',
    `  conditional \`PutItem\` of the same item (\`bench/baselines/runs-write.ts\`), in one warm process, ${s.runsRecorderIterations} rounds,`,
    '  sides rotated, against `moto_server` (`bench/children/runs.js`).',
    '- **Watchdog, one tick**: the built watchdog judging a 5-minute window of jobs on `rate(5 minutes)` that all ran',
    '  (no missed slot to write), against the bare calls it needs (`bench/baselines/runs-reads.ts`: the watermark, the',
    '  registry, one `byTime` query per job with the same concurrency, the new watermark). The watermark is set back',
    '  before each call (untimed), so every call judges the same window. On moto both sides grow with the table:',
    "  moto's query on an index scans every item of the table, so a tick costs jobs² there, the bare reads as much;",
    '  DynamoDB reads cost what they return. So moto is measured at 10 and 100 jobs by default (1,000 jobs take most',
    '  of an hour on 2 cores: `--runs-moto-sizes 10,100,1000`), and the growth up to 10,000 jobs in memory (below).',
    '- **Watchdog, cost per job as jobs grow**: the same tick, built from the same code, on the in-memory ledger',
    '  (`tooling/simulator/memory-store.ts`, reads that cost what they return), in this process: the sizes in rotation,',
    '  round after round (2 discarded), each running enough ticks per round for about 2,000 job checks, the watermark',
    '  set back before each tick. What the watchdog itself costs per job at each size (median over the rounds).',
    '- **Simulator**: `tooling/simulator` firing `rate(5 minutes)` with its retries and destination records, the recorder',
    '  and the watchdog (every 5 minutes) in process on the in-memory ledger; the time per run of the longest window over',
    '  the shortest says whether the run time grows faster than the run count.',
    '',
    table(
      ['Figure', 'Measured', 'Baseline', 'Ratio'],
      [
        ['Recorder per record', spread(x.recorder.handler), spread(x.recorder.bare), ratio(x.recorder.ratio)],
        ...x.watchdog.map((w) => [
          `Watchdog tick, ${w.jobs} jobs`,
          `${spread(w.tick)}; ${ms(w.perJobMs)} per job`,
          `${spread(w.bare)}; ${ms(w.bareperJobMs)} per job`,
          ratio(w.ratio),
        ]),
        ...x.watchdogMemory.map((w) => [
          `Watchdog tick, ${w.jobs.toLocaleString('en-US')} jobs, in-memory ledger`,
          `${spread(w.tick)}; ${ms(w.perJobMs)} per job`,
          '—',
          '—',
        ]),
        ...x.simulator.map((m) => [
          `Simulator, ${m.months} month(s): ${m.runs} runs, ${m.ticks} watchdog ticks`,
          `${m.seconds.toFixed(2)} s, ${m.perRunMicros.toFixed(1)} µs per run`,
          '—',
          '—',
        ]),
      ],
      ['---', '---:', '---:', '---:'],
    ),
    '',
    `Cost per job of a watchdog tick at ${x.watchdogMemory[x.watchdogMemory.length - 1].jobs.toLocaleString('en-US')} jobs over ${x.watchdogMemory[0].jobs}, in memory: ${ratio(x.watchdogGrowth)}. On moto, at ${x.watchdog[x.watchdog.length - 1].jobs.toLocaleString('en-US')} jobs over ${x.watchdog[0].jobs}: ${ratio(x.motoGrowth.tick)} for the watchdog, ${ratio(x.motoGrowth.bare)} for its bare reads (the emulator's scan). Simulator time per run, longest over shortest window: ${ratio(x.simulatorGrowth)}.`,
  ].join('\n');
}

function table(header: string[], body: string[][], align?: string[]): string {
  const sep = align ?? header.map(() => '---');
  return [header, sep, ...body].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

export function renderConsole(r: Report): string {
  const rs = rows(r);
  const width = Math.max(...rs.map((x) => x.figure.length));
  const lines = rs.map(
    (x) =>
      `${x.figure.padEnd(width)}  ${x.measured.padEnd(34)} ${x.ratio.padStart(6)}  ${x.target.padEnd(22)} ${x.met ? 'met' : 'MISSED'}`,
  );
  const met = rs.filter((x) => x.met).length;
  return [...lines, `${met} of ${rs.length} targets met (${r.durationSeconds ?? '?'} s)`].join('\n');
}

// --------------------------------------------------------------------------------------------------- markdown

function machineSection(r: Report): string {
  const m = r.machine;
  return [
    '## Machine',
    '',
    table(
      ['', ''],
      [
        ['CPU', `${m.cpu}, ${m.cores} cores`],
        ['Memory', `${m.memoryGiB} GiB`],
        ['Node.js', m.node],
        ['OS', m.os],
        ['Load average at start (1, 5, 15 min)', m.loadAtStart],
        [
          'Tools',
          Object.entries(m.tools)
            .map(([k, v]) => `${k}: ${v}`)
            .join('; '),
        ],
        [
          'Run',
          `${r.date.slice(0, 16).replace('T', ' ')} UTC, ${r.durationSeconds ?? '?'} s${r.settings.quick ? ', --quick' : ''}`,
        ],
      ],
    ),
  ].join('\n');
}

function coldSection(r: Report): string {
  if (!r.cold) return '';
  const s = r.settings;
  const parts = [
    '## 1. Cold start',
    '',
    `Each pair is two fresh \`node\` processes, one requiring the function's bundle, one the baseline bundle, in`,
    `alternating order (${s.coldPairs} pairs, after one discarded run of each to warm the page cache). Both run with the`,
    "environment the function's template sets (`scripts/lib/template-env.ts`, the benchmark's parameter values, the",
    "template's defaults otherwise: the email function has no templates, the SMS function one recipient).",
    '',
    '- **require** is measured inside the child with `performance.now()` around `require(bundle)`: parsing, compiling and',
    "  running the bundle's module scope (clients created, configuration checked), which is what a bundle adds to",
    "  Lambda's init phase. The ratio and the target use it.",
    "- **loaded** is `performance.now()` after the require, whose origin is the start of the process: Node's own",
    '  start-up (the same for both sides) included. It is shown for context; its ratios are smaller.',
    '- Baselines are built by the benchmark (`bench/baselines/*.ts`) with the esbuild options of the function they stand',
    "  beside, read from its template's `Metadata.BuildProperties` (minified, es2022, cjs, node). The macro's baseline is",
    '  the Powertools Logger alone: it is the only third-party package in the macro (which calls no AWS API), and an',
    "  empty bundle would only measure Node's module loader.",
    '- The ratio is the median of the per-pair ratios.',
    '',
    table(
      [
        'Bundle',
        'Size',
        'Baseline',
        'Baseline size',
        'require: bundle',
        'require: baseline',
        'Ratio',
        'loaded: bundle',
        'loaded: baseline',
        'Ratio',
      ],
      r.cold.map((c) => [
        `dist/${c.name}`,
        size(c.bytes),
        BASELINE_NAMES[c.baseline],
        size(c.baselineBytes),
        spread(c.require),
        spread(c.baselineRequire),
        ratio(c.ratio),
        spread(c.loaded),
        spread(c.baselineLoaded),
        ratio(c.loadedRatio),
      ]),
      ['---', '---:', '---', '---:', '---:', '---:', '---:', '---:', '---:', '---:'],
    ),
  ];
  const email = r.cold.find((c) => c.name === 'email');
  const b = r.coldEmailBreakdown;
  if (b) {
    const [ses, deps, without, full] = b.sides;
    parts.push(
      '',
      `**What the email function's cold start is made of.** Four bundles in rotation (${s.coldPairs} rounds of four fresh`,
      'processes), ratios per round to the first, and what each adds to the one above (median of the per-round',
      'differences):',
      '',
      table(
        ['Bundle', 'Size', 'require', 'Ratio to the SES v2 client alone', 'Added to the row above'],
        b.sides.map((side, k) => [
          side.label,
          size(side.bytes),
          spread(side.require),
          ratio(b.ratios[k].require),
          k === 0 ? '—' : signed(b.added[k]),
        ]),
        ['---', '---:', '---:', '---:', '---:'],
      ),
      '',
      '- *required dependencies* (`bench/baselines/email-deps.ts`): the SES v2 client, the Powertools Logger, and Powertools',
      '  Idempotency with its DynamoDB persistence layer (which brings the DynamoDB client), created as the function',
      '  creates them. The function sends each batch at most once per SNS message, as SNS delivers duplicates and SES',
      '  has no idempotency key: these are not optional.',
      '- *optional packages left out*: the email function built with the S3 client, Handlebars and html-to-text external',
      '  (not bundled; never deployed). It runs the same code at init as the deployed bundle in the default configuration,',
      '  which loads none of the three.',
    );
    if (email && email.ratio > TARGETS.cold) {
      parts.push(
        '',
        `**Why the email target is missed.** The required dependencies alone take ${ms(deps.require.median)}, ${ratio(b.ratios[1].require)}`,
        `the SES v2 client alone (${ms(ses.require.median)}): ${
          b.ratios[1].require >= TARGETS.cold
            ? `the ${TARGETS.cold}× budget is spent before any of the function's own code runs`
            : `most of the ${TARGETS.cold}× budget is spent before any of the function's own code runs`
        }. The function's own code adds ${added(b.added[2])} to them; carrying the optional packages`,
        `(${size(full.bytes - without.bytes)} of code that V8 must still scan, although it does not run it) adds ${added(b.added[3])}`,
        '(medians of the per-round differences). Meeting the target would mean dropping the at-most-once guarantee, or',
        "splitting the optional features into separate bundles, which the templates' single-entry esbuild build does not do.",
      );
    }
  }
  const webhook = r.cold.find((c) => c.name === 'webhook');
  const w = r.coldWebhookBreakdown;
  if (w) {
    parts.push(
      '',
      `**What the webhook function's cold start is made of.** Three bundles in rotation (${s.coldPairs} rounds):`,
      '',
      table(
        ['Bundle', 'Size', 'require', 'Ratio to the HTTPS + Secrets Manager clients', 'Added to the row above'],
        w.sides.map((side, k) => [
          side.label,
          size(side.bytes),
          spread(side.require),
          ratio(w.ratios[k].require),
          k === 0 ? '—' : signed(w.added[k]),
        ]),
        ['---', '---:', '---:', '---:', '---:'],
      ),
      '',
      '- *required dependencies* (`bench/baselines/webhook-deps.ts`): the baseline plus the Powertools Logger and',
      '  Powertools Idempotency with its DynamoDB persistence layer, created as the function creates them: a webhook',
      '  has no idempotency key (Slack, Teams, Discord), so the at-most-once record is not optional.',
    );
    if (webhook && webhook.ratio > TARGETS.cold) {
      parts.push(
        '',
        `**Why the webhook target is missed.** The required dependencies alone take ${ratio(w.ratios[1].require)} the baseline;`,
        `the function's own code, Powertools Parameters and the bundled (lazily loaded) Handlebars of the generic preset`,
        `add ${added(w.added[2])}. Meeting ${TARGETS.cold}× would mean dropping the at-most-once record or the Logger, or`,
        'loading them at the first message instead of at init, which only moves the time to the first message.',
      );
    }
  }
  if (r.coldEsm?.length) {
    parts.push(
      '',
      '### `MainFields: module,main` (applied)',
      '',
      "The templates' BuildProperties set `MainFields: module,main` (a SAM esbuild BuildProperty): esbuild takes the AWS",
      "SDK v3's ES module builds and keeps only the commands a function imports. With esbuild's default main fields for",
      'Node (`main,module`) the SDK resolves to its CommonJS builds, one file per client holding every command, which',
      `esbuild cannot tree-shake. Same method, ${s.esmPairs} pairs, function and baseline both rebuilt with the default:`,
      '',
      table(
        [
          'Bundle',
          'Size with the default → deployed',
          'require with the default',
          'require as deployed',
          'Change',
          'Baseline require (default)',
          'Ratio to baseline (default)',
        ],
        r.coldEsm.map((e) => {
          const now = r.cold?.find((c) => c.name === e.name);
          return [
            `dist/${e.name}`,
            `${size(e.bytes)} → ${now ? size(now.bytes) : '?'}`,
            spread(e.require),
            now ? ms(now.require.median) : '?',
            now ? `${Math.round((now.require.median / e.require.median - 1) * 100)}%` : '?',
            spread(e.baselineRequire),
            ratio(e.ratio),
          ];
        }),
        ['---', '---:', '---:', '---:', '---:', '---:', '---:'],
      ),
      '',
      '"require as deployed" is the median of the table above (another series, so the change is indicative). The',
      'absolute times fall for every function that uses the AWS SDK, which is what a cold start costs; the ratios move',
      'both ways, because a baseline made of AWS SDK clients shrinks as much as the function or more, while the',
      '`twilio` baseline does not shrink. Every unit and integration test runs against the bundles built this way.',
    );
  }
  return parts.join('\n');
}

function warmSection(r: Report): string {
  if (!r.warm) return '';
  const s = r.settings;
  const parts = [
    '## 2. Warm per-message cost',
    '',
    `One Node process per function, with the function's environment, loads the built handler and the bare calls, warms`,
    `them up (${s.warmup} messages each), then runs ${s.warmIterations} rounds in which each side handles one message, in an order`,
    'rotated every round (`bench/children/warm.js`). Every message has a new SNS MessageId, so idempotency does its full',
    'work each time. The functions log as their templates set them (INFO; the lines are written and dropped).',
    '',
    '- **Email**: the handler (`dist/email`) against a bare SES v2 `SendEmail` (same client settings) of the very request',
    '  the function sent (recorded on the wire during an untimed first invocation), both through the same endpoint: the',
    '  email recorder (`tests/support/email-recorder.ts`) in front of `moto_server`.',
    "- **SMS**: the handler (`dist/sms`, its own node:http transport) against the official client's `messages.create`",
    "  (`import twilio from 'twilio'`, the package's axios transport, `client.api.baseUrl` pointed at the stand-in, as",
    '  the package offers no base-URL option), same sender, recipient and body, both to the loopback Twilio stand-in',
    '  (`tests/support/twilio-standin.ts`). The secret is read once (Powertools Parameters caches it for 300 s).',
    '- **Floor**: the bare call between the two DynamoDB writes Powertools Idempotency makes per send (a conditional',
    '  `PutItem` that claims the key, an `UpdateItem` that stores the result; `bench/baselines/idempotency-floor.ts`),',
    '  to the same `moto_server`. A bare call has no such round trips; the floor is what an at-most-once send costs.',
    '- **Webhook**: the handler (`dist/webhook`, Slack preset) against a bare JSON `POST` of the very body it sent, over a',
    '  keep-alive agent, to the same loopback stand-in (`tooling/webhook-standin.ts`). Its target (issue 18) is against',
    `  the floor: at most ${TARGETS.warmWebhookFloor}× the bare POST plus the idempotency writes.`,
    '',
    table(
      [
        'Function',
        'Handler',
        'Bare call',
        'Ratio',
        'Floor (bare + idempotency writes)',
        'Handler / floor',
        'Floor / bare',
        'Sends checked',
      ],
      r.warm.map((w) => [
        w.name,
        spread(w.handler),
        spread(w.bare),
        ratio(w.ratio),
        spread(w.floor),
        ratio(w.floorRatio),
        ratio(w.floorOverBare),
        String(w.requests),
      ]),
      ['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:'],
    ),
  ];
  const missed = r.warm.filter((w) => w.name !== 'webhook' && w.ratio > TARGETS.warm);
  if (missed.length) {
    parts.push(
      '',
      `**Why the ${missed.map((w) => w.name).join(' and ')} target${missed.length > 1 ? 's are' : ' is'} missed.**`,
      ...missed.map((w) => {
        const write = (w.floor.median - w.bare.median) / 2;
        return (
          `${w.name === 'email' ? 'Email' : w.name === 'sms' ? 'SMS' : 'Webhook'}: each DynamoDB write costs about ${ms(write)} on moto_server, against ` +
          `${ms(w.bare.median)} for the bare ${BARE_NAMES[w.name]} on loopback, so the two writes alone make the ` +
          `floor ${ratio(w.floorOverBare)} the bare call. The handler is ${ratio(w.floorRatio)} the floor` +
          `${w.floorRatio <= TARGETS.warm ? `, within the ${TARGETS.warm}× budget: rendering, logging and the function's own code add little.` : '.'}`
        );
      }),
      '',
      'The ratio to the bare call is bounded by the idempotency round trips, which the at-most-once design requires; on',
      'loopback the send itself is unusually cheap, which makes them weigh more than they would against the real',
      'services (not measured here).',
    );
  }
  return parts.join('\n');
}

function burstSection(r: Report): string {
  if (!r.burst?.length) return '';
  const p = r.burst[0].plan;
  return [
    '## 2b. A burst under throttling',
    '',
    `${p.messages} messages to each channel, delivered as SNS does: asynchronous invocations into ${p.concurrency} execution`,
    "environments (Lambda's internal queue holds the rest), Lambda's 2 retries (their 1 and 2 minute waits shortened to",
    `${p.retryDelayMs / 1000} s), the function's dead-letter queue on moto's SQS, and 1 message in 20 delivered twice (SNS is at-least-once)`,
    '(`tooling/burst.ts`, `tooling/lambda-async.ts`). The targets throttle as the services do, at a rate scaled so the',
    `burst drains in tens of seconds (${p.rate}/s, bursts of ${p.burst}): SES answers TooManyRequestsException "Maximum sending`,
    'rate exceeded."; Twilio 429 (20429) with Retry-After; Slack 429 `rate_limited` with Retry-After. What reaches the target',
    'is counted per SNS message id.',
    '',
    table(
      [
        'Channel',
        'Messages (deliveries)',
        'Invocations',
        'Throttled answers',
        'Delivered once',
        'Duplicates',
        'In the DLQ',
        'Lost',
        'Time',
        'Throughput',
      ],
      r.burst.map((b) => [
        b.name,
        `${b.messages} (${b.deliveries})`,
        String(b.invocations),
        String(b.throttled),
        String(b.deliveredOnce),
        String(b.duplicates),
        String(b.deadLettered + b.deliveredAndKept),
        String(b.lost),
        `${b.seconds.toFixed(1)} s`,
        `${b.throughput.toFixed(1)} msg/s`,
      ]),
      ['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:'],
    ),
  ].join('\n');
}

function mirrorSection(r: Report): string {
  if (!r.copy && !r.unchanged) return '';
  const s = r.settings;
  const parts = ['## 3. Mirror', ''];
  if (r.copy) {
    const c = r.copy;
    const sm = c.small;
    // The extra time is best read on the small image, where little copying time (and noise) surrounds it.
    const fixed = sm.overheadMs;
    const rowsOf = (x: CopySeries, label: string) => [
      [`${label}: buildspec (as in template-mirror.yaml)`, spread(x.buildspec), ratio(x.ratio), signed(x.overheadMs)],
      ...(x.proposed && x.proposedRatio !== undefined
        ? [
            [
              `${label}: buildspec, proposed leaner build phase`,
              spread(x.proposed),
              ratio(x.proposedRatio),
              signed(x.proposedOverheadMs ?? Number.NaN),
            ],
          ]
        : []),
      [`${label}: skopeo copy alone`, spread(x.bare), '1.00×', '—'],
    ];
    parts.push(
      `A generated two-platform OCI image (linux/amd64 + linux/arm64, one incompressible ${s.payloadMiB} MiB layer each,`,
      `${size(c.imageBytes)} in all; \`tooling/registry-image.ts\`) is pushed to a local \`docker-registry\`. One`,
      `platform (${size(c.copiedBytes)}) is then copied by digest into a destination registry started for that copy alone`,
      '(not timed), so no copy can reuse blobs of another:',
      '',
      "- **buildspec**: the build phase of the mirror's CodeBuild buildspec, read from `template-mirror.yaml` and run in",
      '  bash by `tooling/registry-buildspec.ts` (local skopeo, plain-http loopback registries; the install phase',
      "  needs Go's module proxy and the ECR logins need AWS, so both are skipped): inspect the destination, copy, check",
      '  the pushed digest.',
      '- **skopeo**: `skopeo --insecure-policy copy --preserve-digests --retry-times 3` with the same source, destination',
      '  and TLS flags, run directly, in the same surroundings (fresh HOME and TMPDIR, empty auth file).',
      `- ${s.copyPairs} rounds, the order rotated each round; ratio = median of the per-round ratios, extra = median of the`,
      '  per-round differences to skopeo alone.',
      `- The same copies of a small image (${size(sm.copiedBytes)} per platform), where little copying time, and so little noise,`,
      '  surrounds the extra time.',
      '',
      table(
        ['Copy', 'Time', 'Ratio to skopeo', 'Extra over skopeo'],
        [
          ...rowsOf(c, size(c.copiedBytes)),
          ...rowsOf(sm, size(sm.copiedBytes)),
          [
            `${size(c.copiedBytes)}: buildspec again, digest already present (${s.presentRuns} runs)`,
            spread(c.alreadyPresent),
            '—',
            '—',
          ],
        ],
        ['---', '---:', '---:', '---:'],
      ),
      '',
      `The build phase takes ${signed(fixed)} over the copy alone on the small image and ${signed(c.overheadMs)} on the large one (where the`,
      `copy alone varies by ${ms(c.bare.max - c.bare.min)} from round to round). That time is spent in the skopeo processes it starts besides`,
      'the copy (an `inspect` of the destination and a `manifest-digest` before it) and in',
      'bash; none of them moves layer data, so it should not grow with the image. The run that finds the digest',
      `already present, which only inspects, takes ${ms(c.alreadyPresent.median)}. On loopback the ${size(c.copiedBytes)} copy itself takes only`,
      `${ms(c.bare.median)}, so the ratio is ${ratio(c.ratio)}; with the larger of the two measured extra times, the ${TARGETS.copy}× target holds for`,
      `every copy that takes ${(Math.max(fixed, c.overheadMs, 0) / (TARGETS.copy - 1) / 1000).toFixed(2)} s or more. Between ECR registries (CodeBuild pulling from one region and`,
      'pushing to another over the network) a copy of this size takes seconds, which leaves the extra time a few percent.',
    );
    if (c.proposed && sm.proposedOverheadMs !== undefined) {
      parts.push(
        '',
        '**Proposed leaner build phase** (measured here, not applied: the buildspec belongs to `template-mirror.yaml`):',
        "compute the destination manifest's digest with `sha256sum` instead of a second skopeo process (`sha256:$(sha256sum <",
        '"$WORK/current.json" | cut -d\' \' -f1)`, the same value for every manifest but the long-deprecated signed schema 1),',
        'and drop the final `inspect` by digest and its check: `--digestfile` already proves which digest was pushed, and',
        'the first `inspect` proves it when nothing was copied. See `proposedBuildspec()` in `bench/mirror.ts`. Its',
        `extra time measured ${signed(sm.proposedOverheadMs)} on the small image, against ${signed(fixed)} for the current build phase.`,
      );
    }
  }
  if (r.unchanged) {
    parts.push(
      '',
      '**Unchanged digest through the custom resource.** The built mirror function (`dist/mirror`) answers a Create whose',
      'source tag resolves (moto_server ECR, an image index) to an arm64 digest that the destination repository already',
      `holds, in a fresh Node process each time (a Lambda cold start), ${s.unchangedRuns} runs: from spawning the process to its exit,`,
      'after the SUCCESS answer reached the (loopback) ResponseURL. Each answer was checked (SUCCESS, the digest), and',
      `moto's CodeBuild recorded ${r.unchanged.builds} builds. Median ${ms(r.unchanged.cold.median)}, slowest`,
      `${ms(r.unchanged.cold.max)}: under ${TARGETS.unchangedMs / 1000} s without a build.`,
    );
  }
  return parts.join('\n');
}

function macroSection(r: Report): string {
  if (!r.macro) return '';
  return [
    '## 4. Macro',
    '',
    `Each case runs in ${r.settings.macroProcesses} fresh Node processes with the macro's environment. In each, the first call after`,
    '`require` is the cold one (nothing compiled yet; CloudFormation calls the macro once per change set, so this is the',
    'common case) and the following calls are warm; every call gets its own copy of the event. The target applies to',
    'the medians of both.',
    '',
    table(
      ['Case', 'Entries', 'Functions', 'Answer', 'Processed fragment', 'First call (cold)', 'Warm calls'],
      r.macro.map((m) => [
        m.name,
        String(m.entries),
        String(m.functions),
        m.expect === 'failure' ? `failure: ${m.errorMessage?.slice(0, 70)}…` : 'success',
        size(m.fragmentBytes),
        spread(m.first),
        spread(m.warm),
      ]),
      ['---', '---:', '---:', '---', '---:', '---:', '---:'],
    ),
    '',
    'A 200-entry map cannot fit one function: Lambda limits its environment to 4 KB and each entry needs about 40',
    'bytes, so the macro parses and checks all 200 entries and then refuses the template with that message. The',
    '20-function case spreads 200 entries over 20 functions (one map parameter each) and also checks 20 schedules',
    "(cron, rate and at() in five time zones). Most of a first call is one-time work: V8 compiling the macro's code",
    `and ICU loading its time-zone data for the first \`Intl.DateTimeFormat\` with a time zone (${r.icuFirstUseMs === undefined ? '?' : ms(r.icuFirstUseMs)} in a`,
    'fresh Node process on this machine, median of 5; only at() schedules with a time zone need it).',
  ].join('\n');
}

function scheduleSection(r: Report): string {
  if (!r.schedule) return '';
  return [
    '## 5. Schedule fire times',
    '',
    'Every fire time of a schedule in a window, as the runs watchdog and simulator ask for it (`firesBetween` of',
    `\`functions/common/schedule\`), in this process: ${r.settings.schedulePairs} pairs rotated, after one discarded round.`,
    'The baseline makes as many Date objects in a bare loop, the floor of any iterator of Dates. The target is',
    'linearity: the cost per fire over a year against over a day (the fixed cost of checking the expression and the',
    "zone makes a day's fires dearer each).",
    '',
    table(
      ['Schedule', 'Zone', 'Window', 'Fires', 'Time', 'Bare loop', 'Ratio', 'Per fire'],
      r.schedule.cases.map((c) => [
        `\`${c.expression}\``,
        c.timezone,
        `${c.days} d`,
        c.fires.toLocaleString('en-US'),
        spread(c.measured),
        ms(c.baseline.median),
        `${c.ratio.toFixed(1)}×`,
        `${c.perFireUs.toFixed(2)} µs`,
      ]),
      ['---', '---', '---:', '---:', '---:', '---:', '---:', '---:'],
    ),
    '',
    'A cron in a zone with daylight saving time costs two UTC-offset look-ups (Intl) per day with fires, and a few per',
    'fire only on the days the clocks change; a rate costs an addition per fire.',
  ].join('\n');
}

const CHANGES = `## What was changed to get there

- **Email function: code loaded only when the configuration needs it** (\`functions/email/index.ts\`,
  \`functions/email/templates.ts\`, \`functions/email/compose.ts\`, \`functions/common/render.ts\`). The S3 client is
  required only when \`TemplatesS3Uri\` is set, Handlebars only when a template is compiled, html-to-text only when an
  HTML template has no text template. Before, all three were loaded at every cold start although the default
  configuration uses none of them. Measured when the change was made (bench/cold.ts's method: 21 rounds of fresh
  processes, the SES v2 baseline, the bundle built from the previous commit and the changed one in rotation): the
  \`require\` of dist/email went from 180 ms (1.92× the SES v2 client alone, 90 ms) to 144 ms (1.52×), -20%. The
  bundle grew by 45 KiB (html-to-text's dependencies are bundled as CommonJS when it is loaded with \`require\`);
  that is included in the figures. The SMS function, which shares \`functions/common/render.ts\`, no longer loads
  Handlebars without a MessageTemplate: 125 ms to 122 ms (0.70× to 0.65× the \`twilio\` client alone). All unit
  tests and the email and SMS integration tests (which cover S3 templates, compiled templates and the text part
  derived from an HTML template, through the built bundles) pass unchanged.
- Nothing else needed changing to meet the targets that can be met: the SMS function already leaves out most of the
  \`twilio\` package (docs/sms.md), and the mirror and macro bundles are close to their baselines.
- **\`MainFields: module,main\`** in every template's BuildProperties (section 1): the AWS SDK's ES module builds, so
  esbuild keeps only the commands a function uses; cold starts fell by a third or more for the email, SMS and mirror
  functions.
- **Mirror build phase**: the second \`inspect\` by digest after the copy, and its \`manifest-digest\`, are gone
  (\`template-mirror.yaml\`): \`--preserve-digests\` and \`--digestfile\` already prove which digest was pushed, and the
  first \`inspect\` proves it when nothing is copied. Two skopeo processes fewer per build; the copy's extra time
  over bare skopeo fell from about 80 ms to the figure in section 3. (The further step of computing the digest
  with \`sha256sum\` was measured but not taken: \`skopeo manifest-digest\` also handles signed schema-1 manifests.)`;

export function renderMarkdown(r: Report): string {
  const rs = rows(r);
  const met = rs.filter((x) => x.met).length;
  return `${[
    '# Benchmarks',
    '',
    '<!-- Generated by `npm run bench` (bench/run.ts). Do not edit by hand: run it again. -->',
    '',
    'How close the functions are to the floor set by the third-party code they need, measured the same way every time.',
    'Each figure is a ratio against a baseline run in the same session, in alternating pairs, with medians over the',
    'runs (absolute times are too noisy to compare across machines). Times are "median (min–max)".',
    '',
    '## Reproduce',
    '',
    '```bash',
    'npm ci',
    'npm run bench            # builds the functions, runs everything (a few minutes on 2 cores), writes this file',
    'npm run bench -- --quick # fewer runs, a 2 x 20 MiB image; prints the table only',
    'npm run bench -- --only cold,macro --out /tmp/bench.md',
    'npm run bench -- --only runs --update  # measures those sections again, keeps the others in this file',
    '```',
    '',
    'Needs what the integration tests need: `moto_server`, `skopeo` and `docker-registry` on the PATH, nothing on the',
    'network but loopback. Every process the benchmark starts (moto_server, registries, stand-ins, Node children) is',
    'stopped at the end, also on Ctrl-C. It is not part of `npm test`.',
    '',
    `## Results: ${met} of ${rs.length} targets met`,
    '',
    table(
      ['Figure', 'Measured', 'Baseline', 'Ratio', 'Target', 'Result'],
      rs.map((x) => [x.figure, x.measured, x.baseline, x.ratio, x.target, verdict(x.met)]),
      ['---', '---:', '---', '---:', '---', '---'],
    ),
    '',
    'Missed targets are explained, with the numbers that bound them, in their sections below.',
    '',
    machineSection(r),
    '',
    coldSection(r),
    '',
    warmSection(r),
    '',
    burstSection(r),
    '',
    mirrorSection(r),
    '',
    macroSection(r),
    '',
    scheduleSection(r),
    '',
    runsSection(r),
    '',
    jobsSection(r),
    dashboardSection(r),
    '',
    CHANGES,
  ]
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')}\n`;
}

// ------------------------------------------------------------------------------------- updating a section

/** The report's sections in their order, each with its heading and the figures of its rows in the results table. */
const SECTION_LAYOUT: { section: string; heading: RegExp; rows: RegExp }[] = [
  { section: 'cold', heading: /^## 1\. /, rows: /^Cold start/ },
  { section: 'warm', heading: /^## 2\. /, rows: /^Warm per message/ },
  { section: 'burst', heading: /^## 2b\. /, rows: /^Burst of/ },
  { section: 'mirror', heading: /^## 3\. /, rows: /^Mirror/ },
  { section: 'macro', heading: /^## 4\. /, rows: /^Macro/ },
  { section: 'schedule', heading: /^## 5\. /, rows: /^Schedule fires/ },
  { section: 'runs', heading: /^## 6\. /, rows: /^(Runs |Simulator)/ },
  { section: 'dashboard', heading: /^## 7\. /, rows: /^Dashboard/ },
];

const sectionIndex = (name: string) => SECTION_LAYOUT.findIndex((l) => l.section === name);
/** "## ..." blocks: the text before the first heading, then one block per level-2 heading. */
const blocks = (text: string) => text.split(/^(?=## )/m);
const rowSection = (line: string) => {
  const figure = line.slice(2, line.indexOf(' | '));
  return SECTION_LAYOUT.findIndex((l) => l.rows.test(figure));
};

/**
 * docs/benchmarks.md with the sections this (partial) run measured written again, and every other section, its
 * rows of the results table and the machine it was measured on kept as they are. The count of targets met is
 * recomputed over the merged table; the machine table gains one row saying when these sections were measured.
 */
export function updateMarkdown(existing: string, r: Report): string {
  const measured = new Set(r.sections.map(sectionIndex));
  const fresh = blocks(renderMarkdown(r));
  const out = blocks(existing);
  const find = (list: string[], re: RegExp) => list.findIndex((b) => re.test(b));

  // Results: the other sections' rows as they were, this run's rows for its sections, in section order.
  const tableRows = (block: string) => block.split('\n').filter((l) => /^\| (?!Figure |---)/.test(l));
  const resultsAt = find(out, /^## Results/);
  const freshResults = fresh[find(fresh, /^## Results/)];
  if (resultsAt < 0) throw new Error('the report to update has no "## Results" section: run the whole benchmark');
  const kept = tableRows(out[resultsAt]).filter((l) => !measured.has(rowSection(l)));
  const rows = [...kept, ...tableRows(freshResults)]
    .map((line, i) => ({ line, i, s: rowSection(line) }))
    .sort((a, b) => a.s - b.s || a.i - b.i)
    .map((x) => x.line);
  const met = rows.filter((l) => /\| met \|$/.test(l)).length;
  const lines = out[resultsAt].split('\n');
  const first = lines.findIndex((l) => l.startsWith('| ') && !l.startsWith('| Figure') && !l.startsWith('| ---'));
  const after = lines.findIndex((l, i) => i > first && !l.startsWith('| '));
  out[resultsAt] = [
    `## Results: ${met} of ${rows.length} targets met`,
    ...lines.slice(1, first),
    ...rows,
    ...lines.slice(after < 0 ? lines.length : after),
  ].join('\n');

  // Machine: one row per set of sections measured later than the rest.
  const machineAt = find(out, /^## Machine/);
  if (machineAt >= 0) {
    const label = `Updated (${r.sections.join(', ')})`;
    const row = `| ${label} | ${r.date.slice(0, 16).replace('T', ' ')} UTC, load at start ${r.machine.loadAtStart}, ${r.durationSeconds ?? '?'} s |`;
    const mLines = out[machineAt].split('\n').filter((l) => !l.startsWith(`| ${label} |`));
    const last = mLines.reduce((at, l, i) => (l.startsWith('| ') ? i : at), -1);
    mLines.splice(last + 1, 0, row);
    out[machineAt] = mLines.join('\n');
  }

  // The measured sections: replaced where they were, else put before the first later section (or the changes).
  for (const index of [...measured].sort((a, b) => a - b)) {
    if (index < 0) continue;
    const { heading } = SECTION_LAYOUT[index];
    const block = fresh[find(fresh, heading)];
    if (!block) continue;
    const at = find(out, heading);
    if (at >= 0) {
      out[at] = block;
      continue;
    }
    const later = out.findIndex(
      (b) => SECTION_LAYOUT.slice(index + 1).some((l) => l.heading.test(b)) || /^## What was changed/.test(b),
    );
    out.splice(later < 0 ? out.length : later, 0, block);
  }
  return `${out
    .join('')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`;
}
