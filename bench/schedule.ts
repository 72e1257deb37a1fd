/**
 * The schedule module's fire times (functions/common/schedule, firesBetween) over windows of a day, a week, a month
 * and a year, for what a runs watchdog or simulator asks: every expected fire of a schedule in a window.
 *
 * - Baseline: a bare loop making the same number of Date objects, the floor of any iterator that yields Dates.
 * - Growth: the cost per fire over a year against over a day. Linear work keeps it near 1 (below, as the fixed
 *   cost of checking the expression and the zone is spread over more fires); anything quadratic would show as
 *   hundreds.
 *
 * Runs in this process (no I/O), in pairs rotated so that each side goes first equally often, after one discarded
 * round of each.
 */
import { firesBetween } from '../functions/common/schedule';
import { pairedRatio, rotation, type Summary, summarize } from './lib/stats';

export type ScheduleCase = {
  expression: string;
  timezone: string;
  days: number;
  fires: number;
  measured: Summary;
  baseline: Summary;
  ratio: number;
  /** Microseconds per fire, median. */
  perFireUs: number;
};

export type ScheduleGrowth = { expression: string; timezone: string; yearOverDay: number };

export type ScheduleResult = { cases: ScheduleCase[]; growth: ScheduleGrowth[] };

const FROM = Date.UTC(2026, 0, 1);
const WINDOWS = [1, 7, 30, 365];
const SCHEDULES: [string, string][] = [
  ['rate(5 minutes)', 'UTC'],
  ['cron(*/5 * * * ? *)', 'Europe/Paris'],
  ['cron(0/30 20-2 ? * MON-FRI *)', 'Europe/Paris'],
];

function countFires(expression: string, timezone: string, days: number): number {
  const from = new Date(FROM);
  let n = 0;
  for (const _ of firesBetween(expression, { timezone, anchor: from }, from, new Date(FROM + days * 86_400_000))) n++;
  return n;
}

function bareDates(count: number): number {
  let last = 0;
  for (let i = 0; i < count; i++) last = new Date(FROM + i * 300_000).getTime();
  return last;
}

function time(fn: () => unknown): number {
  const started = performance.now();
  fn();
  return performance.now() - started;
}

export function scheduleCases(pairs: number): ScheduleResult {
  const cases: ScheduleCase[] = [];
  for (const [expression, timezone] of SCHEDULES) {
    for (const days of WINDOWS) {
      const fires = countFires(expression, timezone, days);
      bareDates(fires);
      const measured: number[] = [];
      const baseline: number[] = [];
      for (let i = 0; i < pairs; i++) {
        for (const side of rotation(['measured', 'baseline'] as const, i)) {
          if (side === 'measured') measured.push(time(() => countFires(expression, timezone, days)));
          else baseline.push(time(() => bareDates(fires)));
        }
      }
      const m = summarize(measured);
      cases.push({
        expression,
        timezone,
        days,
        fires,
        measured: m,
        baseline: summarize(baseline),
        ratio: pairedRatio(
          measured,
          baseline.map((b) => Math.max(b, 0.001)),
        ),
        perFireUs: (m.median * 1000) / fires,
      });
    }
  }
  const growth = SCHEDULES.map(([expression, timezone]) => {
    const of = (days: number) => cases.find((c) => c.expression === expression && c.days === days)!.perFireUs;
    return { expression, timezone, yearOverDay: of(365) / of(1) };
  });
  return { cases, growth };
}

if (require.main === module) {
  const result = scheduleCases(Number(process.argv[2] ?? 7));
  for (const c of result.cases) {
    console.log(
      `${c.expression} ${c.timezone} ${c.days} d: ${c.fires} fires, ${c.measured.median.toFixed(2)} ms (bare ${c.baseline.median.toFixed(2)} ms, ${c.ratio.toFixed(1)}x), ${c.perFireUs.toFixed(2)} us/fire`,
    );
  }
  for (const g of result.growth) console.log(`${g.expression}: per fire, a year / a day = ${g.yearOverDay.toFixed(2)}`);
}
