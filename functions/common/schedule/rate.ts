/**
 * `rate(value unit)`: value a positive whole number; unit minute|minutes|hour|hours|day|days.
 *
 * Singular and plural: EventBridge rules (AWS::Events::Rule, SAM `Schedule` events) refuse a unit that does not agree
 * with the value ("rate(1 hours)", "rate(5 hour)": documented, and PutRule answers "Parameter ScheduleExpression is
 * not valid"). EventBridge Scheduler does not: AWS's own serverless patterns deploy Scheduler schedules with
 * "rate(5 minute)", and its documentation lists the plural units for every value. So agreement is enforced for the
 * `rule` dialect only; `rateAgrees` lets a tool point the difference out.
 *
 * A rate schedule fires at its start (StartDate, else the moment it is created) and every interval
 * after it; `day` is 24 hours, not a calendar day, so a daily rate does not follow daylight saving time.
 */
import { DAY, HOUR, MINUTE } from './calendar';
import type { Fail } from './errors';
import type { RateUnit, Schedule, ScheduleDialect } from './types';

const RATE_UNITS: Record<string, { unit: RateUnit; plural: boolean; ms: number }> = {
  minute: { unit: 'minute', plural: false, ms: MINUTE },
  minutes: { unit: 'minute', plural: true, ms: MINUTE },
  hour: { unit: 'hour', plural: false, ms: HOUR },
  hours: { unit: 'hour', plural: true, ms: HOUR },
  day: { unit: 'day', plural: false, ms: DAY },
  days: { unit: 'day', plural: true, ms: DAY },
};

export function parseRate(
  inner: string,
  fail: Fail,
  dialect: ScheduleDialect = 'scheduler',
): Extract<Schedule, { type: 'rate' }> {
  const parts = inner.trim().split(/\s+/).filter(Boolean);
  if (parts.length !== 2) fail('rate expressions are "rate(value unit)" with two parts, e.g. "rate(5 minutes)"');
  const [value, unitText] = parts;
  if (!/^\d+$/.test(value)) {
    fail(`rate value "${value}" must be a positive whole number (e.g. "rate(5 minutes)")`);
  }
  const n = Number(value);
  if (n === 0) fail('rate value 0 must be a positive whole number: the smallest rate is "rate(1 minute)"');
  if (!Number.isSafeInteger(n)) fail(`rate value ${value} is too large`);
  const unit = RATE_UNITS[unitText];
  if (!unit) {
    if (RATE_UNITS[unitText.toLowerCase()]) fail(`write the unit "${unitText.toLowerCase()}" in lower case`);
    if (/^(sec|second)s?$/i.test(unitText)) {
      fail(
        `the unit "${unitText}" is not supported: EventBridge runs at most once a minute; use minute(s), hour(s) or day(s)`,
      );
    }
    fail(`the unit "${unitText}" is not one of minute, minutes, hour, hours, day, days`);
  }
  if (dialect === 'rule') {
    const rules = 'EventBridge rules need it; EventBridge Scheduler accepts either';
    if (n === 1 && unit.plural) fail(`use the singular unit "${unit.unit}" when the value is 1 (${rules})`);
    if (n !== 1 && !unit.plural) fail(`use the plural unit "${unit.unit}s" when the value is not 1 (${rules})`);
  }
  return { type: 'rate', value: n, unit: unit.unit, intervalMs: n * unit.ms };
}

/** Whether a rate expression's unit agrees with its value (singular for 1, plural otherwise), as rules require. */
export function rateAgrees(expression: string): boolean {
  const m = /^rate\((\d+)\s+([a-z]+)\)$/.exec(expression.trim());
  if (!m) return true;
  return (Number(m[1]) === 1) === !m[2].endsWith('s');
}
