/**
 * TaskTimeoutMinutes, enforced: ECS has no task timeout (aws/containers-roadmap#572, #291), so on every tick (the
 * template's rate(1 minute) rule) the reaper lists this job's tasks that are meant to run and stops each one created
 * more than TaskTimeoutMinutes ago, with a stop reason that marks it timed out. Its STOPPED event then reports the run
 * as `timed_out` through the same path as every other end (monitor.ts). A task is stopped at most about one tick past
 * its limit; the container gets SIGTERM, then SIGKILL after its stop timeout.
 *
 * Age counts from the task's creation (createdAt), so a task stuck provisioning or pulling its image is bounded too.
 * A task whose creation time ECS does not report is left alone and logged. One refused stop does not keep the others
 * from being stopped; the reaper then fails (ReaperError, every cause attached) so the tick is retried and alarms.
 */
import type { Task } from '@aws-sdk/client-ecs';
import type { MonitorConfig } from './config';
import { ReaperError } from './errors';
import { timeoutReason } from './outcome';
import { type Ecs, runningTasks, stopTask } from './tasks';

export type ReaperDeps = {
  config: Pick<MonitorConfig, 'clusterArn' | 'family' | 'timeoutMinutes'>;
  ecs: Ecs;
  now: () => Date;
  log: { info(m: string, e?: Record<string, unknown>): void; warn(m: string, e?: Record<string, unknown>): void };
};

export type ReaperOutcome = {
  outcome: 'reaped';
  running: number;
  stopped: { taskArn: string; ageMinutes: number }[];
};

export function overdue(task: Task, timeoutMinutes: number, now: Date): boolean {
  const created = task.createdAt?.getTime();
  return created !== undefined && now.getTime() - created > timeoutMinutes * 60_000;
}

export async function reap(deps: ReaperDeps): Promise<ReaperOutcome> {
  const { config, ecs, now, log } = deps;
  const at = now();
  const tasks = await runningTasks(ecs, config.clusterArn, config.family);
  const stopped: ReaperOutcome['stopped'] = [];
  const errors: unknown[] = [];
  for (const task of tasks) {
    if (!task.taskArn || task.desiredStatus !== 'RUNNING') continue;
    if (!task.createdAt) {
      log.warn('task has no creation time: cannot judge its timeout', { taskArn: task.taskArn });
      continue;
    }
    if (!overdue(task, config.timeoutMinutes, at)) continue;
    const ageMinutes = Math.floor((at.getTime() - task.createdAt.getTime()) / 60_000);
    try {
      await stopTask(ecs, config.clusterArn, task.taskArn, timeoutReason(config.timeoutMinutes, task.createdAt));
      stopped.push({ taskArn: task.taskArn, ageMinutes });
      log.info('stopped a task past TaskTimeoutMinutes', { taskArn: task.taskArn, ageMinutes });
    } catch (e) {
      errors.push(e);
    }
  }
  if (errors.length > 0) {
    throw new ReaperError(
      `could not stop ${errors.length} task(s) past TaskTimeoutMinutes=${config.timeoutMinutes}: ${errors.map((e) => (e as Error).message).join('; ')}`,
      { cause: errors.length === 1 ? errors[0] : new AggregateError(errors) },
    );
  }
  return { outcome: 'reaped', running: tasks.length, stopped };
}
