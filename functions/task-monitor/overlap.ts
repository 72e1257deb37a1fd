/**
 * PreventOverlap. The Scheduler's ECS target starts a task on every fire, whatever is running: the monitor sees the
 * new task's first state change (PROVISIONING or PENDING: Fargate is still attaching its network interface or
 * pulling its image, so the job's code has not started) and, when an older task of the job is still meant to run,
 * stops the new one with a stop reason that marks it skipped. Its STOPPED event then records the run as `skipped`.
 *
 * "Older" is by creation time, ties broken by task ARN, so of two tasks starting together exactly one runs. A task
 * whose creation time is unknown counts as newest. A new task that has already reached RUNNING when its event
 * arrives (its PROVISIONING and PENDING events came late) is stopped all the same.
 */
import type { Task } from '@aws-sdk/client-ecs';
import type { MonitorConfig } from './config';
import type { TaskDetail } from './events';
import { skipReason } from './outcome';
import { type Ecs, runningTasks, stopTask } from './tasks';

export type OverlapDeps = {
  config: Pick<MonitorConfig, 'clusterArn' | 'family'>;
  ecs: Ecs;
  log: { info(m: string, e?: Record<string, unknown>): void };
};

export type OverlapOutcome =
  | { outcome: 'started'; taskArn: string }
  | { outcome: 'skipped'; taskArn: string; runningTaskArn: string }
  | { outcome: 'ignored'; taskArn: string; reason: string };

type Key = [number, string];
const keyOf = (createdAt: number | undefined, arn: string): Key => [createdAt ?? Number.MAX_SAFE_INTEGER, arn];
const before = (a: Key, b: Key) => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);

export async function preventOverlap(deps: OverlapDeps, detail: TaskDetail): Promise<OverlapOutcome> {
  const { config, ecs, log } = deps;
  if (detail.desiredStatus && detail.desiredStatus !== 'RUNNING') {
    return { outcome: 'ignored', taskArn: detail.taskArn, reason: `desired status is ${detail.desiredStatus}` };
  }
  const created = detail.createdAt ? Date.parse(detail.createdAt) : Number.NaN;
  const mine = keyOf(Number.isFinite(created) ? created : undefined, detail.taskArn);
  const tasks = await runningTasks(ecs, config.clusterArn, config.family);
  const older = tasks
    .filter((t): t is Task & { taskArn: string } => !!t.taskArn && t.taskArn !== detail.taskArn)
    .filter((t) => t.desiredStatus === 'RUNNING' && before(keyOf(t.createdAt?.getTime(), t.taskArn), mine))
    .sort((a, b) =>
      before(keyOf(a.createdAt?.getTime(), a.taskArn), keyOf(b.createdAt?.getTime(), b.taskArn)) ? -1 : 1,
    );
  if (older.length === 0) return { outcome: 'started', taskArn: detail.taskArn };
  const running = older[0].taskArn;
  await stopTask(ecs, config.clusterArn, detail.taskArn, skipReason(running));
  log.info('skipped a run: an older task of this job is still running', { taskArn: detail.taskArn, running });
  return { outcome: 'skipped', taskArn: detail.taskArn, runningTaskArn: running };
}
