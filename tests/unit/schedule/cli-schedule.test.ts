import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pastMidnightNote, run } from '../../../cli/schedule';
import { validateSchedule } from '../../../functions/common/schedule';
import { ROOT } from '../../../tooling/paths';

type Result = { code: number; out: string; err: string };

async function cli(...argv: string[]): Promise<Result> {
  const out: string[] = [];
  const err: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const error = jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  try {
    const code = await run(argv);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

function macroMessage(expression: string, timezone?: string): string {
  try {
    validateSchedule(expression, timezone);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error(`expected ${expression} to be refused`);
}

describe('cloud-cron schedule', () => {
  test('prints the next runs in the zone with their UTC instants', async () => {
    const r = await cli(
      'cron(0 9 ? * MON-FRI *)',
      '--tz',
      'Europe/Paris',
      '--count',
      '3',
      '--from',
      '2025-01-03T00:00:00Z',
    );
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out.split('\n')).toEqual([
      'valid: cron(0 9 ? * MON-FRI *) (time zone Europe/Paris)',
      'in words: at 09:00 on weekdays',
      'next 3 run(s):',
      '  Fri 2025-01-03 09:00 Europe/Paris  (2025-01-03T08:00:00Z)',
      '  Mon 2025-01-06 09:00 Europe/Paris  (2025-01-06T08:00:00Z)',
      '  Tue 2025-01-07 09:00 Europe/Paris  (2025-01-07T08:00:00Z)',
    ]);
  });

  test('defaults to UTC and 5 runs; accepts --opt=value', async () => {
    const r = await cli('cron(0 12 * * ? *)', '--from=2025-01-01T00:00:00Z');
    expect(r.code).toBe(0);
    const runs = r.out.split('\n').filter((l) => l.startsWith('  '));
    expect(runs).toHaveLength(5);
    expect(runs[0]).toBe('  Wed 2025-01-01 12:00 UTC  (2025-01-01T12:00:00Z)');
    const two = await cli('rate(1 hour)', '--count=2', '--tz=Asia/Kolkata', '--from=2025-01-01T00:00:00Z');
    expect(two.out).toContain('a rate schedule starts at its StartDate, or when it is created');
    expect(two.out).toContain('  Wed 2025-01-01 06:30 Asia/Kolkata  (2025-01-01T01:00:00Z)');
  });

  test('shows the DST skip in America/New_York', async () => {
    const r = await cli(
      'cron(30 2 * * ? *)',
      '--tz',
      'America/New_York',
      '--count',
      '2',
      '--from',
      '2024-03-09T12:00:00Z',
    );
    expect(r.out).toContain('Mon 2024-03-11 02:30 America/New_York');
    expect(r.out).not.toContain('2024-03-10');
  });

  test('says when fewer runs remain, or none', async () => {
    const few = await cli('cron(0 0 1 1 ? 2026-2027)', '--from', '2025-06-01T00:00:00Z');
    expect(few.code).toBe(0);
    expect(few.out).toContain('only 2 run(s) left:');
    const once = await cli('at(2030-01-01T10:00:00)', '--tz', 'Europe/Paris', '--from', '2025-06-01T00:00:00Z');
    expect(once.out).toContain('runs once:\n  Tue 2030-01-01 10:00 Europe/Paris  (2030-01-01T09:00:00Z)');
    const none = await cli('at(2020-01-01T10:00:00)', '--from', '2025-06-01T00:00:00Z');
    expect(none.code).toBe(0);
    expect(none.out).toContain('no run after Sun 2025-06-01 00:00 UTC');
  });

  test("AWS's wrap-around example: a note on the hours past midnight, and no run on the weekend", async () => {
    const r = await cli(
      'cron(0/30 20-2 ? * MON-FRI *)',
      '--tz',
      'Europe/Paris',
      '--count',
      '10',
      '--from',
      '2026-12-04T21:00:00Z', // Fri 22:00 in Paris
    );
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[2]).toBe(
      'note: hours "20-2" run past midnight, and AWS matches each run field by field on the day it falls on: a run after midnight happens only if that day matches day-of-week "MON-FRI" too, not because the day before did',
    );
    expect(lines.slice(4, 8)).toEqual([
      '  Fri 2026-12-04 22:30 Europe/Paris  (2026-12-04T21:30:00Z)',
      '  Fri 2026-12-04 23:00 Europe/Paris  (2026-12-04T22:00:00Z)',
      '  Fri 2026-12-04 23:30 Europe/Paris  (2026-12-04T22:30:00Z)',
      '  Mon 2026-12-07 00:00 Europe/Paris  (2026-12-06T23:00:00Z)',
    ]);
    expect(r.out).not.toMatch(/ (Sat|Sun) /);
  });

  test.each([
    ['cron(0/30 20-2 ? * MON-FRI *)', 'day-of-week "MON-FRI"'],
    ['cron(0 22-1,9 1,15 * ? *)', 'day-of-month "1,15"'],
    ['cron(0 20-2 * * ? *)', undefined], // every day: nothing to explain
    ['cron(0 20-2 ? * * *)', undefined],
    ['cron(0 8-17 ? * MON-FRI *)', undefined], // no wrap
    ['rate(5 minutes)', undefined],
  ])('pastMidnightNote(%s) names %s', (expression, days) => {
    const note = pastMidnightNote(expression);
    if (days === undefined) expect(note).toBeUndefined();
    else expect(note).toContain(`only if that day matches ${days} too`);
  });

  test('a cron whose years are all past: valid, "no run after" the time asked, exit 0', async () => {
    const r = await cli('cron(0 0 1 1 ? 2020-2021)', '--tz', 'Europe/Paris', '--from', '2025-06-01T12:00:00Z');
    expect(r.code).toBe(0);
    expect(r.out).toContain('no run after Sun 2025-06-01 14:00 Europe/Paris');
  });

  test.each([
    ['cron(0 12 * * * *)', undefined],
    ['rate(0 minutes)', undefined],
    ['at(2025-02-29T10:00:00)', undefined],
    ['rate(5 minutes)', 'Europe/Pariss'],
  ])('refuses %s (tz %s) with exactly the macro message, exit 1', async (expression, tz) => {
    const r = await cli(expression, ...(tz ? ['--tz', tz] : []));
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toBe(macroMessage(expression, tz ?? 'UTC'));
  });

  test.each([
    [[], 'give the schedule expression'],
    [['cron(0', '12', '*', '*', '?', '*)'], 'give the expression as one argument, in quotes (got 6 arguments)'],
    [['rate(5 minutes)', '--count', '0'], '--count "0" must be a whole number from 1 to 1000'],
    [['rate(5 minutes)', '--count', 'many'], '--count "many" must be a whole number'],
    [['rate(5 minutes)', '--from', 'yesterday'], '--from "yesterday" is not a date-time'],
    [['rate(5 minutes)', '--zone', 'UTC'], 'unknown option --zone'],
    [['rate(5 minutes)', '--tz'], '--tz needs a value'],
  ])('usage error %j exits 2', async (argv, message) => {
    const r = await cli(...argv);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`cloud-cron schedule: ${message}`);
    expect(r.err).toContain('usage: cloud-cron schedule');
  });

  test('--help prints the usage on stdout and exits 0', async () => {
    const r = await cli('--help');
    expect(r.code).toBe(0);
    expect(r.out).toContain('usage: cloud-cron schedule');
  });

  test('works as `node bin/cloud-cron.js schedule ...`', () => {
    const bin = join(ROOT, 'bin', 'cloud-cron.js');
    const ok = spawnSync(
      process.execPath,
      [
        bin,
        'schedule',
        'cron(0 8 ? * 3#2 *)',
        '--tz',
        'Europe/Berlin',
        '--count',
        '2',
        '--from',
        '2025-01-01T00:00:00Z',
      ],
      { cwd: ROOT, encoding: 'utf8', timeout: 30_000 },
    );
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('  Tue 2025-01-14 08:00 Europe/Berlin  (2025-01-14T07:00:00Z)');
    expect(ok.stdout).toContain('  Tue 2025-02-11 08:00 Europe/Berlin  (2025-02-11T07:00:00Z)');
    expect(ok.stdout).toContain('in words: at 08:00 on the second Tuesday of the month');
    expect(ok.stdout).toContain('it means "TUE#2"');
    const bad = spawnSync(process.execPath, [bin, 'schedule', 'cron(0 0 ? * 3#1,6#3 *)'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(bad.status).toBe(1);
    expect(bad.stderr.trim()).toBe(macroMessage('cron(0 0 ? * 3#1,6#3 *)'));
  });
});
