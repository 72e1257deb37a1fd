/**
 * A schedule in words, for people scanning a list of jobs: "at 08:00 on weekdays", "every 30 minutes from 20:00 to
 * 02:30 on weekdays", "every 5 minutes", "once, on Thu 2030-01-31 at 09:00". The words never replace the expression:
 * they sit beside it.
 */
import { MONTH_LONG, pad2 } from './calendar';
import { FIELDS } from './cron';
import { checkedSchedule } from './parse';
import type { CronSpec, DayOfMonthRule, DayOfWeekRule, Schedule } from './types';

const DAY_LONG = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const ORDINAL = ['first', 'second', 'third', 'fourth', 'fifth'];

function list(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** The step when `values` are evenly spaced from the field's minimum through its cycle (0,15,30,45 -> 15). */
function evenStep(values: number[], size: number, min: number): number | undefined {
  if (values.length < 2 || values[0] !== min) return undefined;
  const step = values[1] - values[0];
  if (size % step !== 0 || values.length !== size / step) return undefined;
  return values.every((v, i) => v === min + i * step) ? step : undefined;
}

/** The hours as one block on the clock (20,21,22,23,0,1,2 -> [20, 2]), or undefined when they are not one block. */
function hourBlock(hours: number[]): [number, number] | undefined {
  if (hours.length === 24) return undefined;
  const set = new Set(hours);
  const starts = hours.filter((h) => !set.has((h + 23) % 24));
  if (starts.length !== 1) return undefined;
  return [starts[0], (starts[0] + hours.length - 1) % 24];
}

function times(spec: CronSpec): string {
  const { minutes, hours } = spec;
  const minuteStep = evenStep(minutes, 60, 0);
  const every = minutes.length === 60 ? 'every minute' : minuteStep ? `every ${minuteStep} minutes` : undefined;
  if (hours.length === 24) {
    if (every) return every;
    return `at ${list(minutes.map((m) => `:${pad2(m)}`))} past every hour`;
  }
  if (minutes.length * hours.length <= 4) {
    const all: string[] = [];
    for (const h of hours) for (const m of minutes) all.push(`${pad2(h)}:${pad2(m)}`);
    return `at ${list(all)}`;
  }
  const block = hourBlock(hours);
  if (every && block) {
    const last = minutes[minutes.length - 1];
    return `${every} from ${pad2(block[0])}:${pad2(minutes[0])} to ${pad2(block[1])}:${pad2(last)}`;
  }
  const hourStep = evenStep(hours, 24, 0);
  const when = hourStep ? `every ${hourStep} hours` : `at hours ${hours.map(pad2).join(', ')}`;
  return minutes.length === 1
    ? `${when} at :${pad2(minutes[0])}`
    : `${when} at ${list(minutes.map((m) => `:${pad2(m)}`))}`;
}

function weekdays(days: number[]): string {
  const key = days.join(',');
  if (key === '2,3,4,5,6') return 'on weekdays';
  if (key === '1,7') return 'on weekends';
  if (days.length === 7) return 'every day';
  return `on ${list(days.map((d) => DAY_LONG[d - 1]))}`;
}

function dayOfMonth(rule: DayOfMonthRule): string {
  switch (rule.kind) {
    case 'any':
      return 'every day';
    case 'days':
      return rule.days.length === 31 ? 'every day' : `on day ${list(rule.days.map(String))} of the month`;
    case 'last':
      return 'on the last day of the month';
    case 'lastWeekday':
      return 'on the last weekday of the month';
    case 'nearestWeekday':
      return `on the weekday nearest day ${rule.day} of the month`;
  }
}

function dayOfWeek(rule: DayOfWeekRule): string {
  switch (rule.kind) {
    case 'any':
      return 'every day';
    case 'days':
      return weekdays(rule.days);
    case 'lastOfMonth':
      return `on the last ${DAY_LONG[rule.day - 1]} of the month`;
    case 'nth':
      return `on the ${ORDINAL[rule.nth - 1]} ${DAY_LONG[rule.day - 1]} of the month`;
  }
}

function years(values: number[]): string {
  if (values.length === FIELDS.year.max - FIELDS.year.min + 1) return '';
  if (values.length <= 3) return ` in ${list(values.map(String))}`;
  return ` in ${values[0]}-${values[values.length - 1]}`;
}

function describeCron(spec: CronSpec): string {
  const days = spec.dayOfMonth.kind === 'any' ? dayOfWeek(spec.dayOfWeek) : dayOfMonth(spec.dayOfMonth);
  const months = spec.months.length === 12 ? '' : ` in ${list(spec.months.map((m) => MONTH_LONG[m - 1]))}`;
  const when = times(spec);
  const dayPart = days === 'every day' && !months && when.startsWith('every') ? '' : ` ${days}`;
  return `${when}${dayPart}${months}${years(spec.years)}`;
}

/** The schedule in words (English), without its time zone. Throws a ScheduleError when the expression is invalid. */
export function describeSchedule(expression: string | Schedule): string {
  const s = typeof expression === 'string' ? checkedSchedule(expression) : expression;
  switch (s.type) {
    case 'rate':
      return s.value === 1 ? `every ${s.unit}` : `every ${s.value} ${s.unit}s`;
    case 'at': {
      const { year, month, day, hour, minute, second } = s.at;
      const time = `${pad2(hour)}:${pad2(minute)}${second ? `:${pad2(second)}` : ''}`;
      return `once, on ${year}-${pad2(month)}-${pad2(day)} at ${time}`;
    }
    case 'cron':
      return describeCron(s.spec);
  }
}
