/**
 * `cron(minutes hours day-of-month month day-of-week year)`, as the EventBridge "Cron expressions reference" and the
 * EventBridge Scheduler "Schedule types" page document it:
 * - six fields; wildcards minutes/hours/month/year `, - * /`, day-of-month `, - * ? / L W`, day-of-week `, - * ? L #`
 *   (no `/`); exactly one of day-of-month and day-of-week is `?`; day-of-week 1-7 is SUN-SAT; years 1970-2199;
 *   names (JAN-DEC, SUN-SAT) and letters are case-insensitive;
 * - `L` alone in day-of-week is 7 (SAT); `nL` is the last day n of the month, `n#k` its k-th day n (k 1-5), `L`, `LW`
 *   and `nW` in day-of-month the last day, the last weekday and the weekday nearest day n (never across the month's
 *   edges: 1W on a Saturday is Monday the 3rd). Each of these stands alone in its field (AWS: a `#` field holds one
 *   expression). `L-n` offsets are not documented by AWS, so they are refused.
 *
 * Ranges that wrap around. AWS documents them by one example, `cron(0/30 20-2 ? * MON-FRI *)` ("between 10:00 pm on
 * the starting day to 2:00 am on the following day"), in the hours field. AWS's cron is Quartz's syntax (its SUN = 1,
 * L W #, 1970-2199, even its note on "3#1,6#3" come from Quartz's CronExpression), and Quartz documents "overflowing
 * ranges" (22-2, NOV-FEB) and implements them in every cyclic field. Decision:
 * - minutes, hours, day-of-month, month and day-of-week wrap around: `20-2` is 20-23 and 0-2, `FRI-MON` is FRI, SAT,
 *   SUN, MON, `NOV-FEB` is NOV, DEC, JAN, FEB, `50-10` is minutes 50-59 and 0-10, `28-3` is days 28-31 and 1-3 (a
 *   31st a month lacks simply does not occur). A step counts on across the wrap, as Quartz's: `20-2/2` is 20, 22, 0, 2.
 *   Minutes and day-of-month are not in AWS's documentation; they are accepted because their meaning is plain,
 *   Quartz (whose syntax AWS's is) has it, and refusing what AWS accepts is the failure this validator must not
 *   have. Were AWS to refuse one, the deploy would stop with AWS's own message: a later error, never a wrong schedule.
 * - years do not wrap (Quartz refuses it too): `2030-2025` is refused, naming the earlier-first range.
 *
 * Matching is field by field, for each fire time on its own day: `cron(0/30 20-2 ? * MON-FRI *)` runs Monday to
 * Friday at 00:00-02:30 and at 20:00-23:30. Saturday 01:00 is not a run (Saturday is not MON-FRI), though it follows
 * Friday evening; Monday 01:00 is. (AWS's wording, "to 2:00 am on the following day", describes Monday to Thursday
 * nights; hour 2 with minutes 0/30 also runs at 02:30.)
 */
import { DAY_NAMES, daysInMonth, MONTH_NAMES, weekday } from './calendar';
import type { Fail } from './errors';
import type { CronSpec, DayOfMonthRule, DayOfWeekRule } from './types';

export const EXAMPLE_CRON = 'cron(0 12 * * ? *)';

type FieldDef = {
  name: string;
  min: number;
  max: number;
  maxStep: number;
  wraps: boolean;
  names?: readonly string[];
};

export const FIELDS = {
  minutes: { name: 'minutes', min: 0, max: 59, maxStep: 59, wraps: true },
  hours: { name: 'hours', min: 0, max: 23, maxStep: 23, wraps: true },
  dayOfMonth: { name: 'day-of-month', min: 1, max: 31, maxStep: 31, wraps: true },
  month: { name: 'month', min: 1, max: 12, maxStep: 12, wraps: true, names: MONTH_NAMES },
  dayOfWeek: { name: 'day-of-week', min: 1, max: 7, maxStep: 7, wraps: true, names: DAY_NAMES },
  year: { name: 'year', min: 1970, max: 2199, maxStep: 229, wraps: false },
} satisfies Record<string, FieldDef>;

const DAY_TOKEN = '([0-9]+|[A-Z]{3})';

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
  const wrapped: string[] = [];
  const parseList = (def: FieldDef, text: string, f: Fail) => parseField(def, text, f, wrapped);

  const minutes = parseList(FIELDS.minutes, minF, inField(FIELDS.minutes, minF));
  const hours = parseList(FIELDS.hours, hourF, inField(FIELDS.hours, hourF));
  const dayOfMonth = parseDayOfMonth(domF, inField(FIELDS.dayOfMonth, domF), wrapped);
  const months = parseList(FIELDS.month, monF, inField(FIELDS.month, monF));
  const dayOfWeek = parseDayOfWeek(dowF, inField(FIELDS.dayOfWeek, dowF), wrapped);
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
  const spec: CronSpec = {
    minutes,
    hours,
    dayOfMonth,
    months,
    dayOfWeek,
    years,
    fields: [minF, hourF, domF, monF, dowF, yearF],
    wrapped,
  };
  checkSomeDayMatches(spec, fail);
  return spec;
}

/**
 * Values of a plain field: `*`, `a`, `a-b`, `a/n`, `*\/n`, `a-b/n`, comma-separated. Sorted, unique. Adds the
 * field's name to `wrapped` when one of its ranges wraps around.
 */
function parseField(def: FieldDef, text: string, fail: Fail, wrapped: string[]): number[] {
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
    for (const v of parseItem(def, item, fail, wrapped)) seen.add(v);
  }
  return [...seen].sort((a, b) => a - b);
}

function parseItem(def: FieldDef, item: string, fail: Fail, wrapped: string[]): number[] {
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
    if (lo > hi && !def.wraps) {
      fail(
        `the range "${rangeText}" runs backwards, and years do not wrap around: write the earlier year first ("${dash[1]}-${dash[0]}")`,
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
  // A range that wraps around (20-2) runs on past the field's end and back to its start; a step counts on across it.
  const span = def.max - def.min + 1;
  const end = lo <= hi ? hi : hi + span;
  if (lo > hi && !wrapped.includes(def.name)) wrapped.push(def.name);
  const out: number[] = [];
  for (let v = lo; v <= end; v += step) out.push(((v - def.min) % span) + def.min);
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

function parseDayOfMonth(text: string, fail: Fail, wrapped: string[]): DayOfMonthRule {
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
  return { kind: 'days', days: parseField(FIELDS.dayOfMonth, upper, fail, wrapped) };
}

function parseDayOfWeek(text: string, fail: Fail, wrapped: string[]): DayOfWeekRule {
  const upper = text.toUpperCase();
  if (upper === '?') return { kind: 'any' };
  if (upper === 'L') return { kind: 'days', days: [7] };
  if (upper.includes('/')) {
    fail('AWS does not allow "/" in day-of-week (only , - * ? L #); list the days instead (e.g. "2,4,6")');
  }
  const bare = upper.replace(/SUN|MON|TUE|WED|THU|FRI|SAT/g, '');
  if (bare.includes('W')) fail('"W" is only allowed in day-of-month (e.g. "15W")');
  // A day before "#" or "L" may be a number or a name (3#2 = TUE#2, 6L = FRIL), as in Quartz.
  if (upper.includes('#')) {
    if (upper.includes(',')) fail('a "#" day-of-week must be the only expression in the field (AWS refuses "3#1,6#3")');
    const m = new RegExp(`^${DAY_TOKEN}#(\\d+)$`).exec(upper);
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
    const m = new RegExp(`^${DAY_TOKEN}L$`).exec(upper);
    if (!m) fail('"L" must stand alone in day-of-week: "L" (Saturday) or "5L" (the last Thursday of the month)');
    return { kind: 'lastOfMonth', day: parseValue(FIELDS.dayOfWeek, m![1], fail) };
  }
  return { kind: 'days', days: parseField(FIELDS.dayOfWeek, upper, fail, wrapped) };
}

/** Refuses day/month/year combinations that never occur (e.g. 30 February), which AWS would accept and never run. */
function checkSomeDayMatches(spec: CronSpec, fail: Fail): void {
  const [, , domF, monF, dowF, yearF] = spec.fields;
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
