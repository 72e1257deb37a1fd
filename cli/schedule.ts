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
import { defineCommand, type Io, runCommand, UsageError } from './args';

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

export const command = defineCommand({
  name: 'cloud-cron schedule',
  summary:
    "Says whether EventBridge Scheduler would accept the expression (the CloudCron macro's verdict, exit 1 when not)\nand prints it in words and its next run times in the zone, with the weekday and the UTC instant.",
  positionals: [
    {
      name: '"<expression>"',
      description: 'rate(...), cron(...) or at(...), in quotes',
      missing: 'give the schedule expression',
    },
  ],
  tooMany: (n) => `give the expression as one argument, in quotes (got ${n} arguments)`,
  flags: {
    tz: { value: 'ZONE', description: 'IANA time zone the expression is evaluated in', default: 'UTC' },
    count: { value: 'N', description: 'how many run times to print, 1-1000', default: '5' },
    from: {
      value: 'ISO-INSTANT',
      description: 'list runs after this instant instead of now, e.g. 2025-01-01T00:00:00Z',
    },
  },
  examples: [
    'cloud-cron schedule "cron(0 9 ? * MON-FRI *)" --tz Europe/Paris',
    'cloud-cron schedule "rate(15 minutes)" --count 3',
  ],
});

type Options = { expression: string; timezone: string; count: number; from: Date };

function options(flags: { tz: string; count: string; from: string | undefined }, expression: string): Options {
  const countText = flags.count;
  if (!/^\d+$/.test(countText) || Number(countText) < 1 || Number(countText) > 1000) {
    throw new UsageError(`--count "${countText}" must be a whole number from 1 to 1000`);
  }
  const from = flags.from === undefined ? new Date() : new Date(flags.from);
  if (Number.isNaN(from.getTime())) throw new UsageError(`--from "${flags.from}" is not a date-time`);
  return { expression, timezone: flags.tz, count: Number(countText), from };
}

export function run(argv: string[], io?: Io): Promise<number> {
  return runCommand(command, argv, ({ flags, positionals }, io) => report(options(flags, positionals[0]), io), io);
}

async function report(options: Options, { out, err }: Io): Promise<number> {
  const { expression, timezone, count, from } = options;
  let runs: Date[];
  try {
    validateSchedule(expression, timezone);
    runs = nextRuns(expression, timezone, count, from);
  } catch (e) {
    if (!(e instanceof ScheduleError)) throw e;
    err(e.message);
    return 1;
  }
  out(`valid: ${expression} (time zone ${timezone})`);
  out(`in words: ${describeSchedule(expression)}`);
  for (const note of [dayOfWeekNote(expression), pastMidnightNote(expression), rateUnitNote(expression)]) {
    if (note) out(note);
  }
  if (expression.startsWith('rate(')) {
    out(`a rate schedule starts at its StartDate, or when it is created; shown as if it started ${from.toISOString()}`);
  }
  if (runs.length === 0) {
    out(`no run after ${formatRun(from, timezone)}`);
    return 0;
  }
  const heading = expression.startsWith('at(')
    ? 'runs once:'
    : runs.length < count
      ? `only ${runs.length} run(s) left:`
      : `next ${runs.length} run(s):`;
  out(heading);
  for (const t of runs) out(`  ${formatRun(t, timezone)}  (${t.toISOString().replace('.000Z', 'Z')})`);
  return 0;
}
