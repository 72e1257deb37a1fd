/**
 * `cloud-cron schedule "<expression>" [--tz Zone] [--count N] [--from ISO-instant]`
 *
 * Says whether EventBridge Scheduler would accept the expression (with the same message the CloudCron macro gives
 * when not: exit 1) and prints it in words and its next N run times in the zone, with the weekday and the UTC
 * instant (exit 0). A valid schedule with no run left (an at() in the past) says "no run after <now>" (exit 0).
 * Usage errors exit 2.
 */
import {
  describeSchedule,
  formatRun,
  nextRuns,
  rateAgrees,
  ScheduleError,
  validateSchedule,
} from '../functions/common/schedule';

const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/**
 * A note when a cron's day-of-week uses numbers: AWS counts 1 = SUN ... 7 = SAT, so `1-5` is Sunday to Thursday,
 * which is rarely what its author meant.
 */
export function dayOfWeekNote(expression: string): string | undefined {
  const m = /^cron\((.*)\)$/s.exec(expression.trim());
  const dow = m?.[1].trim().split(/\s+/)[4];
  if (!dow || !/\d/.test(dow)) return undefined;
  const named = dow.replace(
    /(^|[^#\d])([1-7])(?!\d)/g,
    (_all, before: string, d: string) => before + DAY_NAMES[Number(d) - 1],
  );
  return `note: day-of-week "${dow}" uses numbers, which AWS counts from 1 = SUN to 7 = SAT: it means "${named}" (MON-FRI is Monday to Friday)`;
}

/**
 * A note when a cron's hours wrap past midnight (`20-2`) while its days are chosen: AWS matches each run field by
 * field on the day it falls on, so with MON-FRI, Saturday 01:00 does not run although it follows Friday 23:30.
 */
/** A note when a rate's unit does not agree with its value: Scheduler accepts it, EventBridge rules refuse it. */
export function rateUnitNote(expression: string): string | undefined {
  if (rateAgrees(expression)) return undefined;
  return 'note: EventBridge Scheduler accepts this unit, but EventBridge rules (AWS::Events::Rule, SAM Schedule events) refuse it: they need the singular for 1 and the plural otherwise';
}

export function pastMidnightNote(expression: string): string | undefined {
  const fields = /^cron\((.*)\)$/s.exec(expression.trim())?.[1].trim().split(/\s+/);
  if (fields?.length !== 6) return undefined;
  const [, hours, dom, , dow] = fields;
  const wraps = hours.split(',').some((item) => {
    const r = /^(\d+)-(\d+)/.exec(item);
    return r !== null && Number(r[1]) > Number(r[2]);
  });
  const days =
    dom === '?'
      ? dow === '*'
        ? undefined
        : `day-of-week "${dow}"`
      : dom === '*'
        ? undefined
        : `day-of-month "${dom}"`;
  if (!wraps || !days) return undefined;
  return `note: hours "${hours}" run past midnight, and AWS matches each run field by field on the day it falls on: a run after midnight happens only if that day matches ${days} too, not because the day before did`;
}

const USAGE = `usage: cloud-cron schedule "<expression>" [--tz Zone] [--count N] [--from ISO-instant]
  --tz     IANA time zone the expression is evaluated in (default UTC)
  --count  how many run times to print, 1-1000 (default 5)
  --from   list runs after this instant instead of now, e.g. 2025-01-01T00:00:00Z
examples:
  cloud-cron schedule "cron(0 9 ? * MON-FRI *)" --tz Europe/Paris
  cloud-cron schedule "rate(15 minutes)" --count 3`;

type Options = { expression: string; timezone: string; count: number; from: Date };

class UsageError extends Error {}

function parseArgs(argv: string[]): Options {
  const positional: string[] = [];
  const values: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const m = /^--(tz|count|from)(?:=(.*))?$/s.exec(arg);
    if (m) {
      const value = m[2] ?? argv[++i];
      if (value === undefined) throw new UsageError(`--${m[1]} needs a value`);
      values[m[1]] = value;
    } else if (arg === '--help' || arg === '-h') {
      throw new UsageError('');
    } else if (arg.startsWith('--')) {
      throw new UsageError(`unknown option ${arg}`);
    } else {
      positional.push(arg);
    }
  }
  if (positional.length !== 1) {
    throw new UsageError(
      positional.length === 0
        ? 'give the schedule expression'
        : `give the expression as one argument, in quotes (got ${positional.length} arguments)`,
    );
  }
  const countText = values.count ?? '5';
  if (!/^\d+$/.test(countText) || Number(countText) < 1 || Number(countText) > 1000) {
    throw new UsageError(`--count "${countText}" must be a whole number from 1 to 1000`);
  }
  const from = values.from === undefined ? new Date() : new Date(values.from);
  if (Number.isNaN(from.getTime())) throw new UsageError(`--from "${values.from}" is not a date-time`);
  return { expression: positional[0], timezone: values.tz ?? 'UTC', count: Number(countText), from };
}

export async function run(argv: string[]): Promise<number> {
  let options: Options;
  try {
    options = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    if (e.message) console.error(`cloud-cron schedule: ${e.message}`);
    console.error(USAGE);
    return e.message ? 2 : 0;
  }
  const { expression, timezone, count, from } = options;
  let runs: Date[];
  try {
    validateSchedule(expression, timezone);
    runs = nextRuns(expression, timezone, count, from);
  } catch (e) {
    if (!(e instanceof ScheduleError)) throw e;
    console.error(e.message);
    return 1;
  }
  console.log(`valid: ${expression} (time zone ${timezone})`);
  console.log(`in words: ${describeSchedule(expression)}`);
  for (const note of [dayOfWeekNote(expression), pastMidnightNote(expression), rateUnitNote(expression)]) {
    if (note) console.log(note);
  }
  if (expression.startsWith('rate(')) {
    console.log(
      `a rate schedule starts at its StartDate, or when it is created; shown as if it started ${from.toISOString()}`,
    );
  }
  if (runs.length === 0) {
    console.log(`no run after ${formatRun(from, timezone)}`);
    return 0;
  }
  const heading = expression.startsWith('at(')
    ? 'runs once:'
    : runs.length < count
      ? `only ${runs.length} run(s) left:`
      : `next ${runs.length} run(s):`;
  console.log(heading);
  for (const t of runs) console.log(`  ${formatRun(t, timezone)}  (${t.toISOString().replace('.000Z', 'Z')})`);
  return 0;
}
