/**
 * Schedules in words, for people: "every weekday at 08:00", "every SUN-THU at 08:00", "on the last FRI of the month
 * at 10:15 in 2026-2030". Plus the notes the CLI prints beside the next runs, where AWS's cron reads otherwise than
 * one might expect (day-of-week numbers count from Sunday; a range past midnight is matched on each run's own day).
 */
import { DAY_NAMES, MONTH_NAMES, pad2, weekday } from './calendar';
import { FIELDS } from './cron';
import { parseSchedule } from './parse';
import type { CronSpec, Schedule } from './types';

const ORDINALS = ['first', 'second', 'third', 'fourth', 'fifth'] as const;

/** A short English description of the schedule (no time zone: the caller shows it). */
export function describeSchedule(schedule: string | Schedule): string {
  const s = typeof schedule === 'string' ? parseSchedule(schedule) : schedule;
  switch (s.type) {
    case 'rate':
      return `${s.value === 1 ? `every ${s.unit}` : `every ${s.value} ${s.unit}s`}, counted from its start`;
    case 'at': {
      const { year, month, day, hour, minute, second } = s.at;
      const date = `${year}-${pad2(month)}-${pad2(day)}`;
      const time = `${pad2(hour)}:${pad2(minute)}${second ? `:${pad2(second)}` : ''}`;
      return `once, on ${titleCase(DAY_NAMES[weekday(year, month, day) - 1])} ${date} at ${time}`;
    }
    case 'cron':
      return describeCron(s.spec);
  }
}

/**
 * Notes on how AWS reads this expression where a reader may go wrong; empty when there is nothing to say.
 * Throws a ScheduleError as parseSchedule does.
 */
export function scheduleNotes(expression: string): string[] {
  const s = parseSchedule(expression);
  if (s.type !== 'cron') return [];
  const notes: string[] = [];
  const [, hourF, domF, , dowF] = s.spec.fields;
  if (s.spec.dayOfWeek.kind !== 'any' && /\d/.test(dowF.replace(/#\d+/g, ''))) {
    const named = dowF.toUpperCase().replace(/(?<![#\d])([1-7])(?!\d)/g, (_, n: string) => DAY_NAMES[Number(n) - 1]);
    notes.push(
      `day-of-week "${dowF}" is in numbers, which AWS counts from Sunday (1 = SUN, 2 = MON ... 7 = SAT): ` +
        `"${dowF}" is ${named}; write the days by name to say it plainly`,
    );
  }
  const everyDay = isEveryDay(s.spec);
  if (s.spec.wrapped.includes('hours') && !everyDay) {
    const days = s.spec.dayOfMonth.kind === 'any' ? `day-of-week "${dowF}"` : `day-of-month "${domF}"`;
    notes.push(
      `hours "${hourF}" run past midnight, and AWS matches each run field by field on the day it falls on: ` +
        `a run after midnight happens only if that day matches ${days} too, not because the day before did`,
    );
  }
  return notes;
}

function describeCron(spec: CronSpec): string {
  const time = describeTime(spec.minutes, spec.hours);
  let day = describeDays(spec);
  if (spec.months.length < 12) {
    const months = listOf(spec.months, FIELDS.month.min, FIELDS.month.max, (m) => MONTH_NAMES[m - 1], true);
    day = day.includes('of the month') ? day.replace('of the month', `of ${months}`) : `${day} in ${months}`;
  }
  const years =
    spec.years.length === FIELDS.year.max - FIELDS.year.min + 1
      ? ''
      : ` in ${listOf(spec.years, FIELDS.year.min, FIELDS.year.max, String, false)}`;
  if (day === 'every day' && !time.startsWith('at ')) return `${time}${years}`;
  return `${day}${time.startsWith('at ') ? ' ' : ', '}${time}${years}`;
}

function isEveryDay(spec: CronSpec): boolean {
  const { dayOfMonth: dom, dayOfWeek: dow } = spec;
  return (
    (dom.kind === 'days' && dom.days.length === 31) ||
    (dom.kind === 'any' && dow.kind === 'days' && dow.days.length === 7)
  );
}

function describeDays(spec: CronSpec): string {
  if (isEveryDay(spec)) return 'every day';
  const dom = spec.dayOfMonth;
  const dow = spec.dayOfWeek;
  const dayName = (d: number) => DAY_NAMES[d - 1];
  switch (dom.kind) {
    case 'days':
      return `on day${dom.days.length > 1 ? 's' : ''} ${listOf(dom.days, 1, 31, String, true)} of the month`;
    case 'last':
      return 'on the last day of the month';
    case 'lastWeekday':
      return 'on the last weekday of the month';
    case 'nearestWeekday':
      return `on the weekday nearest day ${dom.day} of the month`;
    case 'any':
      break;
  }
  switch (dow.kind) {
    case 'days':
      if (dow.days.join() === '2,3,4,5,6') return 'every weekday';
      return `every ${listOf(dow.days, 1, 7, dayName, true)}`;
    case 'lastOfMonth':
      return `on the last ${dayName(dow.day)} of the month`;
    case 'nth':
      return `on the ${ORDINALS[dow.nth - 1]} ${dayName(dow.day)} of the month`;
    case 'any':
      return 'every day';
  }
}

function describeTime(minutes: number[], hours: number[]): string {
  const hm = (h: number, m: number) => `${pad2(h)}:${pad2(m)}`;
  if (minutes.length === 60 && hours.length === 24) return 'every minute';
  if (minutes.length * hours.length <= 4) {
    const times = hours.flatMap((h) => minutes.map((m) => hm(h, m)));
    return `at ${joinAnd(times)}`;
  }
  const step = minuteStep(minutes);
  const allHours = hours.length === 24;
  // Runs of consecutive hours (20-2 is one) read best as windows from their first run to their last; single hours
  // as a list.
  const hourRuns = runs(hours, 0, 23, true);
  const windows = hourRuns.every(([a, b]) => a !== b)
    ? ` ${joinAnd(hourRuns.map(([a, b]) => `from ${hm(a, minutes[0])} to ${hm(b, minutes[minutes.length - 1])}`))}`
    : undefined;
  const hourList = listOf(hours, 0, 23, String, true);
  const which = minutes.length === 1 ? `at minute ${minutes[0]}` : `at minutes ${joinAnd(minutes.map(String))}`;
  if (allHours) {
    if (minutes.length === 1) return `every hour at :${pad2(minutes[0])}`;
    if (step !== undefined)
      return `every ${step} minutes${minutes[0] ? ` from minute ${minutes[0]} of each hour` : ''}`;
    return `${which} of every hour`;
  }
  if (windows === undefined) return `${which} of hours ${hourList}`;
  if (minutes.length === 60) return `every minute${windows}`;
  if (minutes.length === 1) return `every hour${windows}`;
  if (step !== undefined) return `every ${step} minutes${windows}`;
  return `${which} of hours ${hourList}`;
}

/** s when the minutes are m0, m0+s, m0+2s ... up to the hour's end, with m0 < s (what "m0/s" writes). */
function minuteStep(minutes: number[]): number | undefined {
  if (minutes.length < 2) return undefined;
  const s = minutes[1] - minutes[0];
  if (minutes[0] >= s) return undefined;
  for (let i = 1; i < minutes.length; i++) if (minutes[i] - minutes[i - 1] !== s) return undefined;
  return minutes[minutes.length - 1] + s > 59 ? s : undefined;
}

/** Consecutive runs of sorted values; with `cyclic`, a run ending at max joins one starting at min (20-23 + 0-2). */
function runs(values: number[], min: number, max: number, cyclic: boolean): [number, number][] {
  const out: [number, number][] = [];
  for (const v of values) {
    const last = out[out.length - 1];
    if (last && v === last[1] + 1) last[1] = v;
    else out.push([v, v]);
  }
  if (cyclic && out.length > 1 && out[0][0] === min && out[out.length - 1][1] === max) {
    const tail = out.pop()!;
    out[0] = [tail[0], out[0][1]];
  }
  return out;
}

function listOf(values: number[], min: number, max: number, label: (v: number) => string, cyclic: boolean): string {
  return joinAnd(runs(values, min, max, cyclic).map(([a, b]) => (a === b ? label(a) : `${label(a)}-${label(b)}`)));
}

function joinAnd(parts: string[]): string {
  return parts.length <= 1 ? (parts[0] ?? '') : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

function titleCase(name: string): string {
  return name[0] + name.slice(1).toLowerCase();
}
