/**
 * `npm run build:dashboard`: rebuilds the dashboard page's shipped bundle, cli/dashboard/assets/app.js, from
 * cli/dashboard/web/app.ts (tooling/dashboard-bundle.ts). Commit the result: users run the shipped bundle, and a
 * test fails while it differs from its sources.
 */
import { defineCommand, exitWith, runCommand } from '../cli/args';
import { DASHBOARD_BUNDLE, writeDashboardBundle } from '../tooling/dashboard-bundle';
import { ROOT } from '../tooling/paths';

export const command = defineCommand({
  name: 'npm run build:dashboard --',
  summary:
    "Rebuilds the dashboard page's shipped bundle (cli/dashboard/assets/app.js) from cli/dashboard/web/app.ts, when\nits sources changed. Commit the result.",
  flags: {},
  examples: ['npm run build:dashboard'],
});

if (require.main === module) {
  exitWith(
    runCommand(command, process.argv.slice(2), async (_args, { out }) => {
      const changed = await writeDashboardBundle();
      out(`${DASHBOARD_BUNDLE.slice(ROOT.length + 1)} ${changed ? 'rebuilt' : 'is up to date'}`);
      return 0;
    }),
    'npm run build:dashboard',
  );
}
