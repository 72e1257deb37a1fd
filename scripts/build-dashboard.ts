/**
 * `npm run build:dashboard`: rebuilds the dashboard page's shipped bundle, cli/dashboard/assets/app.js, from
 * cli/dashboard/web/app.ts (tooling/dashboard-bundle.ts). Commit the result: users run the shipped bundle, and a
 * test fails while it differs from its sources.
 */
import { DASHBOARD_BUNDLE, writeDashboardBundle } from '../tooling/dashboard-bundle';
import { ROOT } from '../tooling/paths';

writeDashboardBundle().then(
  (changed) => console.log(`${DASHBOARD_BUNDLE.slice(ROOT.length + 1)} ${changed ? 'rebuilt' : 'is up to date'}`),
  (e: Error) => {
    console.error(`build:dashboard failed: ${e.message}`);
    process.exit(1);
  },
);
