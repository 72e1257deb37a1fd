/**
 * Cold start: a fresh Node process requiring a bundle, as Lambda's init phase does, against a fresh Node process
 * requiring the baseline bundle (the same third-party client alone), in alternating pairs.
 *
 * The child measures with performance.now(), whose origin is the start of the process:
 * - `requireMs`: the time `require(bundle)` takes (parse, compile and run the bundle's module scope: client
 *   construction, configuration checks). This is the figure the ratio and the target use: it is what a bundle
 *   adds to Lambda's init, without Node's own start-up, which is the same for both sides and would only dilute
 *   the ratio.
 * - `loadedMs`: from the start of the process to the bundle loaded (Node start-up included), shown for context.
 */
import { spawnSync } from 'node:child_process';
import { type BaselineName, type Bundles, bytes, type FunctionName } from './lib/bundles';
import { baseEnv, templateEnv } from './lib/env';
import { pairedDifference, pairedRatio, rotation, type Summary, summarize } from './lib/stats';

const CHILD = `
const t0 = performance.now();
require(process.argv[1]);
const t1 = performance.now();
process.stdout.write('\\n@@COLD@@' + JSON.stringify({ requireMs: t1 - t0, loadedMs: t1 }));
`;

type Sample = { requireMs: number; loadedMs: number };

function coldRun(file: string, env: Record<string, string>): Sample {
  const res = spawnSync(process.execPath, ['-e', CHILD, file], { env, encoding: 'utf8', timeout: 60000 });
  const at = res.stdout?.lastIndexOf('\n@@COLD@@') ?? -1;
  if (res.status !== 0 || at < 0) {
    throw new Error(`requiring ${file} failed (exit ${res.status}): ${res.stderr || res.error?.message}`);
  }
  return JSON.parse(res.stdout.slice(at + '\n@@COLD@@'.length)) as Sample;
}

export type ColdResult = {
  name: FunctionName;
  baseline: BaselineName;
  bytes: number;
  baselineBytes: number;
  require: Summary;
  baselineRequire: Summary;
  loaded: Summary;
  baselineLoaded: Summary;
  /** Median of the per-pair ratios of requireMs. */
  ratio: number;
  /** Median of the per-pair ratios of loadedMs. */
  loadedRatio: number;
};

/** One side of a series: a label and the bundle file. */
export type ColdSide = { label: string; file: string };

export type SeriesResult = {
  sides: { label: string; bytes: number; require: Summary; loaded: Summary }[];
  /** Per side, the median of its per-round ratios to the first side (require, then loaded). */
  ratios: { require: number; loaded: number }[];
  /** Per side, the median of its per-round require differences to the side before it (0 for the first). */
  added: number[];
};

/**
 * `rounds` rounds of fresh processes, one per side, each requiring that side's bundle, in an order rotated every
 * round (AB, BA, ... for two sides), all with the same environment.
 */
export function coldSeries(sides: ColdSide[], env: Record<string, string>, rounds: number): SeriesResult {
  // One discarded run of each side: the files enter the page cache and Node's binary is warm.
  for (const side of sides) coldRun(side.file, env);
  const samples: Sample[][] = sides.map(() => []);
  const indexes = sides.map((_, k) => k);
  for (let i = 0; i < rounds; i++) {
    for (const k of rotation(indexes, i)) samples[k].push(coldRun(sides[k].file, env));
  }
  const pick = (s: Sample[], key: keyof Sample) => s.map((x) => x[key]);
  return {
    sides: sides.map((side, k) => ({
      label: side.label,
      bytes: bytes(side.file),
      require: summarize(pick(samples[k], 'requireMs')),
      loaded: summarize(pick(samples[k], 'loadedMs')),
    })),
    ratios: samples.map((s) => ({
      require: pairedRatio(pick(s, 'requireMs'), pick(samples[0], 'requireMs')),
      loaded: pairedRatio(pick(s, 'loadedMs'), pick(samples[0], 'loadedMs')),
    })),
    added: samples.map((s, k) =>
      k === 0 ? 0 : pairedDifference(pick(s, 'requireMs'), pick(samples[k - 1], 'requireMs')),
    ),
  };
}

/**
 * `pairs` pairs of fresh processes, one requiring the function's bundle, one the baseline bundle, in alternating
 * order, both with the function's environment (as its template sets it).
 */
export function coldStart(
  bundles: Bundles,
  name: FunctionName,
  pairs: number,
  options: { baseline?: BaselineName; files?: { fn: string; base: string } } = {},
): ColdResult {
  const baseline = options.baseline ?? name;
  const files = options.files ?? { fn: bundles.functions[name], base: bundles.baselines[baseline] };
  const series = coldSeries(
    [
      { label: 'baseline', file: files.base },
      { label: name, file: files.fn },
    ],
    baseEnv(templateEnv(bundles, name)),
    pairs,
  );
  const [base, fn] = series.sides;
  return {
    name,
    baseline,
    bytes: fn.bytes,
    baselineBytes: base.bytes,
    require: fn.require,
    baselineRequire: base.require,
    loaded: fn.loaded,
    baselineLoaded: base.loaded,
    ratio: series.ratios[1].require,
    loadedRatio: series.ratios[1].loaded,
  };
}
