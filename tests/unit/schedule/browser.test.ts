/**
 * The schedule module stays pure, for the dashboard's browser bundle: esbuild bundles it for the browser (a Node
 * import fails the build), and the bundle runs in a bare JavaScript context, with Intl but without process, Buffer,
 * require or any Node global, giving the same answers as in Node.
 */
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { buildSync } from 'esbuild';
import { describeSchedule, formatRun, nextRuns } from '../../../functions/common/schedule';
import { ROOT } from '../../../tooling/paths';

const bundle = buildSync({
  entryPoints: [join(ROOT, 'functions', 'common', 'schedule', 'index.ts')],
  bundle: true,
  platform: 'browser',
  format: 'iife',
  globalName: 'CloudCronSchedule',
  target: 'es2022',
  write: false,
  logLevel: 'silent',
}).outputFiles[0].text;

test('the browser bundle names no Node API', () => {
  expect(bundle).not.toMatch(/\brequire\(|\bprocess\.|\bBuffer\b|\bglobal\./);
});

test('the bundle runs in a bare context and answers as in Node', () => {
  const sandbox: Record<string, unknown> = {};
  const answers = runInNewContext(
    `${bundle}
    ;(() => {
      const s = CloudCronSchedule;
      const from = new Date('2026-12-04T11:00:00Z');
      const runs = s.nextRuns('cron(0/30 20-2 ? * MON-FRI *)', 'Europe/Paris', 10, from).map((d) => s.formatRun(d, 'Europe/Paris'));
      const year = [...s.firesBetween('rate(5 minutes)', { anchor: from }, from, new Date('2027-12-04T11:00:00Z'))].length;
      let refused = '';
      try { s.validateSchedule('cron(0 8 * * * *)'); } catch (e) { refused = e.name + ': ' + e.message; }
      return { runs, year, refused, words: s.describeSchedule('cron(0 8 ? * 1-5 *)'), hasProcess: typeof process };
    })()`,
    sandbox,
  ) as { runs: string[]; year: number; refused: string; words: string; hasProcess: string };
  expect(answers.hasProcess).toBe('undefined');
  expect(answers.runs).toEqual(
    nextRuns('cron(0/30 20-2 ? * MON-FRI *)', 'Europe/Paris', 10, new Date('2026-12-04T11:00:00Z')).map((d) =>
      formatRun(d, 'Europe/Paris'),
    ),
  );
  expect(answers.year).toBe(105_120);
  expect(answers.refused).toMatch(/^ScheduleError: schedule expression "cron\(0 8 \* \* \* \*\)"/);
  expect(answers.words).toBe(describeSchedule('cron(0 8 ? * 1-5 *)'));
});
