/**
 * The task monitor's work, with every client passed in:
 *
 * - a STOPPED task of this job: the run's end. Its outcome (outcome.ts) is recorded (runs.ts) and, when the run
 *   failed or timed out and FailureTopicArn is set, published there once per task, however often EventBridge
 *   delivers the event;
 * - a PROVISIONING or PENDING task, with PreventOverlap: skipped if an older task of the job still runs (overlap.ts);
 * - the reaper's tick: tasks past TaskTimeoutMinutes are stopped (reaper.ts).
 *
 * Events of another cluster or family are ignored (the rule should never send them). Nothing of the task's
 * environment (the payload) is logged or sent.
 */
import type { Once } from '../common/idempotency';
import type { MonitorConfig } from './config';
import { UnsupportedEventError } from './errors';
import { familyOf, isReaperTick, isTaskStateChange } from './events';
import { failureNotice, type SnsMessage, snsMessage } from './notice';
import { type RunStatus, type TaskRun, taskRun } from './outcome';
import { type OverlapOutcome, preventOverlap } from './overlap';
import { type ReaperOutcome, reap } from './reaper';
import type { RunRecorder } from './runs';
import type { Ecs } from './tasks';

export type Log = {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
};

export type MonitorDeps = {
  config: MonitorConfig;
  ecs: Ecs;
  publish(topicArn: string, message: SnsMessage, dedupId: string): Promise<void>;
  once: Once;
  recorder: RunRecorder;
  now: () => Date;
  log: Log;
};

export type FinishOutcome = { outcome: 'finished'; taskArn: string; status: RunStatus; notified: boolean };
export type IgnoredOutcome = { outcome: 'ignored'; taskArn?: string; reason: string };
export type MonitorOutcome = FinishOutcome | OverlapOutcome | ReaperOutcome | IgnoredOutcome;

async function finish(deps: MonitorDeps, run: TaskRun): Promise<FinishOutcome> {
  const { config, publish, once, recorder, log } = deps;
  let notified = false;
  if ((run.status === 'failed' || run.status === 'timed_out') && config.failureTopicArn) {
    const topic = config.failureTopicArn;
    const message = snsMessage(failureNotice(run as TaskRun & { status: 'failed' | 'timed_out' }));
    await once(`notify#${run.taskArn}`, async () => {
      await publish(topic, message, `${run.taskId}-${run.status}`);
      return { published: true };
    });
    notified = true;
  }
  await recorder.record(run);
  const fields = { taskArn: run.taskArn, status: run.status, reason: run.reason, durationMs: run.durationMs };
  if (run.status === 'failed' || run.status === 'timed_out') log.warn('run ended', fields);
  else log.info('run ended', fields);
  return { outcome: 'finished', taskArn: run.taskArn, status: run.status, notified };
}

export function createMonitor(deps: MonitorDeps): (event: unknown) => Promise<MonitorOutcome> {
  const { config } = deps;
  return async (event) => {
    if (isTaskStateChange(event)) {
      const d = event.detail;
      if (d.clusterArn !== config.clusterArn || familyOf(d.taskDefinitionArn) !== config.family) {
        return { outcome: 'ignored', taskArn: d.taskArn, reason: 'another cluster or task family' };
      }
      if (d.lastStatus === 'STOPPED') return finish(deps, taskRun(d, config));
      if ((d.lastStatus === 'PROVISIONING' || d.lastStatus === 'PENDING') && config.preventOverlap) {
        return preventOverlap(deps, d);
      }
      return { outcome: 'ignored', taskArn: d.taskArn, reason: `nothing to do for status ${d.lastStatus}` };
    }
    if (isReaperTick(event)) return reap(deps);
    throw new UnsupportedEventError(
      'event is neither an ECS Task State Change of this job nor the reaper tick (Scheduled Event)',
    );
  };
}
