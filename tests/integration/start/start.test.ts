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
  // The run went through the asynchronous path into the Runs ledger, and is shown as `cloud-cron runs` shows it.
  expect(run.stdout).toMatch(/registered with the Runs app \(SUCCESS\)/);
  expect(run.stdout).toMatch(
    /RUNS of cloud-cron-example-job, as `cloud-cron runs cloud-cron-example-job` prints them:\n\s+WHEN\s+STATUS\s+SCHEDULED\s+ATTEMPTS\s+DURATION\s+REQUEST\s+ERROR\n\s+\S+ \S+\s+succeeded\s/,
  );
});

test('npm start over a window: the skipped run is reported missed and alerted by email and SMS, the failed one too', () => {
  const out = tempDir();
  const { AWS_ENDPOINT_URL: _a, TWILIO_API_BASE_URL: _t, ...env } = process.env;
  const run = spawnSync(
    process.execPath,
    [
      join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
      'scripts/start.ts',
      '--out',
      out,
      // Monday 6 to Thursday 9 January 2030 at 08:00 Europe/Paris: three slots, the second never delivered.
      '--from',
      '2030-01-06T00:00:00Z',
      '--until',
      '2030-01-09T12:00:00Z',
      '--skip-run',
      '2',
      '--fail-run',
      '3',
      '--watchdog-minutes',
      '30',
    ],
    { cwd: ROOT, env, encoding: 'utf8', timeout: 120_000 },
  );
  expect(run.stderr).not.toMatch(/npm start failed/);
  expect(run.status).toBe(0);
  expect(run.stdout).toMatch(/2 run\(s\): 1 succeeded, 1 failed, 1 missed/);
  const table = run.stdout.slice(run.stdout.indexOf('RUNS of cloud-cron-example-job'));
  expect(table.split('\n').slice(2, 5)).toEqual([
    expect.stringMatching(/^\s+2030-01-09 07:03:0\dZ\s+failed\s+-\s+3\s+-\s+\S+\s+Error: simulated failure of run 3/),
    expect.stringMatching(
      /^\s+2030-01-08 07:00:00Z\s+missed\s+2030-01-08 07:00:00Z\s+-\s+-\s+-\s+no run within 11 min$/,
    ),
    expect.stringMatching(/^\s+2030-01-07 07:00:01Z\s+succeeded\s/),
  ]);
  // The missed run and the failed one reached the failure topic and its email and SMS subscribers.
  expect(run.stdout).toMatch(
    /subject: Cloud Cron: cloud-cron-example-job did not run at 2030-01-08 08:00 Europe\/Paris/,
  );
  expect(run.stdout).toMatch(/subject: Cloud Cron: cloud-cron-example-job failed/);
  const texts = run.stdout
    .split('\n')
    .filter((l) => /^\s+\| Cloud Cron: cloud-cron-example-job did not run at/.test(l));
  expect(texts).toHaveLength(2);
});

test('npm start refuses a window option without a window, naming it', () => {
  const run = spawnSync(
    process.execPath,
    [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'scripts/start.ts', '--skip-run', '2'],
    { cwd: ROOT, encoding: 'utf8', timeout: 60_000 },
  );
  expect(run.status).toBe(2);
  expect(run.stderr).toMatch(/--fail-run, --skip-run and --watchdog-minutes need a window/);
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

test('npm start -- --task runs the job as its scheduled task would, and a hung run is reported timed out by email and SMS', () => {
  const out = tempDir();
  const { AWS_ENDPOINT_URL: _a, TWILIO_API_BASE_URL: _t, ...env } = process.env;
  const run = spawnSync(
    process.execPath,
    [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'scripts/start.ts', '--task', '--out', out],
    { cwd: ROOT, env, encoding: 'utf8', timeout: 120_000 },
  );
  expect(run.stderr).not.toMatch(/npm start failed/);
  expect(run.status).toBe(0);
  // The macro gave the task's container one variable per topic; the schedule's override the contract's three.
  expect(run.stdout).toMatch(/container job: REPORTS=arn:aws:sns:us-east-1:123456789012:cloud-cron-demo-reports/);
  expect(run.stdout).toMatch(
    /container environment: ALERTS, CLOUD_CRON_EXECUTION_ID, CLOUD_CRON_PAYLOAD, CLOUD_CRON_SCHEDULED_TIME, REPORTS\n/,
  );
  expect(run.stdout).toMatch(/example job \(examples\/job\/src\/task\.ts\) exited with code 0/);
  expect(run.stdout).toMatch(/registered with the Runs app \(SUCCESS\) as cloud-cron-example-task/);
  expect(run.stdout).toMatch(/task \S+: timed_out, notified to the failure topic\n\s+task \S+: succeeded\n/);
  // What the job published from inside the task went through the channels as the Lambda job's does.
  expect(run.stdout).toMatch(/subject: storefront-health: 1 of 3 endpoints down/);
  // The timed-out run, by email (reason and log link) and by SMS to both numbers.
  expect(run.stdout).toMatch(
    /subject: Cloud Cron: cloud-cron-example-task timed out\n\s+\| The run of cloud-cron-example-task scheduled for \S+ \(task \S+\) timed out: Cloud Cron: timed out after TaskTimeoutMinutes=30, .*Logs: https:\/\/us-east-1\.console\.aws\.amazon\.com\/cloudwatch\//,
  );
  expect(
    run.stdout.split('\n').filter((l) => /^\s+\| Cloud Cron: cloud-cron-example-task timed out$/.test(l)),
  ).toHaveLength(2);
  // Both runs in the Runs ledger, as `cloud-cron runs` prints them.
  const table = run.stdout.slice(run.stdout.indexOf('RUNS of cloud-cron-example-task'));
  expect(
    table
      .split('\n')
      .slice(2, 4)
      .map((l) => l.trim().split(/\s+/)[2])
      .sort(),
  ).toEqual(['succeeded', 'timed_out']);
});

test('npm start refuses --task with a window, naming what to leave out', () => {
  const run = spawnSync(
    process.execPath,
    [
      join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
      'scripts/start.ts',
      '--task',
      '--from',
      '2030-01-06T00:00:00Z',
      '--until',
      '2030-01-07T00:00:00Z',
    ],
    { cwd: ROOT, encoding: 'utf8', timeout: 60_000 },
  );
  expect(run.status).toBe(2);
  expect(run.stderr).toMatch(/--task runs the task once, now: leave out --from, --until, --fail-run and --skip-run/);
});
