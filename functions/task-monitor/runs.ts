/**
 * Where the monitor records every run it sees end (succeeded, failed, timed_out, skipped). One small interface, so
 * the monitor does not depend on how the Runs app stores runs: with RunsEventBusArn empty nothing is recorded.
 */
import type { TaskRun } from './outcome';

export type RunRecorder = {
  /** Records the run; recording the same task's run again must not create a second run. */
  record(run: TaskRun): Promise<void>;
};

/** RunsEventBusArn is empty: runs are not recorded (the failure notice and the logs still say how each ended). */
export const notRecorded: RunRecorder = { record: async () => undefined };
