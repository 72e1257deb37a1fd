/** How run times are shown: the wall-clock time in the schedule's zone, with the weekday so a day-of-week is visible. */
import { DAY_NAMES, MINUTE, pad2 } from './calendar';
import { offsetMs } from './zones';

const WEEKDAYS = DAY_NAMES.map((d) => d[0] + d.slice(1).toLowerCase());

/** `2024-03-10T03:00:00-04:00`: the instant's wall-clock time in `timezone`, with its UTC offset. */
export function formatInZone(date: Date, timezone: string): string {
  const t = Math.floor(date.getTime() / 1000) * 1000;
  const offset = offsetMs(timezone, t);
  const local = new Date(t + offset).toISOString().slice(0, 19);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset) / MINUTE;
  return `${local}${sign}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`;
}

/**
 * `Mon 2026-12-07 08:00 Europe/Paris`: weekday, date and time in `timezone` (seconds only when not zero), then the
 * zone, so `cron(0 8 ? * 1-5 *)` visibly runs Sunday to Thursday.
 */
export function formatRun(date: Date, timezone: string): string {
  const t = Math.floor(date.getTime() / 1000) * 1000;
  const local = new Date(t + offsetMs(timezone, t));
  const iso = local.toISOString();
  const time = iso.slice(17, 19) === '00' ? iso.slice(11, 16) : iso.slice(11, 19);
  return `${WEEKDAYS[local.getUTCDay()]} ${iso.slice(0, 10)} ${time} ${timezone}`;
}
