/**
 * `cron(minutes hours day-of-month month day-of-week year)`: six fields, as AWS documents them (EventBridge
 * Scheduler "Cron expressions reference").
 * - Wildcards: minutes/hours/month/year `, - * /`; day-of-month `, - * ? / L W`; day-of-week `, - * ? L #` (no `/`).
 * - Exactly one of day-of-month and day-of-week is `?`. Day-of-week 1-7 is SUN-SAT. Names are case-insensitive.
 * - `L`, `LW`, `nW` (day-of-month) and `L`, `nL`, `n#k` (day-of-week) stand alone in their field (AWS: a `#` field
 *   holds one expression). The day before `L` or `#` may be a name (`FRIL`, `MON#1`), as in Quartz. `L-n` offsets
 *   are not documented by AWS, so they are refused.
 * - Ranges wrap around: AWS's own example `cron(0/30 20-2 ? * MON-FRI *)` runs from 20:00 to 02:00. Hours,
 *   day-of-week (`FRI-MON`) and months (`NOV-FEB`) wrap as AWS's Quartz-derived engine does, and so do minutes
 *   (`50-10`) and days of the month (`25-5`, days 25 to 31 then 1 to 5; a 31 in a shorter month is simply not a
 *   day of it): a backwards range has exactly one meaning in each of those cycles, and refusing it would refuse
 *   templates AWS accepts. Years have no cycle, so a backwards year range is refused. A step counts on across the
 *   wrap (`20-2/2` is 20, 22, 0, 2).
 * - Matching is field by field: a fire time must match every field on its own. With `20-2` hours and `MON-FRI`,
 *   01:00 on a Saturday does not run (Saturday is not MON-FRI), while 01:00 on a Monday does.
 */
import { DAY_NAMES, daysInMonth, HOUR, MINUTE, MONTH_NAMES, weekday } from './calendar';
import type { Fail } from './errors';
import type { CronSpec, DayOfMonthRule, DayOfWeekRule } from './types';
import { localToInstant, offsetMs, steadyOffset } from './zones';

const EXAMPLE_CRON = 'cron(0 12 * * ? *)';

type FieldDef = {
  name: string;
  min: number;
  max: number;
  maxStep: number;
  names?: readonly string[];
  /** false when a backwards range cannot mean a wrap-around (years have no cycle). */
  wraps?: boolean;
};
export const FIELDS = {
  minutes: { name: 'minutes', min: 0, max: 59, maxStep: 59 },
  hours: { name: 'hours', min: 0, max: 23, maxStep: 23 },
  dayOfMonth: { name: 'day-of-month', min: 1, max: 31, maxStep: 31 },
  month: { name: 'month', min: 1, max: 12, maxStep: 12, names: MONTH_NAMES },
  dayOfWeek: { name: 'day-of-week', min: 1, max: 7, maxStep: 7, names: DAY_NAMES },
  year: { name: 'year', min: 1970, max: 2199, maxStep: 229, wraps: false },
} satisfies Record<string, FieldDef>;

export function parseCron(inner: string, fail: Fail): CronSpec {
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
function parseList(def: FieldDef, text: string, fail: Fail): number[] {
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

function parseItem(def: FieldDef, item: string, fail: Fail): number[] {
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
    if (lo > hi && def.wraps === false) {
      fail(
        `the range "${rangeText}" runs backwards and ${def.name} values do not wrap around: write the earlier value first ("${dash[1]}-${dash[0]}")`,
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
  // A range whose end is below its start wraps around the field's cycle, as AWS documents for
  // cron(0/30 20-2 ? * MON-FRI *) (20:00 to 02:00): 20-2 is 20-23 then 0-2, and a step counts on across the wrap
  // (20-2/2 is 20, 22, 0, 2).
  const size = def.max - def.min + 1;
  const span = lo <= hi ? hi - lo : hi - lo + size;
  const out: number[] = [];
  for (let k = 0; k <= span; k += step) out.push(def.min + ((lo - def.min + k) % size));
  return out;
}

function parseValue(def: FieldDef, token: string, fail: Fail): number {
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

function parseDayOfMonth(text: string, fail: Fail): DayOfMonthRule {
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

function parseDayOfWeek(text: string, fail: Fail): DayOfWeekRule {
  const upper = text.toUpperCase();
  if (upper === '?') return { kind: 'any' };
  if (upper === 'L') return { kind: 'days', days: [7] };
  if (upper.includes('/')) {
    fail('AWS does not allow "/" in day-of-week (only , - * ? L #); list the days instead (e.g. "2,4,6")');
  }
  const bare = upper.replace(/SUN|MON|TUE|WED|THU|FRI|SAT/g, '');
  if (bare.includes('W')) fail('"W" is only allowed in day-of-month (e.g. "15W")');
  // The day before "#" or "L" may be a number or a name (3#2 = TUE#2, 6L = FRIL), as Quartz, whose syntax AWS's
  // is, reads it.
  if (upper.includes('#')) {
    if (upper.includes(',')) fail('a "#" day-of-week must be the only expression in the field (AWS refuses "3#1,6#3")');
    const m = /^(\d+|[A-Z]{3})#(\d+)$/.exec(upper);
    if (!m)
      fail('"#" takes a day 1-7 (or SUN-SAT) and an occurrence 1-5, e.g. "3#2" (the second Tuesday of the month)');
    const day = parseValue(FIELDS.dayOfWeek, m![1], fail);
    const nth = Number(m![2]);
    if (nth < 1 || nth > 5) fail(`the occurrence "#${nth}" must be 1-5 (a month has at most five of each weekday)`);
    return { kind: 'nth', day, nth };
  }
  if (bare.includes('L')) {
    if (/^L-\d+$/.test(upper)) {
      fail('AWS documents no offset after "L" in day-of-week: "L" alone is SAT, "6L" the last Friday of the month');
    }
    const m = /^(\d+|[A-Z]{3})L$/.exec(upper);
    if (!m) fail('"L" must stand alone in day-of-week: "L" (Saturday) or "5L" (the last Thursday of the month)');
    return { kind: 'lastOfMonth', day: parseValue(FIELDS.dayOfWeek, m![1], fail) };
  }
  return { kind: 'days', days: parseList(FIELDS.dayOfWeek, upper, fail) };
}

/** Refuses day/month/year combinations that never occur (e.g. 30 February), which AWS would accept and never run. */
function checkSomeDayMatches(spec: CronSpec, [domF, monF, dowF, yearF]: string[], fail: Fail): void {
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
export function matchingDays(spec: CronSpec, y: number, m: number): number[] {
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

/**
 * Every instant the cron fires in `timezone` after `fromMs` (exclusive), ascending, lazily: a caller takes as many
 * as it needs. Wall-clock times that daylight saving time skips are left out; a repeated one fires once, at its
 * first occurrence.
 */
export function* cronFires(spec: CronSpec, timezone: string, fromMs: number): Generator<number> {
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
        const midnight = Date.UTC(y, m - 1, d);
        // One offset for the whole day on the days the clocks do not change (two Intl look-ups a day, not three or
        // four a fire: what keeps a year of every-5-minutes fires linear and cheap); each time on its own otherwise.
        const steady = steadyOffset(timezone, midnight);
        for (const h of spec.hours) {
          for (const mi of spec.minutes) {
            const naive = midnight + h * HOUR + mi * MINUTE;
            if (naive < floor) continue;
            const t = steady === undefined ? localToInstant(timezone, naive) : naive - steady;
            if (t === undefined || t <= fromMs) continue;
            yield t;
          }
        }
      }
    }
  }
}
