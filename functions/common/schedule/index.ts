/**
 * Schedule expressions of EventBridge Scheduler (and classic EventBridge rules): validation with messages that say
 * what to fix, and the next run times in an IANA time zone.
 *
 * Pure module (no AWS SDK, no I/O): the CloudCron macro validates every schedule of a template with it before
 * CloudFormation creates anything, and `cloud-cron schedule` uses it to show the next runs.
 *
 * Rules implemented (AWS "Cron expressions reference" and EventBridge Scheduler "Schedule types"):
 * - `rate(value unit)`: value a positive whole number; unit minute|minutes|hour|hours|day|days, singular exactly
 *   when value is 1. A rate schedule starts when it is created (or at its StartDate); `day` is 24 hours, not a
 *   calendar day.
 * - `cron(minutes hours day-of-month month day-of-week year)`: six fields. Wildcards, as AWS documents them:
 *   minutes/hours/month/year `, - * /`; day-of-month `, - * ? / L W`; day-of-week `, - * ? L #` (no `/`).
 *   Exactly one of day-of-month and day-of-week is `?`. Day-of-week 1-7 is SUN-SAT. Names are case-insensitive.
 *   `L`, `LW`, `nW` (day-of-month) and `L`, `nL`, `n#k` (day-of-week) stand alone in their field (AWS: a `#`
 *   field holds one expression). `L-n` offsets are not documented by AWS, so they are refused.
 * - `at(yyyy-mm-ddThh:mm:ss)`: a real calendar date-time in the schedule's time zone.
 * - Time zones: IANA names, case-sensitive, including the tz database's backward-compatible links (UTC, Etc/UTC,
 *   US/Eastern...), but not ICU's extra abbreviations (PST, IST...) that are not IANA names.
 *
 * Daylight saving time, as EventBridge Scheduler documents it: a cron time that does not exist (clocks jump
 * forward) is skipped; a time that occurs twice (clocks fall back) runs once, at its first occurrence (AWS says
 * "runs only once"; which of the two is not documented, we take the first). A one-time `at()` that falls in a
 * skipped hour would never run, so it is refused when a time zone is given.
 */
import { CloudCronError } from '../errors';

/** A schedule expression or time zone that EventBridge would refuse, or that could never run. */
export class ScheduleError extends CloudCronError {
  override name = 'ScheduleError';
}

const EXAMPLE_CRON = 'cron(0 12 * * ? *)';
const FORMS =
  '"rate(value unit)", "cron(minutes hours day-of-month month day-of-week year)" or "at(yyyy-mm-ddThh:mm:ss)"';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

// ---------------------------------------------------------------------------------------------------------------
// Parsed forms

export type RateUnit = 'minute' | 'hour' | 'day';
export type DayOfMonthRule =
  | { kind: 'any' }
  | { kind: 'days'; days: number[] }
  | { kind: 'last' }
  | { kind: 'lastWeekday' }
  | { kind: 'nearestWeekday'; day: number };
export type DayOfWeekRule =
  | { kind: 'any' }
  | { kind: 'days'; days: number[] }
  | { kind: 'lastOfMonth'; day: number }
  | { kind: 'nth'; day: number; nth: number };
export type CronSpec = {
  minutes: number[];
  hours: number[];
  dayOfMonth: DayOfMonthRule;
  months: number[];
  dayOfWeek: DayOfWeekRule;
  years: number[];
};
export type LocalDateTime = { year: number; month: number; day: number; hour: number; minute: number; second: number };
export type Schedule =
  | { type: 'rate'; value: number; unit: RateUnit; intervalMs: number }
  | { type: 'cron'; spec: CronSpec }
  | { type: 'at'; at: LocalDateTime };

// ---------------------------------------------------------------------------------------------------------------
// Public API

/** Throws a ScheduleError naming what is wrong with `expression` (and `timezone`, when given) and how to fix it. */
export function validateSchedule(expression: string, timezone?: string): void {
  checkedSchedule(expression, timezone);
}

function checkedSchedule(expression: string, timezone?: string): Schedule {
  const schedule = parseSchedule(expression);
  if (timezone === undefined) return schedule;
  validateTimezone(timezone);
  if (schedule.type === 'at') checkAtExists(expression, schedule.at, timezone);
  return schedule;
}

/** Throws a ScheduleError unless `timezone` is an IANA time zone name EventBridge Scheduler accepts. */
export function validateTimezone(timezone: string): void {
  if (typeof timezone !== 'string' || timezone.trim() === '') {
    throw new ScheduleError('time zone is empty: give an IANA time zone name (e.g. "UTC" or "Europe/Paris")');
  }
  if (zoneNames().has(timezone)) return;
  throw new ScheduleError(timezoneProblem(timezone));
}

/**
 * The next `count` run times after `from` (default: now), as EventBridge Scheduler would compute them in
 * `timezone`. Fewer when the schedule runs out (year field, one-time `at()` already past). A `rate()` schedule is
 * taken to start at `from` (as a schedule created then, without StartDate, starts at once).
 */
export function nextRuns(expression: string, timezone: string, count: number, from: Date = new Date()): Date[] {
  const schedule = checkedSchedule(expression, timezone);
  if (!Number.isInteger(count) || count < 0) throw new ScheduleError(`count ${count} must be a whole number >= 0`);
  const fromMs = from.getTime();
  if (!Number.isFinite(fromMs)) throw new ScheduleError('the start time is not a valid date');
  if (count === 0) return [];
  switch (schedule.type) {
    case 'rate': {
      const out: Date[] = [];
      for (let i = 0; i < count; i++) out.push(new Date(fromMs + i * schedule.intervalMs));
      return out;
    }
    case 'at': {
      const { year, month, day, hour, minute, second } = schedule.at;
      const t = localToInstant(timezone, Date.UTC(year, month - 1, day, hour, minute, second));
      return t !== undefined && t > fromMs ? [new Date(t)] : [];
    }
    case 'cron':
      return cronRuns(schedule.spec, timezone, count, fromMs);
  }
}

/** `2024-03-10T03:00:00-04:00`: the instant's wall-clock time in `timezone`, with its UTC offset. */
export function formatInZone(date: Date, timezone: string): string {
  const t = Math.floor(date.getTime() / 1000) * 1000;
  const offset = offsetMs(timezone, t);
  const local = new Date(t + offset).toISOString().slice(0, 19);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset) / MINUTE;
  return `${local}${sign}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`;
}

/** Parses an expression; throws a ScheduleError saying what is wrong. */
export function parseSchedule(expression: string): Schedule {
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
      return parseRate(inner, fail);
    case 'cron':
      return { type: 'cron', spec: parseCron(inner, fail) };
    case 'at':
      return { type: 'at', at: parseAt(inner, fail) };
    default:
      return fail(`"${kind}(...)" is not a schedule type; write ${FORMS}`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// rate()

const RATE_UNITS: Record<string, { unit: RateUnit; plural: boolean; ms: number }> = {
  minute: { unit: 'minute', plural: false, ms: MINUTE },
  minutes: { unit: 'minute', plural: true, ms: MINUTE },
  hour: { unit: 'hour', plural: false, ms: HOUR },
  hours: { unit: 'hour', plural: true, ms: HOUR },
  day: { unit: 'day', plural: false, ms: DAY },
  days: { unit: 'day', plural: true, ms: DAY },
};

function parseRate(inner: string, fail: (p: string) => never): Schedule {
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
  if (n === 1 && unit.plural) fail(`use the singular unit "${unit.unit}" when the value is 1`);
  if (n !== 1 && !unit.plural) fail(`use the plural unit "${unit.unit}s" when the value is not 1`);
  return { type: 'rate', value: n, unit: unit.unit, intervalMs: n * unit.ms };
}

// ---------------------------------------------------------------------------------------------------------------
// at()

function parseAt(inner: string, fail: (p: string) => never): LocalDateTime {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(inner);
  if (!m) {
    if (/(Z|[+-]\d{2}:?\d{2})$/i.test(inner) && /T/.test(inner)) {
      fail('leave out the "Z" or UTC offset: the time zone is set separately (ScheduleExpressionTimezone)');
    }
    if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d+$/.test(inner)) fail('leave out the fraction of a second');
    if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(inner)) fail(`add the seconds: "at(${inner}:00)"`);
    if (/^\d{4}-\d{2}-\d{2}[ t]\d{2}:\d{2}:\d{2}$/.test(inner))
      fail(`separate date and time with "T": "at(${inner.slice(0, 10)}T${inner.slice(11)})"`);
    fail('one-time schedules are "at(yyyy-mm-ddThh:mm:ss)", e.g. "at(2030-01-31T09:30:00)"');
  }
  const [year, month, day, hour, minute, second] = m!.slice(1).map(Number);
  if (month < 1 || month > 12) fail(`month ${pad2(month)} does not exist: months are 01-12`);
  const dim = daysInMonth(year, month);
  if (day < 1 || day > dim) {
    fail(`${inner.slice(0, 10)} is not a date: ${MONTH_LONG[month - 1]} ${year} has ${dim} days`);
  }
  if (hour > 23) fail(`hour ${pad2(hour)} does not exist: hours are 00-23`);
  if (minute > 59) fail(`minute ${pad2(minute)} does not exist: minutes are 00-59`);
  if (second > 59) fail(`second ${pad2(second)} does not exist: seconds are 00-59`);
  return { year, month, day, hour, minute, second };
}

function checkAtExists(expression: string, at: LocalDateTime, timezone: string): void {
  const naive = Date.UTC(at.year, at.month - 1, at.day, at.hour, at.minute, at.second);
  if (localToInstant(timezone, naive) !== undefined) return;
  const before = offsetMs(timezone, naive - DAY);
  const after = offsetMs(timezone, naive + DAY);
  const jump = Math.round((after - before) / MINUTE);
  throw new ScheduleError(
    `schedule expression "${expression}": ${formatNaive(naive)} does not exist in ${timezone} ` +
      `(clocks move forward ${jump} minutes for daylight saving time that day), so it would never run; choose another time`,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// cron()

type FieldDef = { name: string; min: number; max: number; maxStep: number; names?: readonly string[] };
const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] as const;
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;
const MONTH_LONG = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
] as const;
const FIELDS = {
  minutes: { name: 'minutes', min: 0, max: 59, maxStep: 59 },
  hours: { name: 'hours', min: 0, max: 23, maxStep: 23 },
  dayOfMonth: { name: 'day-of-month', min: 1, max: 31, maxStep: 31 },
  month: { name: 'month', min: 1, max: 12, maxStep: 12, names: MONTH_NAMES },
  dayOfWeek: { name: 'day-of-week', min: 1, max: 7, maxStep: 7, names: DAY_NAMES },
  year: { name: 'year', min: 1970, max: 2199, maxStep: 229 },
} satisfies Record<string, FieldDef>;

function parseCron(inner: string, fail: (p: string) => never): CronSpec {
  const fields = inner.trim() === '' ? [] : inner.trim().split(/\s+/);
  if (fields.length !== 6) {
    const hint =
      fields.length === 5
        ? `; AWS cron has a year field and no seconds field (e.g. "${EXAMPLE_CRON}")`
        : fields.length === 7
          ? '; AWS cron has no seconds field: remove the first field'
          : ` (e.g. "${EXAMPLE_CRON}")`;
    fail(
      `cron expressions have 6 fields (minutes hours day-of-month month day-of-week year) but this one has ${fields.length}${hint}`,
    );
  }
  const [minF, hourF, domF, monF, dowF, yearF] = fields;
  const inField = (def: FieldDef, text: string) => (problem: string) =>
    fail(`${def.name} "${text}": ${problem}`) as never;

  const minutes = parseList(FIELDS.minutes, minF, inField(FIELDS.minutes, minF));
  const hours = parseList(FIELDS.hours, hourF, inField(FIELDS.hours, hourF));
  const dayOfMonth = parseDayOfMonth(domF, inField(FIELDS.dayOfMonth, domF));
  const months = parseList(FIELDS.month, monF, inField(FIELDS.month, monF));
  const dayOfWeek = parseDayOfWeek(dowF, inField(FIELDS.dayOfWeek, dowF));
  const years = parseList(FIELDS.year, yearF, inField(FIELDS.year, yearF));

  const domAny = dayOfMonth.kind === 'any';
  const dowAny = dayOfWeek.kind === 'any';
  if (domAny && dowAny) {
    fail(`day-of-month and day-of-week are both "?"; exactly one of them must be "?" (e.g. "${EXAMPLE_CRON}")`);
  }
  if (!domAny && !dowAny) {
    const withDom = `cron(${[minF, hourF, domF, monF, '?', yearF].join(' ')})`;
    const withDow = `cron(${[minF, hourF, '?', monF, dowF, yearF].join(' ')})`;
    const example = dowF === '*' ? `"${withDom}"` : domF === '*' ? `"${withDow}"` : `"${withDom}" or "${withDow}"`;
    fail(`day-of-month and day-of-week are both set; exactly one of them must be "?" (e.g. ${example})`);
  }
  const spec: CronSpec = { minutes, hours, dayOfMonth, months, dayOfWeek, years };
  checkSomeDayMatches(spec, [domF, monF, dowF, yearF], fail);
  return spec;
}

/** Values of a plain field: `*`, `a`, `a-b`, `a/n`, `*\/n`, `a-b/n`, comma-separated. Sorted, unique. */
function parseList(def: FieldDef, text: string, fail: (p: string) => never): number[] {
  const upper = text.toUpperCase();
  if (upper === '?') fail('"?" is only allowed in day-of-month or day-of-week');
  const bare = def.names ? upper.replace(new RegExp(def.names.join('|'), 'g'), '') : upper;
  const special = /[LW#]/.exec(bare);
  if (special) {
    const c = special[0];
    const where = c === '#' ? 'day-of-week' : c === 'W' ? 'day-of-month' : 'day-of-month or day-of-week';
    fail(`"${c}" is only allowed in ${where}`);
  }
  const seen = new Set<number>();
  for (const item of upper.split(',')) {
    if (item === '') fail('a list has an empty item (two commas in a row, or a comma at the start or end)');
    if (item.includes('?')) fail('"?" must stand alone in day-of-month or day-of-week, not inside a list');
    for (const v of parseItem(def, item, fail)) seen.add(v);
  }
  return [...seen].sort((a, b) => a - b);
}

function parseItem(def: FieldDef, item: string, fail: (p: string) => never): number[] {
  const slash = item.split('/');
  if (slash.length > 2) fail(`"${item}" has more than one "/"`);
  const [rangeText, stepText] = slash;
  let lo: number;
  let hi: number;
  if (rangeText === '*') {
    lo = def.min;
    hi = def.max;
  } else {
    const dash = rangeText.split('-');
    if (dash.length > 2 || dash.some((d) => d === '')) {
      fail(`"${item}" is not a value or a range (ranges are "from-to", e.g. "${def.min}-${def.min + 1}")`);
    }
    lo = parseValue(def, dash[0], fail);
    hi = dash.length === 2 ? parseValue(def, dash[1], fail) : stepText === undefined ? lo : def.max;
    if (lo > hi) {
      const label = (v: number) => (def.names ? def.names[v - def.min] : String(v));
      const part = (a: number, b: number) => (a === b ? label(a) : `${label(a)}-${label(b)}`);
      fail(
        `the range "${rangeText}" runs backwards; write the smaller value first ("${dash[1]}-${dash[0]}") ` +
          `or split it in two ("${part(lo, def.max)},${part(def.min, hi)}")`,
      );
    }
  }
  let step = 1;
  if (stepText !== undefined) {
    if (!/^\d+$/.test(stepText) || Number(stepText) === 0) {
      fail(`the step "/${stepText}" must be a positive whole number (e.g. "0/15")`);
    }
    step = Number(stepText);
    if (step > def.maxStep) fail(`the step "/${stepText}" is too large: ${def.name} steps are 1-${def.maxStep}`);
  }
  const out: number[] = [];
  for (let v = lo; v <= hi; v += step) out.push(v);
  return out;
}

function parseValue(def: FieldDef, token: string, fail: (p: string) => never): number {
  if (/^\d+$/.test(token)) {
    const v = Number(token);
    if (v < def.min || v > def.max) {
      const extra = def === FIELDS.dayOfWeek ? ' (1 = SUN ... 7 = SAT)' : def === FIELDS.month ? ' (or JAN-DEC)' : '';
      fail(`${v} is out of range: ${def.name} values are ${def.min}-${def.max}${extra}`);
    }
    return v;
  }
  if (def.names) {
    const i = def.names.indexOf(token as never);
    if (i >= 0) return def.min + i;
    fail(
      `"${token}" is not a ${def.name} name; use ${def.names[0]}-${def.names[def.names.length - 1]} or ${def.min}-${def.max}`,
    );
  }
  return fail(`"${token}" is not a number: ${def.name} values are ${def.min}-${def.max}`);
}

function parseDayOfMonth(text: string, fail: (p: string) => never): DayOfMonthRule {
  const upper = text.toUpperCase();
  if (upper === '?') return { kind: 'any' };
  if (upper === 'L') return { kind: 'last' };
  if (upper === 'LW') return { kind: 'lastWeekday' };
  if (/^L-\d+$/.test(upper)) {
    fail('AWS does not document "L-n" (days before the last); use "L" for the last day of the month');
  }
  const w = /^(\d+)W$/.exec(upper);
  if (w) {
    const day = Number(w[1]);
    if (day < 1 || day > 31) fail(`${day} is out of range: "W" needs a day 1-31 (e.g. "15W")`);
    return { kind: 'nearestWeekday', day };
  }
  if (upper.includes('#')) fail('"#" is only allowed in day-of-week (e.g. "3#2", the second Tuesday)');
  if (/[LW]/.test(upper)) {
    fail(
      '"L" and "W" must stand alone in day-of-month: "L" (last day), "LW" (last weekday) or "15W" (weekday nearest the 15th)',
    );
  }
  return { kind: 'days', days: parseList(FIELDS.dayOfMonth, upper, fail) };
}

function parseDayOfWeek(text: string, fail: (p: string) => never): DayOfWeekRule {
  const upper = text.toUpperCase();
  if (upper === '?') return { kind: 'any' };
  if (upper === 'L') return { kind: 'days', days: [7] };
  if (upper.includes('/')) {
    fail('AWS does not allow "/" in day-of-week (only , - * ? L #); list the days instead (e.g. "2,4,6")');
  }
  const bare = upper.replace(/SUN|MON|TUE|WED|THU|FRI|SAT/g, '');
  if (bare.includes('W')) fail('"W" is only allowed in day-of-month (e.g. "15W")');
  if (upper.includes('#')) {
    const m = /^(\d+)#(\d+)$/.exec(upper);
    if (!m) {
      if (upper.includes(','))
        fail('a "#" day-of-week must be the only expression in the field (AWS refuses "3#1,6#3")');
      const named = /^([A-Z]{3})#(\d+)$/.exec(upper);
      const i = named ? DAY_NAMES.indexOf(named[1] as never) : -1;
      if (i >= 0) fail(`write the day as a number before "#" (e.g. "${i + 1}#${named![2]}")`);
      fail('"#" takes a day 1-7 and an occurrence 1-5, e.g. "3#2" (the second Tuesday of the month)');
    }
    const day = Number(m![1]);
    const nth = Number(m![2]);
    if (day < 1 || day > 7) fail(`${day} is out of range: day-of-week values are 1-7 (1 = SUN ... 7 = SAT)`);
    if (nth < 1 || nth > 5) fail(`the occurrence "#${nth}" must be 1-5 (a month has at most five of each weekday)`);
    return { kind: 'nth', day, nth };
  }
  if (bare.includes('L')) {
    const m = /^(\d+)L$/.exec(upper);
    if (!m) {
      const named = /^([A-Z]{3})L$/.exec(upper);
      const i = named ? DAY_NAMES.indexOf(named[1] as never) : -1;
      if (i >= 0) fail(`write the day as a number before "L" (e.g. "${i + 1}L", the last ${named![1]} of the month)`);
      fail('"L" must stand alone in day-of-week: "L" (Saturday) or "5L" (the last Thursday of the month)');
    }
    const day = Number(m![1]);
    if (day < 1 || day > 7) fail(`${day} is out of range: day-of-week values are 1-7 (1 = SUN ... 7 = SAT)`);
    return { kind: 'lastOfMonth', day };
  }
  return { kind: 'days', days: parseList(FIELDS.dayOfWeek, upper, fail) };
}

/** Refuses day/month/year combinations that never occur (e.g. 30 February), which AWS would accept and never run. */
function checkSomeDayMatches(spec: CronSpec, [domF, monF, dowF, yearF]: string[], fail: (p: string) => never): void {
  const dom = spec.dayOfMonth;
  const first = dom.kind === 'days' ? dom.days[0] : dom.kind === 'nearestWeekday' ? dom.day : 1;
  if (!spec.months.some((m) => first <= daysInMonth(2000, m))) {
    const names = spec.months.map((m) => MONTH_NAMES[m - 1]).join(',');
    fail(`day-of-month "${domF}" never occurs in month "${monF}" (${names}); it would never run`);
  }
  for (const y of spec.years) {
    for (const m of spec.months) if (matchingDays(spec, y, m).length > 0) return;
  }
  const day = dom.kind === 'any' ? `day-of-week "${dowF}"` : `day-of-month "${domF}"`;
  fail(`${day}, month "${monF}" and year "${yearF}" never fall on the same date, so it would never run`);
}

/** Days of month `m` of year `y` that the day-of-month / day-of-week rules select, ascending. */
function matchingDays(spec: CronSpec, y: number, m: number): number[] {
  const dim = daysInMonth(y, m);
  const firstDow = weekday(y, m, 1); // 1 = SUN
  const dowOf = (d: number) => ((firstDow - 1 + d - 1) % 7) + 1;
  const dom = spec.dayOfMonth;
  const dow = spec.dayOfWeek;
  if (dom.kind !== 'any') {
    switch (dom.kind) {
      case 'days':
        return dom.days.filter((d) => d <= dim);
      case 'last':
        return [dim];
      case 'lastWeekday': {
        const w = dowOf(dim);
        return [w === 7 ? dim - 1 : w === 1 ? dim - 2 : dim];
      }
      case 'nearestWeekday': {
        const d = dom.day;
        if (d > dim) return [];
        const w = dowOf(d);
        if (w === 7) return [d === 1 ? 3 : d - 1];
        if (w === 1) return [d === dim ? d - 2 : d + 1];
        return [d];
      }
    }
  }
  switch (dow.kind) {
    case 'any': {
      const all: number[] = [];
      for (let d = 1; d <= dim; d++) all.push(d);
      return all;
    }
    case 'days': {
      const out: number[] = [];
      for (let d = 1; d <= dim; d++) if (dow.days.includes(dowOf(d))) out.push(d);
      return out;
    }
    case 'lastOfMonth':
      return [dim - ((dowOf(dim) - dow.day + 7) % 7)];
    case 'nth': {
      const d = 1 + ((dow.day - firstDow + 7) % 7) + 7 * (dow.nth - 1);
      return d <= dim ? [d] : [];
    }
  }
}

function cronRuns(spec: CronSpec, timezone: string, count: number, fromMs: number): Date[] {
  const out: Date[] = [];
  const fromNaive = fromMs + offsetMs(timezone, fromMs);
  const start = new Date(fromNaive);
  const sy = start.getUTCFullYear();
  const sm = start.getUTCMonth() + 1;
  const sd = start.getUTCDate();
  // Wall-clock times more than 3 hours before `from` are before it whatever the DST shift (at most 2 hours).
  const floor = fromNaive - 3 * HOUR;
  for (const y of spec.years) {
    if (y < sy) continue;
    for (const m of spec.months) {
      if (y === sy && m < sm) continue;
      for (const d of matchingDays(spec, y, m)) {
        if (y === sy && m === sm && d < sd) continue;
        for (const h of spec.hours) {
          for (const mi of spec.minutes) {
            const naive = Date.UTC(y, m - 1, d, h, mi);
            if (naive < floor) continue;
            const t = localToInstant(timezone, naive);
            if (t === undefined || t <= fromMs) continue;
            out.push(new Date(t));
            if (out.length >= count) return out;
          }
        }
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Calendar and time zone arithmetic

function daysInMonth(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/** 1 = Sunday ... 7 = Saturday, AWS's numbering. */
function weekday(y: number, m: number, d: number): number {
  return new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 1;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

function formatNaive(naive: number): string {
  return new Date(naive).toISOString().slice(0, 19);
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timezone: string): Intl.DateTimeFormat {
  let f = formatters.get(timezone);
  if (!f) {
    if (!icuKnows(timezone)) throw new ScheduleError(`time zone "${timezone}" is not known to this runtime's ICU data`);
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timezone, f);
  }
  return f;
}

/** UTC offset of `timezone` at instant `t` (ms), whole seconds. */
function offsetMs(timezone: string, t: number): number {
  const whole = Math.floor(t / 1000) * 1000;
  const p: Record<string, number> = {};
  for (const part of formatter(timezone).formatToParts(new Date(whole))) {
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  }
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - whole;
}

/**
 * The instant at which wall-clock time `naive` (its fields read as UTC) happens in `timezone`: undefined when DST
 * skips it, the first occurrence when DST repeats it.
 */
function localToInstant(timezone: string, naive: number): number | undefined {
  const before = offsetMs(timezone, naive - DAY);
  const after = offsetMs(timezone, naive + DAY);
  let best: number | undefined;
  for (const o of before === after ? [before] : [before, after]) {
    const t = naive - o;
    if (offsetMs(timezone, t) === o && (best === undefined || t < best)) best = t;
  }
  return best;
}

// ---------------------------------------------------------------------------------------------------------------
// Time zone names

/**
 * IANA names that are links (aliases) in the tz database 2025b and that Node's Intl.supportedValuesOf does not list
 * (it lists only ICU's canonical names; Node 20 lists neither "UTC" nor "Asia/Kolkata").
 */
const IANA_LINKS =
  'Africa/Asmara Africa/Timbuktu America/Argentina/Buenos_Aires America/Argentina/Catamarca ' +
  'America/Argentina/ComodRivadavia America/Argentina/Cordoba America/Argentina/Jujuy America/Argentina/Mendoza ' +
  'America/Atikokan America/Atka America/Ensenada America/Fort_Wayne America/Indiana/Indianapolis ' +
  'America/Kentucky/Louisville America/Knox_IN America/Montreal America/Nipigon America/Nuuk America/Pangnirtung ' +
  'America/Porto_Acre America/Rainy_River America/Rosario America/Santa_Isabel America/Shiprock America/Thunder_Bay ' +
  'America/Virgin America/Yellowknife Antarctica/South_Pole Asia/Ashkhabad Asia/Choibalsan Asia/Chongqing ' +
  'Asia/Chungking Asia/Dacca Asia/Harbin Asia/Ho_Chi_Minh Asia/Istanbul Asia/Kashgar Asia/Kathmandu Asia/Kolkata ' +
  'Asia/Macao Asia/Tel_Aviv Asia/Thimbu Asia/Ujung_Pandang Asia/Ulan_Bator Asia/Yangon Atlantic/Faroe ' +
  'Atlantic/Jan_Mayen Australia/ACT Australia/Canberra Australia/Currie Australia/LHI Australia/NSW ' +
  'Australia/North Australia/Queensland Australia/South Australia/Tasmania Australia/Victoria Australia/West ' +
  'Australia/Yancowinna Brazil/Acre Brazil/DeNoronha Brazil/East Brazil/West CET CST6CDT Canada/Atlantic ' +
  'Canada/Central Canada/Eastern Canada/Mountain Canada/Newfoundland Canada/Pacific Canada/Saskatchewan ' +
  'Canada/Yukon Chile/Continental Chile/EasterIsland Cuba EET EST EST5EDT Egypt Eire Etc/GMT Etc/GMT+0 Etc/GMT+1 ' +
  'Etc/GMT+10 Etc/GMT+11 Etc/GMT+12 Etc/GMT+2 Etc/GMT+3 Etc/GMT+4 Etc/GMT+5 Etc/GMT+6 Etc/GMT+7 Etc/GMT+8 ' +
  'Etc/GMT+9 Etc/GMT-0 Etc/GMT-1 Etc/GMT-10 Etc/GMT-11 Etc/GMT-12 Etc/GMT-13 Etc/GMT-14 Etc/GMT-2 Etc/GMT-3 ' +
  'Etc/GMT-4 Etc/GMT-5 Etc/GMT-6 Etc/GMT-7 Etc/GMT-8 Etc/GMT-9 Etc/GMT0 Etc/Greenwich Etc/UCT Etc/UTC ' +
  'Etc/Universal Etc/Zulu Europe/Belfast Europe/Kyiv Europe/Nicosia Europe/Tiraspol Europe/Uzhgorod ' +
  'Europe/Zaporozhye GB GB-Eire GMT GMT+0 GMT-0 GMT0 Greenwich HST Hongkong Iceland Iran Israel Jamaica Japan ' +
  'Kwajalein Libya MET MST MST7MDT Mexico/BajaNorte Mexico/BajaSur Mexico/General NZ NZ-CHAT Navajo PRC PST8PDT ' +
  'Pacific/Chuuk Pacific/Johnston Pacific/Kanton Pacific/Pohnpei Pacific/Samoa Pacific/Yap Poland Portugal ROC ' +
  'ROK Singapore Turkey UCT US/Alaska US/Aleutian US/Arizona US/Central US/East-Indiana US/Eastern US/Hawaii ' +
  'US/Indiana-Starke US/Michigan US/Mountain US/Pacific US/Samoa UTC Universal W-SU WET Zulu';

let zoneSet: Set<string> | undefined;

/**
 * IANA names: ICU's canonical list plus the tz database's links (Node 20's ICU resolves every one of them; checking
 * each with Intl at load would cost ~20 ms of the macro's cold start, so a runtime without one fails in formatter()).
 */
function zoneNames(): Set<string> {
  if (!zoneSet) {
    zoneSet = new Set(Intl.supportedValuesOf('timeZone'));
    for (const z of IANA_LINKS.split(' ')) zoneSet.add(z);
  }
  return zoneSet;
}

function icuKnows(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

function timezoneProblem(tz: string): string {
  const q = `time zone "${tz}"`;
  if (tz.trim() !== tz) return `${q} has spaces around it; remove them ("${tz.trim()}")`;
  const names = zoneNames();
  const sameCase = [...names].find((z) => z.toLowerCase() === tz.toLowerCase());
  if (sameCase) return `${q}: time zone names are case-sensitive; write "${sameCase}"`;
  const offset = /^(?:UTC|GMT|Z)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$/i.exec(tz);
  if (offset) {
    const hours = Number(offset[2]);
    const etc =
      offset[3] && offset[3] !== '00'
        ? ''
        : ` or "Etc/GMT${offset[1] === '+' ? '-' : '+'}${hours}" (POSIX sign, inverted)`;
    return `${q} is a UTC offset, not an IANA time zone name; use the zone of a place (e.g. "Europe/Paris")${etc}`;
  }
  if (icuKnows(tz)) {
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone: tz }).resolvedOptions().timeZone;
    const canonical = names.has(resolved) ? resolved : 'Europe/Paris';
    return `${q} is a legacy abbreviation, not an IANA time zone name; write the zone of a place (e.g. "${canonical}")`;
  }
  const suggestion = closestZone(tz, names);
  return `${q} is not an IANA time zone name (e.g. "${suggestion ?? 'Europe/Paris'}")`;
}

function closestZone(tz: string, names: Set<string>): string | undefined {
  const target = tz.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(target.length / 4)) + 1;
  for (const z of names) {
    if (Math.abs(z.length - target.length) >= bestDistance) continue;
    const d = editDistance(z.toLowerCase(), target);
    if (d < bestDistance) {
      best = z;
      bestDistance = d;
    }
  }
  if (best) return best;
  const city = target.split('/').pop()!;
  return [...names].find((z) => z.toLowerCase().endsWith(`/${city}`));
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}
