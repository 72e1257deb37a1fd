/**
 * The dashboard in a real headless browser (Debian's chromium driven by playwright-core) against the demo on moto
 * (`npm start -- --dashboard` as a library: a few days of the example job's runs with one failure and one missed
 * run, and a local Jobs registry). Few, focused checks; every wait is for something on the page, never for time.
 * Screenshots are kept in test-artifacts/dashboard (gitignored).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type Browser, chromium, type Page } from 'playwright-core';
import { createJobsStore, type JobsStore } from '../../../functions/common/jobs/store';
import { validateJobText } from '../../../functions/common/jobs/validate';
import { createLedgerStore, type LedgerStore } from '../../../functions/common/runs/store';
import { formatRun, nextRuns } from '../../../functions/common/schedule';
import { CHROMIUM, CHROMIUM_ARGS } from '../../../tooling/dashboard-demo';
import { type StartResult, start } from '../../../tooling/demo';
import { ROOT, tempDir } from '../../../tooling/paths';

jest.setTimeout(300_000);

const ARTIFACTS = join(ROOT, 'test-artifacts', 'dashboard');
const WAIT = { timeout: 120_000 };
const JOB = 'stack:cloud-cron-example-job';
let demo: { url: string; ledger: LedgerStore; registry: JobsStore; topicArn: string; result: StartResult };
let browser: Browser;
let page: Page;

const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
const row = (key: string) => page.locator(`tr[data-job="${key}"]`);

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  // npm start -- --dashboard, with the demo's default schedule (cron(0 8 ? * MON-FRI *), Europe/Paris).
  const result = await start({ dashboard: true, outDir: tempDir() });
  const ddb = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: result.aws.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  demo = {
    url: result.dashboard!.url,
    ledger: createLedgerStore(ddb, result.runs.tableName),
    registry: createJobsStore(ddb, result.dashboard!.jobsTable),
    topicArn: result.topics.REPORTS,
    result,
  };
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(demo.url);
  await row(JOB).waitFor(WAIT);
});

afterAll(async () => {
  await browser?.close();
  await demo?.result.stop();
});

test('the job list shows every demo job, its schedule in words with its zone and its next runs with the weekday', async () => {
  const stack = row(JOB);
  await expectText(stack.locator('td.schedule'), /at 08:00 on weekdays\s*cron\(0 8 \? \* MON-FRI \*\) · Europe\/Paris/);
  const shown = await stack.locator('td.next li').allTextContents();
  const now = new Date();
  const expected = nextRuns('cron(0 8 ? * MON-FRI *)', 'Europe/Paris', 3, now).map((d) => formatRun(d, 'Europe/Paris'));
  // The page may have loaded just before a slot passed; either way it shows three consecutive weekdays at 08:00.
  expect(shown).toHaveLength(3);
  for (const s of shown) expect(s).toMatch(/^(Mon|Tue|Wed|Thu|Fri) \d{4}-\d\d-\d\d 08:00 Europe\/Paris$/);
  expect(shown).toEqual(expected);
  // The registry jobs: one active (next runs in its own zone), one paused (none).
  await expectText(
    row('registry:weekly-digest').locator('td.next li').first(),
    /^Mon \d{4}-\d\d-\d\d 09:30 America\/New_York$/,
  );
  await expectText(row('registry:cache-warmup').locator('td.schedule'), /every 6 hours[\s\S]*paused/);
  await shot('list');
});

test('the failed and the missed runs are visible in the history strip, the missed count and the detail view', async () => {
  const stack = row(JOB);
  const strip = await stack.locator('ol.strip li').evaluateAll((lis) => lis.map((li) => li.getAttribute('aria-label')));
  expect(strip.filter((l) => /^failed /.test(l ?? ''))).toHaveLength(1);
  expect(strip.filter((l) => /^missed /.test(l ?? ''))).toHaveLength(1);
  expect(strip.find((l) => /^failed /.test(l ?? ''))).toMatch(/simulated failure of run/);
  await expectText(stack.locator('td.missed-cell'), /1 missed/);
  await expectText(stack.locator('td.last'), /succeeded/);
  await stack.getByRole('button', { name: 'details of cloud-cron-example-job' }).click();
  const detail = page.locator('section.detail');
  await detail.waitFor(WAIT);
  await expectText(detail, /Error: simulated failure of run \d+/);
  await expectText(detail, /missed[\s\S]*no run within \d+ min of the slot/);
  await shot('detail');
});

test('run now asks first, then creates a run that the ledger records and the page shows', async () => {
  const before = (await demo.ledger.recentEntries('cloud-cron-example-job', 100)).length;
  await row(JOB).getByRole('button', { name: 'Run now' }).click();
  const dialog = page.getByRole('dialog');
  await expectText(dialog, /Run cloud-cron-example-job now\?[\s\S]*asynchronously/);
  await dialog.getByRole('button', { name: 'Run now' }).click();
  const notice = page.locator('p.notice[role="status"]');
  await expectText(notice, /cloud-cron-example-job: run queued \(([0-9a-f-]{36})\)/);
  const requestId = /\(([0-9a-f-]{36})\)/.exec((await notice.textContent()) ?? '')![1];
  const entries = await demo.ledger.recentEntries('cloud-cron-example-job', 100);
  expect(entries).toHaveLength(before + 1);
  expect(entries.find((e) => e.kind === 'run' && e.requestId === requestId)).toMatchObject({ status: 'succeeded' });
  // The detail view (still open) lists it first.
  await expectText(page.locator('section.detail tbody tr').first(), /succeeded/);
  await shot('run-now');
});

test("the form refuses a bad expression with the validator's own message and accepts a good one", async () => {
  await page.getByRole('button', { name: 'New registry job' }).click();
  const text = page.getByLabel('Job definition (JSON, schemas/job.v1.json)');
  const definition = (expression: string) =>
    JSON.stringify({
      version: 1,
      id: 'nightly-export',
      schedule: { expression, timezone: 'Europe/Paris' },
      target: { type: 'sns', arn: demo.topicArn, message: 'export' },
    });
  const bad = definition('cron(0 2 * * * *)');
  const verdict = validateJobText(bad);
  if (verdict.ok) throw new Error('the bad definition passed the validator');
  await text.fill(bad);
  const problems = page.locator('#verdict ul.problems li');
  await expectText(problems.first(), verdict.errors[0].message);
  expect(await problems.allTextContents()).toEqual(verdict.errors.map((e) => e.message));
  expect(await page.getByRole('button', { name: 'Create job' }).isDisabled()).toBe(true);
  await shot('form-refused');

  await text.fill(definition('cron(0 2 * * ? *)'));
  await expectText(page.locator('#verdict p.ok'), /Valid\. at 02:00 every day \(Europe\/Paris\)/);
  await page.getByRole('button', { name: 'Create job' }).click();
  await expectText(page.locator('#verdict [role="status"]'), /Saved nightly-export \(created\)/);
  await row('registry:nightly-export').waitFor(WAIT);
  await expectText(row('registry:nightly-export').locator('td.next li').first(), /02:00 Europe\/Paris$/);
  const stored = await demo.registry.getJobItem('nightly-export');
  expect(JSON.parse(stored!.definition).schedule.expression).toBe('cron(0 2 * * ? *)');
  await shot('form-saved');
});

async function expectText(locator: ReturnType<Page['locator']>, pattern: RegExp | string) {
  // Waits until the element shows it (the page renders after its fetches), then asserts on the text itself.
  await locator.waitFor(WAIT);
  const matcher = typeof pattern === 'string' ? (t: string) => t.includes(pattern) : (t: string) => pattern.test(t);
  await page.waitForFunction(
    ([el, src, flags, plain]) => {
      // biome-ignore lint/performance/useDomNodeTextContent: the text as a reader sees it (line breaks) is the point
      const t = (el as { innerText?: string } | null)?.innerText ?? '';
      return plain !== null ? t.includes(plain) : new RegExp(src, flags).test(t);
    },
    [
      await locator.elementHandle(),
      typeof pattern === 'string' ? '' : pattern.source,
      typeof pattern === 'string' ? '' : pattern.flags,
      typeof pattern === 'string' ? pattern : null,
    ] as const,
    WAIT,
  );
  // biome-ignore lint/performance/useDomNodeTextContent: as above
  expect(matcher(await locator.innerText())).toBe(true);
}
