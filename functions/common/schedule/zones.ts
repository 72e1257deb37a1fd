/**
 * IANA time zones: which names EventBridge Scheduler accepts, and the wall-clock arithmetic of a zone (UTC offsets,
 * the instant of a local time across daylight saving changes). Intl only, so it runs in Node and in a browser.
 */
import { DAY, HOUR } from './calendar';
import { ScheduleError } from './errors';

/** Throws a ScheduleError unless `timezone` is an IANA time zone name EventBridge Scheduler accepts. */
export function validateTimezone(timezone: string): void {
  if (typeof timezone !== 'string' || timezone.trim() === '') {
    throw new ScheduleError(
      'time zone is empty: give an IANA time zone name (e.g. "UTC" or "Europe/Paris"), or leave the time zone out for UTC',
    );
  }
  if (zoneNames().has(timezone)) return;
  throw new ScheduleError(timezoneProblem(timezone));
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

/** Names of UTC itself: their offset is always 0, with no need to load ICU's time zone data. */
const UTC_NAMES = new Set(
  'UTC Etc/UTC UCT Etc/UCT Universal Etc/Universal Zulu Etc/Zulu GMT Etc/GMT GMT0 Etc/GMT0 GMT+0 Etc/GMT+0 GMT-0 Etc/GMT-0 Greenwich Etc/Greenwich'.split(
    ' ',
  ),
);

/** UTC offset of `timezone` at instant `t` (ms), whole seconds. */
export function offsetMs(timezone: string, t: number): number {
  if (UTC_NAMES.has(timezone)) return 0;
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
export function localToInstant(timezone: string, naive: number): number | undefined {
  const before = offsetMs(timezone, naive - DAY);
  const after = offsetMs(timezone, naive + DAY);
  let best: number | undefined;
  for (const o of before === after ? [before] : [before, after]) {
    const t = naive - o;
    if (offsetMs(timezone, t) === o && (best === undefined || t < best)) best = t;
  }
  return best;
}

/**
 * The one UTC offset of the whole wall-clock day that starts at `naiveMidnight`, or undefined when the offset changes
 * that day (or near it), when each time must go through localToInstant.
 */
export function steadyOffset(timezone: string, naiveMidnight: number): number | undefined {
  // Offsets lie within -12 h ... +14 h: these instants are before the day starts and after it ends, wherever it is.
  const before = offsetMs(timezone, naiveMidnight - 14 * HOUR);
  const after = offsetMs(timezone, naiveMidnight + DAY + 12 * HOUR);
  return before === after ? before : undefined;
}

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
export function zoneNames(): Set<string> {
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
