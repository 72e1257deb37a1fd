/**
 * The dashboard's shipped bundle (cli/dashboard/assets/app.js, committed so users need no build step) is exactly
 * what its sources build to, and it is a browser bundle: no Node API, the shared validator and schedule engine in it.
 */
import { readFileSync } from 'node:fs';
import { buildDashboardBundle, DASHBOARD_BUNDLE } from '../../../tooling/dashboard-bundle';

test('the committed bundle is what cli/dashboard/web/app.ts builds to (else: npm run build:dashboard)', async () => {
  const fresh = await buildDashboardBundle();
  const shipped = readFileSync(DASHBOARD_BUNDLE, 'utf8');
  expect(shipped === fresh).toBe(true);
});

test('the bundle names no Node API and carries the validator and the schedule engine', async () => {
  const bundle = await buildDashboardBundle();
  expect(bundle).not.toMatch(/\brequire\(|\bprocess\.|\bBuffer\b/);
  // Messages only the job validator and the schedule engine produce.
  expect(bundle).toContain('day-of-month and day-of-week are both set; exactly one of them must be');
});
