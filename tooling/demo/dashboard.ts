/**
 * `npm start -- --dashboard`'s last step: a local Jobs registry beside the demo's Runs app and `cloud-cron
 * dashboard`'s server over both, on the demo's emulator (tooling/dashboard-demo.ts). Run now of the demo job goes
 * through the demo's simulator; registry jobs publish to the parent's reports topic.
 */
import { startDashboardDemo } from '../dashboard-demo';
import { type DemoContext, need } from './context';
import type { Step } from './steps';

export const dashboardStep: Step<DemoContext> = {
  id: 'dashboard',
  title: 'serve the dashboard over the Runs ledger and a local Jobs registry',
  async run(ctx) {
    const aws = need(ctx, 'aws');
    const runs = need(ctx, 'runs');
    const deployed = need(ctx, 'deployed');
    const runNow = runs.runNow;
    if (!runNow) throw new Error('the job step kept no way to run the job again');
    const reports = deployed.topics.find((t) => t.variable === 'REPORTS' && !t.failures);
    const option = ctx.options.dashboard;
    const port = typeof option === 'object' ? option.port : undefined;
    const d = await startDashboardDemo({
      client: aws.client,
      runsTable: runs.tableName,
      runStackJob: runNow,
      ...(reports ? { topicArn: reports.arn } : {}),
      ...(port !== undefined ? { port } : {}),
    });
    ctx.cleanups.push(() => d.stop());
    ctx.dashboard = { url: d.url, jobsTable: d.jobsTable };
    return [
      `dashboard: ${d.url}`,
      `registry: jobs table ${d.jobsTable} with two example jobs (one paused)`,
      `  the same, from the command: AWS_ENDPOINT_URL=${aws.endpoint} npx cloud-cron dashboard --runs-table ${runs.tableName} --jobs-table ${d.jobsTable}`,
    ];
  },
};
