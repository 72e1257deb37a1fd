/** A scheduled task registered in the Runs ledger is listed as a job of its stack, without a run-now the page cannot do. */

import { stackJob } from '../../../cli/dashboard/data';
import type { Registration } from '../../../functions/common/runs/ledger';
import { createMemoryStore } from '../../../tooling/simulator/memory-store';

const base: Registration = {
  pk: 'JOBS',
  sk: 'cloud-cron-nightly-export',
  kind: 'job',
  v: 1,
  job: 'cloud-cron-nightly-export',
  stackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/nightly-export/1',
  stackName: 'nightly-export',
  scheduleArn: 'arn:aws:scheduler:us-east-1:123456789012:schedule/default/nightly-export',
  expression: 'cron(0 2 * * ? *)',
  timezone: 'Europe/Paris',
  state: 'ENABLED',
  flexibleWindowMinutes: 0,
  timeoutSeconds: 90 * 60 + 180,
  maximumRetryAttempts: 0,
  missedRunGraceMinutes: 5,
  scheduleContext: true,
  scheduleModifiedAt: '2030-01-05T10:00:00.000Z',
  since: '2030-01-05T10:00:05.000Z',
  registeredAt: '2030-01-05T10:00:05.000Z',
} as Registration;

test('a task job: its schedule and next runs, named as a task, run now left to cloud-cron run', async () => {
  const task: Registration = {
    ...base,
    runner: 'ecs',
    task: {
      clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/c',
      taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/cloud-cron-nightly-export:3',
      containerName: 'job',
      monitorFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:nightly-export-monitor',
    },
  };
  const { job } = await stackJob(createMemoryStore(), task, new Date('2030-01-09T12:00:00.000Z'));
  expect(job.origin).toBe('nightly-export (scheduled task on ECS)');
  expect(job.actions.runNow).toBe(false);
  // 02:00 in Paris (UTC+1 in January) is 01:00 UTC.
  expect(job.nextRuns[0]).toBe('2030-01-10T01:00:00.000Z');
});

test('a Lambda job of the same stack keeps its run now', async () => {
  const lambda: Registration = { ...base, functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:job-fn' };
  const { job } = await stackJob(createMemoryStore(), lambda, new Date('2030-01-09T12:00:00.000Z'));
  expect(job.origin).toBe('nightly-export');
  expect(job.actions.runNow).toBe(true);
});
