/**
 * `npm start -- --jobs examples/jobs --from --until` end to end, in a fresh process as a newcomer runs it:
 * moto_server, the parent's topics and channels, the Jobs app with the example job files applied and fired over
 * four simulated days, and what the SNS jobs published delivered through the channels' filter policies. The
 * one-shot, maxRuns, overlap skip and the attribute-routed email must all be visible in what it prints.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, tempDir } from '../../../tooling/paths';

const tsx = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const { AWS_ENDPOINT_URL: _a, TWILIO_API_BASE_URL: _t, ...env } = process.env;
const start = (args: string[]) =>
  spawnSync(process.execPath, [tsx, 'scripts/start.ts', ...args], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
    timeout: 300_000,
  });

test('npm start -- --jobs fires the example jobs: one-shot, maxRuns, overlap skip, an SNS job routed to email', () => {
  const out = tempDir();
  const run = start([
    '--jobs',
    'examples/jobs',
    '--from',
    '2030-01-06T00:00:00Z',
    '--until',
    '2030-01-10T00:00:00Z',
    '--out',
    out,
  ]);
  expect(run.stderr).not.toMatch(/npm start failed/);
  expect(run.status).toBe(0);
  const text = run.stdout;
  expect(text).toMatch(/6 created, 0 updated, 0 unchanged/);
  expect(text).toMatch(/6 schedule\(s\) created in group cloud-cron-demo-jobs/);
  // One-shot: one fire, then its schedule deleted itself and the job is finished.
  expect(text).toMatch(/launch-announcement\s+1 fire\(s\): 1 dispatched; finished \(once\), schedule deleted/);
  // maxRuns 3: three fires over four days, then the dispatcher deleted the schedule.
  expect(text).toMatch(/trial-reminders\s+3 fire\(s\): 3 dispatched; finished \(maxRuns\), schedule deleted/);
  expect(text).toMatch(/trial-reminders\s+FINISHED\s+.*3\/3/);
  // overlap skip: the slot that came while the first, long run held the lease.
  expect(text).toMatch(
    /inventory-sync\s+18 fire\(s\): 17 succeeded, 1 skipped; skipped 2030-01-07T07:10:00Z: overlap skip: .*holds the lease/,
  );
  // The SNS job with type=report, severity=warning went to the email channel and was sent; the info ones were not.
  expect(text).toMatch(/REPORTS message \w+ -> ReportEmail \(email\)/);
  expect(text).toMatch(
    /EMAIL 1: from cron@example.com\n\s+to ops@example.com, team@example.com\n\s+subject: Weekly digest: 1 endpoint slow/,
  );
  expect(text).not.toMatch(/EMAIL 2:/);
  expect(text).toMatch(/NOT SENT: REPORTS message .* dropped by ReportEmail \(email\): attribute severity is "info"/);
  expect(readFileSync(join(out, 'email-1.html'), 'utf8')).toMatch(/search\.example\.com/);
  expect(readFileSync(join(out, 'summary.txt'), 'utf8')).toContain('JOBS APP (--jobs):');
  const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
  expect(result.jobs.schedules).toEqual(['heartbeat', 'inventory-sync', 'nightly-report', 'weekly-digest']);
});

test('npm start -- --jobs refuses what does not go with it, and a folder that is not there, before anything starts', () => {
  const missing = start(['--jobs', 'no/such/folder']);
  expect(missing.status).toBe(2);
  expect(missing.stderr).toMatch(/--jobs no\/such\/folder: no such folder or file/);
  const mixed = start([
    '--jobs',
    'examples/jobs',
    '--from',
    '2030-01-06T00:00:00Z',
    '--until',
    '2030-01-07T00:00:00Z',
    '--fail-run',
    '2',
  ]);
  expect(mixed.status).toBe(2);
  expect(mixed.stderr).toMatch(/--fail-run is about the example job, which --jobs does not run/);
});
