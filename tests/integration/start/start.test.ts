/**
 * `npm start` end to end, as a newcomer runs it: a fresh process, moto_server, the macro, the example job,
 * the email, SMS and webhook bundles; it must print what was sent and stop every process it started.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, tempDir } from '../../../tooling/paths';

test('npm start runs the whole chain and prints what was sent by email, SMS and Slack', () => {
  const out = tempDir();
  const { AWS_ENDPOINT_URL: _a, TWILIO_API_BASE_URL: _t, ...env } = process.env;
  const run = spawnSync(
    process.execPath,
    [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'scripts/start.ts', '--out', out],
    {
      cwd: ROOT,
      env,
      encoding: 'utf8',
      timeout: 90_000,
    },
  );
  expect(run.stderr).not.toMatch(/npm start failed/);
  expect(run.status).toBe(0);
  expect(run.stdout).toMatch(/\[8\/8\] show what was sent/);
  // The macro gave the job one variable per topic; the job published a report and an alert.
  expect(run.stdout).toMatch(/REPORTS=arn:aws:sns:us-east-1:123456789012:cloud-cron-demo-reports/);
  expect(run.stdout).toMatch(/published alert -> ALERTS, report -> REPORTS/);
  // The report went by email (filter type=report), the critical alert by SMS to both numbers.
  expect(run.stdout).toMatch(/EMAIL 1: from Cloud Cron <cron@example.com>\n\s+to ops@example.com, team@example.com/);
  expect(run.stdout).toMatch(/SMS to \+15005550006 from \+15005550006/);
  expect(run.stdout).toMatch(/SMS to \+14155550100 from \+15005550006/);
  expect(run.stdout).not.toMatch(/EMAIL 2:/);
  // The alert was posted to the Slack stand-in, as a valid Block Kit message.
  expect(run.stdout).toMatch(/SLACK 1 \(incoming webhook stand-in, Block Kit valid\):/);
  expect(readFileSync(join(out, 'slack-1.json'), 'utf8')).toContain('"type": "header"');
  const html = readFileSync(join(out, 'email-1.html'), 'utf8');
  expect(html).toMatch(/checkout/);
  expect(existsSync(join(out, 'email-1.txt'))).toBe(true);
  expect(readFileSync(join(out, 'summary.txt'), 'utf8')).toContain('EMAIL 1');
});

test('npm start refuses a bad schedule with the macro message and a non-zero exit', () => {
  const run = spawnSync(
    process.execPath,
    [
      join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
      'scripts/start.ts',
      '--out',
      tempDir(),
      '--schedule',
      'cron(0 8 * * MON *)',
    ],
    { cwd: ROOT, encoding: 'utf8', timeout: 90_000 },
  );
  expect(run.status).toBe(1);
  expect(run.stderr).toMatch(
    /the macro refused the template: JobFunction event Schedule: schedule expression "cron\(0 8 \* \* MON \*\)"/,
  );
});
