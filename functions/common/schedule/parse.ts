/**
 * The entry point of validation: an expression's form (rate, cron, at) and, with a time zone, whether it can run
 * there. Every refusal is a ScheduleError whose message names the part at fault and how to fix it.
 */
import { checkAtExists, parseAt } from './at';
import { parseCron } from './cron';
import { ScheduleError } from './errors';
import { parseRate } from './rate';
import type { Schedule, ScheduleOptions } from './types';
import { validateTimezone } from './zones';

const FORMS =
  '"rate(value unit)", "cron(minutes hours day-of-month month day-of-week year)" or "at(yyyy-mm-ddThh:mm:ss)"';

/** Throws a ScheduleError naming what is wrong with `expression` (and `timezone`, when given) and how to fix it. */
export function validateSchedule(expression: string, timezone?: string, options: ScheduleOptions = {}): void {
  checkedSchedule(expression, timezone, options);
}

/**
 * Parses and validates `expression`; with a `timezone`, also the zone and (for at()) that the time exists there.
 * An empty time zone is refused: EventBridge Scheduler's ScheduleExpressionTimezone is 1-50 characters, so the
 * way to say UTC is to leave it out (or write "UTC"); the macro and the CLI apply this one rule.
 */
export function checkedSchedule(expression: string, timezone?: string, options: ScheduleOptions = {}): Schedule {
  const schedule = parseSchedule(expression, options);
  if (timezone === undefined) return schedule;
  validateTimezone(timezone);
  if (schedule.type === 'at') checkAtExists(expression, schedule.at, timezone);
  return schedule;
}

/** Parses an expression; throws a ScheduleError saying what is wrong. */
export function parseSchedule(expression: string, options: ScheduleOptions = {}): Schedule {
  if (typeof expression !== 'string') {
    throw new ScheduleError(`schedule expression ${JSON.stringify(expression)} is not a string: write ${FORMS}`);
  }
  if (expression.trim() === '') {
    throw new ScheduleError(`schedule expression is empty: write ${FORMS}, e.g. "rate(5 minutes)"`);
  }
  const fail = (problem: string): never => {
    throw new ScheduleError(`schedule expression "${expression}": ${problem}`);
  };
  if (expression.trim() !== expression) fail('remove the spaces before or after the expression');
  const m = /^([A-Za-z]+)\s*\((.*)\)$/s.exec(expression);
  if (!m) {
    if (/^(rate|cron|at)\s*\(/i.test(expression)) fail('it must end with ")"');
    fail(`write ${FORMS}`);
  }
  const [, kind, inner] = m!;
  const lower = kind.toLowerCase();
  if (lower !== kind && ['rate', 'cron', 'at'].includes(lower)) fail(`write "${lower}(" in lower case`);
  if (/\s/.test(expression.slice(kind.length, expression.indexOf('(') + 1))) {
    fail(`remove the space between "${kind}" and "("`);
  }
  switch (kind) {
    case 'rate':
      return parseRate(inner, fail, options.dialect);
    case 'cron':
      return { type: 'cron', spec: parseCron(inner, fail) };
    case 'at':
      return { type: 'at', at: parseAt(inner, fail) };
    default:
      return fail(`"${kind}(...)" is not a schedule type; write ${FORMS}`);
  }
}
