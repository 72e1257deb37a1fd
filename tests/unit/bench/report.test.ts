/** docs/benchmarks.md updated one section at a time: the measured sections replaced, everything else kept. */
import { type Report, updateMarkdown } from '../../../bench/lib/report';
import type { RunsResult } from '../../../bench/runs';

const EXISTING = `# Benchmarks

Intro.

## Reproduce

\`\`\`bash
npm run bench
\`\`\`

## Results: 1 of 2 targets met

| Figure | Measured | Baseline | Ratio | Target | Result |
| --- | ---: | --- | ---: | --- | --- |
| Cold start, email (996 KiB vs 342 KiB) | 62.4 ms | 32.8 ms SES v2 client alone | 1.86× | ≤ 1.3× | **missed** |
| Macro, scheduled-job template, 2-entry map | first 6.10 ms | — | — | < 50 ms, first and warm (medians) | met |

Missed targets are explained, with the numbers that bound them, in their sections below.

## Machine

|  |  |
| --- | --- |
| CPU | AMD EPYC, 2 cores |
| Run | 2026-12-02 12:00 UTC, 242 s |

## 1. Cold start

The cold text, kept.

### A subsection of the cold start, kept

## 4. Macro

The macro text, kept.

## What was changed to get there

- A change.
`;

const s = (median: number) => ({ n: 5, median, min: median * 0.9, max: median * 1.2 });
const runs = (ratio: number): RunsResult => ({
  recorder: { handler: s(7), bare: s(6.5), ratio, records: 300 },
  watchdog: [10, 100, 1000].map((jobs) => ({
    jobs,
    tick: s(jobs * 20),
    bare: s(jobs * 19),
    ratio: 1.05,
    perJobMs: 20,
    bareperJobMs: 19,
  })),
  motoGrowth: { tick: 5, bare: 5 },
  watchdogMemory: [10, 10000].map((jobs) => ({ jobs, tick: s(jobs * 0.05), perJobMs: 0.05 })),
  watchdogGrowth: 1,
  simulator: [
    { months: 1, runs: 8928, ticks: 8928, seconds: 1.5, perRunMicros: 170 },
    { months: 12, runs: 105120, ticks: 105120, seconds: 18, perRunMicros: 171 },
  ],
  simulatorGrowth: 1.01,
});

const report = (ratio: number, date: string): Report => ({
  machine: {
    cpu: 'AMD EPYC',
    cores: 2,
    memoryGiB: 24,
    node: 'v20',
    os: 'linux',
    loadAtStart: '1.00 2.00 3.00',
    tools: {},
  },
  settings: {
    quick: false,
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
    burstMessages: 1000,
    schedulePairs: 11,
    runsRecorderIterations: 300,
    runsWatchdogSizes: [10, 100, 1000],
    runsWatchdogMemorySizes: [10, 10000],
    runsSimulatorMonths: [1, 12],
    jobsApplySizes: [1000, 10000],
    jobsReconcilerRounds: 10,
    jobsDispatcherIterations: 200,
    dashboardSizes: [10, 100, 1000],
    dashboardIterations: 5,
  },
  date,
  sections: ['runs'],
  durationSeconds: 600,
  runs: runs(ratio),
});

test('a runs-only run writes its section and rows; every other section, row and the machine stay as they were', () => {
  const out = updateMarkdown(EXISTING, report(1.05, '2026-12-03T10:00:00.000Z'));
  const headings = out.split('\n').filter((l) => l.startsWith('## '));
  expect(headings).toEqual([
    '## Reproduce',
    '## Results: 7 of 8 targets met',
    '## Machine',
    '## 1. Cold start',
    '## 4. Macro',
    '## 6. Runs app',
    '## What was changed to get there',
  ]);
  for (const kept of [
    'The cold text, kept.',
    '### A subsection of the cold start, kept',
    'The macro text, kept.',
    '- A change.',
  ]) {
    expect(out).toContain(kept);
  }
  const results = out.slice(out.indexOf('## Results'), out.indexOf('## Machine'));
  const rows = results.split('\n').filter((l) => /^\| (?!Figure|---)/.test(l));
  expect(rows.map((r) => r.slice(2, 20))).toEqual([
    'Cold start, email ',
    'Macro, scheduled-j',
    'Runs recorder, war',
    'Runs watchdog, one',
    'Runs watchdog, one',
    'Runs watchdog, one',
    'Runs watchdog, cos',
    'Simulator, 105120 ',
  ]);
  expect(out).toContain(
    '| Run | 2026-12-02 12:00 UTC, 242 s |\n| Updated (runs) | 2026-12-03 10:00 UTC, load at start 1.00 2.00 3.00, 600 s |',
  );
  expect(out).not.toMatch(/\n\n\n/);
});

test('updating again replaces the section, its rows and its machine row, never adding a second one', () => {
  const once = updateMarkdown(EXISTING, report(1.05, '2026-12-03T10:00:00.000Z'));
  const twice = updateMarkdown(once, report(1.5, '2026-12-04T10:00:00.000Z'));
  expect(twice.match(/^## 6\. Runs app/gm)).toHaveLength(1);
  expect(twice.match(/^\| Runs recorder/gm)).toHaveLength(1);
  expect(twice).toMatch(/^\| Runs recorder, warm per destination record .* 1\.50× \| ≤ 1\.2× \| \*\*missed\*\* \|$/m);
  expect(twice).toContain('## Results: 6 of 8 targets met');
  expect(twice.match(/^\| Updated \(runs\) \|/gm)).toHaveLength(1);
  expect(twice).toContain('2026-12-04 10:00 UTC');
  // Whatever was outside the runs section is byte for byte what the first update left.
  const outside = (t: string) =>
    t
      .replace(/## 6\. Runs app[\s\S]*?(?=## What was changed)/, '')
      .replace(/^\| (Runs|Simulator|Updated).*\n/gm, '')
      .replace(/^## Results.*$/m, '');
  expect(outside(twice)).toBe(outside(once));
});

test('a report without a results table cannot be updated: the whole benchmark must run first', () => {
  expect(() => updateMarkdown('# Benchmarks\n', report(1, '2026-12-03T10:00:00.000Z'))).toThrow(
    /run the whole benchmark/,
  );
});
