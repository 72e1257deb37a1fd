/**
 * `npm start`: the library (tooling/demo, `start(options) -> result`) end to end against moto_server, the macro, the
 * example job and the channel bundles, asserted on its typed result; its option checks, made before any process
 * starts; and the command as a newcomer runs it, in a fresh process.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkOptions, StartOptionsError, type StartResult, start } from '../../../tooling/demo';
import { ROOT, tempDir } from '../../../tooling/paths';

const TSX = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const { AWS_ENDPOINT_URL: _a, TWILIO_API_BASE_URL: _t, ...cleanEnv } = process.env;

describe('start() with the defaults', () => {
  let out: string;
  let result: StartResult;
  let envBefore: NodeJS.ProcessEnv;
  const started: string[] = [];

  beforeAll(async () => {
    out = tempDir();
    // An earlier run's files are replaced; anything else in the folder stays.
    writeFileSync(join(out, 'email-7.html'), 'stale');
    writeFileSync(join(out, 'notes.txt'), 'mine');
    envBefore = { ...process.env };
    result = await start({ outDir: out }, { reporter: { started: (_i, _n, title) => started.push(title) } });
  }, 90_000);

  test('runs every step, in order, and leaves process.env as it was', () => {
    expect(result.steps.map((s) => [s.id, s.ok])).toEqual(
      ['build', 'aws', 'stand-ins', 'resources', 'macro', 'job', 'deliver', 'show'].map((id) => [id, true]),
    );
    expect(started).toHaveLength(8);
    expect(process.env).toEqual(envBefore);
    expect(result.aws.started).toBe(true);
    expect(result.twilio.standIn).toBe(true);
  });

  test('the macro gave the job one variable per topic of the example parent', () => {
    expect(result.topics).toEqual({
      REPORTS: 'arn:aws:sns:us-east-1:123456789012:cloud-cron-demo-reports',
      ALERTS: 'arn:aws:sns:us-east-1:123456789012:cloud-cron-demo-alerts',
    });
    expect(result.job.environment).toMatchObject(result.topics);
    expect(result.schedule).toMatchObject({ expression: 'cron(0 8 ? * MON-FRI *)', timezone: 'Europe/Paris' });
    expect(result.schedule.nextRuns).toHaveLength(3);
  });

  test('the job published a report and an alert; each reached its channel through its filter policy', () => {
    expect(result.job.result?.severity).toBe('critical');
    expect(result.published.map((p) => [p.topic, p.attributes.type, p.attributes.severity]).sort()).toEqual([
      ['ALERTS', 'alert', 'critical'],
      ['REPORTS', 'report', 'critical'],
    ]);
    expect(
      result.deliveries
        .map((d) => [d.topic, d.subscription, d.channel, d.delivered])
        .sort((a, b) => `${a[0]}${a[1]}`.localeCompare(`${b[0]}${b[1]}`)),
    ).toEqual([
      ['ALERTS', 'AlertSlack', 'webhook', true],
      ['ALERTS', 'AlertSms', 'sms', true],
      ['REPORTS', 'ReportEmail', 'email', true],
    ]);
  });

  test('one email and one text per recipient were sent, as the example parent configures the channels', () => {
    expect(result.emails).toHaveLength(1);
    expect(result.emails[0]).toMatchObject({ from: 'cron@example.com', to: ['ops@example.com', 'team@example.com'] });
    expect(result.emails[0].html).toMatch(/checkout/);
    expect(result.texts.map((t) => [t.to, t.from])).toEqual([
      ['+15005550006', '+15005550006'],
      ['+14155550100', '+15005550006'],
    ]);
    expect(result.texts[0].body).toMatch(/^\[CRITICAL\] storefront-health: .* - DOWN checkout/);
  });

  test('the run went through the asynchronous path into the Runs ledger: one run, succeeded, no alert', () => {
    expect(result.runs.registration).toBe('SUCCESS');
    expect(result.runs.invocations).toEqual([
      expect.objectContaining({ job: 'cloud-cron-example-job', outcome: 'succeeded', attempts: 1 }),
    ]);
    expect(result.runs.entries).toEqual([
      expect.objectContaining({ kind: 'run', status: 'succeeded', requestId: result.runs.invocations[0].requestId }),
    ]);
    expect(result.runs.table.split('\n')[0]).toMatch(
      /^WHEN\s+STATUS\s+SCHEDULED\s+ATTEMPTS\s+DURATION\s+REQUEST\s+ERROR$/,
    );
    expect(result.runs.alerts).toEqual([]);
    expect(result.failureTopic).toBe('arn:aws:sns:us-east-1:123456789012:cloud-cron-demo-operations');
    expect(result.published.filter((p) => p.topicArn === result.failureTopic)).toEqual([]);
  });

  test('the alert was posted to Slack as a valid Block Kit message', () => {
    expect(result.posts).toHaveLength(1);
    expect(result.posts[0]).toMatchObject({ preset: 'slack', valid: true, violations: [] });
    expect(JSON.stringify(result.posts[0].body)).toContain('"type":"header"');
    expect(readFileSync(join(out, 'slack-1.json'), 'utf8')).toContain('"type": "header"');
  });

  test("writes the emails, texts, summary and result.json; removes an earlier run's files only", () => {
    expect(readFileSync(join(out, 'email-1.html'), 'utf8')).toBe(result.emails[0].html);
    expect(readFileSync(join(out, 'email-1.txt'), 'utf8')).toBe(result.emails[0].text);
    expect(readFileSync(join(out, 'summary.txt'), 'utf8')).toContain('EMAIL 1: from cron@example.com');
    expect(JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'))).toMatchObject({
      topics: result.topics,
      emails: [{ subject: result.emails[0].subject }],
    });
    expect(existsSync(join(out, 'email-7.html'))).toBe(false);
    expect(readFileSync(join(out, 'notes.txt'), 'utf8')).toBe('mine');
    for (const f of result.files) expect(existsSync(f)).toBe(true);
  });
});

test('start() says which subscription dropped a message and why', async () => {
  const out = tempDir();
  const payload = join(out, 'payload.json');
  // One endpoint, down but not critical: the run's severity is "warning"; the SMS channel texts critical ones only.
  writeFileSync(
    payload,
    JSON.stringify({
      job: 'side-check',
      timeoutMs: 1000,
      endpoints: [{ name: 'docs', url: 'http://127.0.0.1:9/', critical: false }],
    }),
  );
  const result = await start({ outDir: out, payload });
  expect(result.payload.value).toMatchObject({ job: 'side-check' });
  const dropped = result.deliveries.filter((d) => !d.delivered);
  expect(dropped).toEqual([
    expect.objectContaining({
      topic: 'ALERTS',
      subscription: 'AlertSms',
      channel: 'sms',
      filterPolicy: '{"severity":["critical"]}',
      reason: 'attribute severity is "warning"; the policy wants "critical"',
    }),
  ]);
  expect(result.texts).toEqual([]);
  expect(result.emails).toHaveLength(1);
  expect(result.summary.join('\n')).toContain(
    'dropped by AlertSms (sms): attribute severity is "warning"; the policy wants "critical"',
  );
}, 90_000);

test('over a window of simulated time: a skipped run is missed, a failed one fails; both alerted to the operators', async () => {
  const out = tempDir();
  // Monday 6 to Wednesday 9 January 2030, 08:00 Europe/Paris on weekdays: three slots, the second never delivered.
  const result = await start({
    outDir: out,
    window: { from: '2030-01-06T00:00:00Z', until: '2030-01-09T12:00:00Z' },
    skipRun: 2,
    failRun: 3,
    watchdogMinutes: 30,
  });
  expect(result.runs.invocations.map((i) => [i.slot, i.outcome, i.attempts])).toEqual([
    ['2030-01-07T07:00:00.000Z', 'succeeded', 1],
    // The example parent gives the job MaximumRetryAttempts 1: two attempts.
    ['2030-01-09T07:00:00.000Z', 'failed', 2],
  ]);
  // Without ScheduleContext a run does not know its slot: the ledger has when it ended; a missed slot has its time.
  expect(
    result.runs.entries.map((e) => [e.status, e.kind === 'missed' ? e.scheduledTime : e.endedAt.slice(0, 10)]),
  ).toEqual([
    ['failed', '2030-01-09'],
    ['missed', '2030-01-08T07:00:00.000Z'],
    ['succeeded', '2030-01-07'],
  ]);
  expect(result.runs.table.split('\n')[1]).toMatch(/failed\s.*Error: simulated failure of run 3/);
  expect(result.runs.missed).toEqual([{ scheduledTime: '2030-01-08T07:00:00.000Z' }]);
  expect(result.runs.alerts.map((a) => a.kind).sort()).toEqual(['failed', 'missed']);
  // Each alert went through the failure topic to the operators' email and both SMS numbers.
  const subjects = result.emails.map((e) => e.subject);
  expect(subjects).toEqual(
    expect.arrayContaining([
      'Cloud Cron: cloud-cron-example-job did not run at 2030-01-08 08:00 Europe/Paris',
      expect.stringMatching(/^Cloud Cron: cloud-cron-example-job failed/),
    ]),
  );
  const operatorTexts = result.texts.filter((t) => t.body.startsWith('Cloud Cron: cloud-cron-example-job'));
  expect(operatorTexts).toHaveLength(4);
  expect(result.deliveries.filter((d) => d.topic === 'FAILURES').map((d) => [d.subscription, d.delivered])).toEqual(
    expect.arrayContaining([
      ['OperatorsEmail', true],
      ['OperatorsSms', true],
    ]),
  );
  expect(readFileSync(join(out, 'summary.txt'), 'utf8')).toMatch(/RUNS of cloud-cron-example-job/);
}, 120_000);

describe('options are checked before anything starts, naming the flag or file at fault', () => {
  const dir = tempDir();
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  test.each([
    [
      { schedule: 'cron(0 8 * * MON *)' },
      '--schedule',
      /^--schedule: schedule expression "cron\(0 8 \* \* MON \*\)": .*exactly one of them must be "\?"/,
    ],
    [{ schedule: 'every day' }, '--schedule', /^--schedule: the job's ScheduleExpression does not match/],
    [{ timezone: 'Mars/Olympus' }, '--tz', /^--tz "Mars\/Olympus": /],
    [{ payload: join(dir, 'missing.json') }, '--payload', /missing\.json: no such file$/],
    [{ payload: file('bad.json', '{"job":') }, '--payload', /bad\.json is not JSON: /],
    [
      { payload: file('big.json', JSON.stringify({ job: 'x'.repeat(5000) })) },
      '--payload',
      /big\.json: the job's SchedulePayload is 5010 characters, longer than the maximum 4096/,
    ],
    [{ outDir: file('a-file', '') }, '--out', /a-file is a file, not a folder$/],
    [{ skipRun: 2 }, '--skip-run', /^--fail-run, --skip-run and --watchdog-minutes need a window/],
    [
      { window: { from: '2030-01-06', until: '2030-01-07T00:00:00Z' } },
      '--from',
      /^--from "2030-01-06" is not an ISO 8601 date-time/,
    ],
    [{ window: { from: '2030-01-07T00:00:00Z', until: '2030-01-06T00:00:00Z' } }, '--until', /after --from/],
    [{ window: { from: '2030-01-01T00:00:00Z', until: '2030-03-01T00:00:00Z' } }, '--until', /longer than 31 days/],
    [
      { window: { from: '2030-01-01T00:00:00Z', until: '2030-01-02T00:00:00Z' }, failRun: 0 },
      '--fail-run',
      /must be a whole number, 1 or more/,
    ],
  ])('%j is refused (%s)', (options, flag, message) => {
    let error: unknown;
    try {
      checkOptions(options);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StartOptionsError);
    expect((error as StartOptionsError).flag).toBe(flag);
    expect((error as Error).message).toMatch(message);
  });

  test('start() refuses them without running a step', async () => {
    const started: string[] = [];
    await expect(
      start({ schedule: 'rate(0 minutes)' }, { reporter: { started: (_i, _n, t) => started.push(t) } }),
    ).rejects.toBeInstanceOf(StartOptionsError);
    expect(started).toEqual([]);
  });
});

test('npm start, as a newcomer runs it: progress, what was sent, and exit 0', () => {
  const out = tempDir();
  const run = spawnSync(process.execPath, [TSX, 'scripts/start.ts', '--out', out], {
    cwd: ROOT,
    env: cleanEnv,
    encoding: 'utf8',
    timeout: 90_000,
  });
  expect(run.stderr).not.toMatch(/npm start failed/);
  expect(run.status).toBe(0);
  expect(run.stdout).toMatch(/^\[1\/8\] build the functions/);
  expect(run.stdout).toMatch(/\[8\/8\] show what was sent/);
  expect(run.stdout).toMatch(/REPORTS=arn:aws:sns:us-east-1:123456789012:cloud-cron-demo-reports/);
  expect(run.stdout).toMatch(/published alert -> ALERTS, report -> REPORTS/);
  expect(run.stdout).toMatch(/EMAIL 1: from cron@example.com\n\s+to ops@example.com, team@example.com/);
  expect(run.stdout).toMatch(/SMS to \+14155550100 from \+15005550006/);
  expect(run.stdout).toMatch(/SLACK 1 \(incoming webhook stand-in, Block Kit valid\):/);
  expect(run.stdout).toMatch(/done in [\d.]+ s; 1 run\(s\), last result: critical/);
  expect(run.stdout).toMatch(
    /RUNS of cloud-cron-example-job, as `cloud-cron runs cloud-cron-example-job` prints them:\n\s+WHEN\s+STATUS\s+SCHEDULED\s+ATTEMPTS\s+DURATION\s+REQUEST\s+ERROR\n\s+\S+ \S+\s+succeeded\s/,
  );
});

test('npm start with a bad flag value exits 2 before starting anything, naming the flag', () => {
  const run = spawnSync(process.execPath, [TSX, 'scripts/start.ts', '--schedule', 'cron(0 8 * * MON *)'], {
    cwd: ROOT,
    env: cleanEnv,
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(run.status).toBe(2);
  expect(run.stdout).toBe('');
  expect(run.stderr).toMatch(/^npm start: --schedule: schedule expression "cron\(0 8 \* \* MON \*\)"/);
});

test.each([
  [['--skip-run', '2'], /^npm start: --fail-run, --skip-run and --watchdog-minutes need a window/],
  [['--from', '2030-01-06T00:00:00Z'], /^npm start: give --from and --until together/],
  [['--from', 'x', '--until', 'y', '--fail-run', 'two'], /^npm start: --fail-run "two" must be a whole number/],
])('npm start %j exits 2 before starting anything, naming the flag', (argv, message) => {
  const run = spawnSync(process.execPath, [TSX, 'scripts/start.ts', ...argv], {
    cwd: ROOT,
    env: cleanEnv,
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect([run.status, run.stdout]).toEqual([2, '']);
  expect(run.stderr).toMatch(message);
});
