/**
 * Where the monitor records every run it sees end (succeeded, failed, timed_out, skipped): with RunsEventBusArn
 * set, one `Cloud Cron Task Run` event on the Runs app's bus, which its recorder turns into a ledger item
 * (functions/common/runs/task-runs.ts); with it empty, nowhere.
 */
import type { Bus } from '../common/runs/bus';
import { taskRunEntry } from '../common/runs/task-runs';
import type { TaskRun } from './outcome';

export type RunRecorder = {
  /**
   * Records the run; recording the same task's run again must not create a second run (the Runs recorder keys it
   * by task id). A refused put is thrown, so the monitor fails and Lambda retries the event.
   */
  record(run: TaskRun): Promise<void>;
};

/** RunsEventBusArn is empty: runs are not recorded (the failure notice and the logs still say how each ended). */
export const notRecorded: RunRecorder = { record: async () => undefined };

/** Puts each run on the Runs bus `busArn` (the shared bus client: a refused entry is an error). */
export function busRecorder(bus: Bus, busArn: string): RunRecorder {
  return { record: (run) => bus.put([taskRunEntry(run, busArn)]) };
}
